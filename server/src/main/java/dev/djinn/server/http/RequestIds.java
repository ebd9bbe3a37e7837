package dev.djinn.server.http;

import io.javalin.http.Context;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Every request gets an id: in the access log, the {@code X-Request-Id} header and completion ids. */
final class RequestIds {
    static final String ATTRIBUTE = "djinn.request-id";
    static final String HEADER = "X-Request-Id";

    private RequestIds() {
    }

    static void assign(Context ctx) {
        byte[] b = new byte[12];
        ThreadLocalRandom.current().nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        ctx.attribute(ATTRIBUTE, id);
        ctx.header(HEADER, id);
    }

    static String of(Context ctx) {
        String id = ctx.attribute(ATTRIBUTE);
        return id == null ? "-" : id;
    }
}
