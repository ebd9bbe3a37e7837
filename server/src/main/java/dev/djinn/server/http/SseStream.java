package dev.djinn.server.http;

import dev.djinn.server.api.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as OpenAI streams them: {@code data: <json>} and a blank line per event, flushed at once,
 * ending with {@code data: [DONE]}. A write that fails means the client went away; every later send is skipped.
 */
final class SseStream {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private boolean broken;

    SseStream(OutputStream out) {
        this.out = out;
    }

    /** @return false when the client is gone */
    boolean send(Object event) {
        byte[] json = Json.bytes(event);
        byte[] frame = new byte[DATA.length + json.length + END.length];
        System.arraycopy(DATA, 0, frame, 0, DATA.length);
        System.arraycopy(json, 0, frame, DATA.length, json.length);
        System.arraycopy(END, 0, frame, DATA.length + json.length, END.length);
        return write(frame);
    }

    boolean done() {
        return write(DONE);
    }

    boolean broken() {
        return broken;
    }

    private boolean write(byte[] frame) {
        if (broken) {
            return false;
        }
        try {
            out.write(frame);
            out.flush();
            return true;
        } catch (IOException | RuntimeException e) {
            // Jetty reports a closed connection as an IOException, or as an unchecked one once the response is done
            broken = true;
            return false;
        }
    }
}
