package dev.djinn.server.http;

import dev.djinn.server.api.ApiException;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** With {@code --api-key}, every {@code /v1} request must carry {@code Authorization: Bearer KEY}. */
final class ApiKeyCheck implements Handler {
    private final byte[] expected;

    ApiKeyCheck(String key) {
        this.expected = ("Bearer " + key).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw ApiException.unauthorized("You didn't provide an API key. Send it in the Authorization header "
                    + "as 'Bearer YOUR_KEY'.");
        }
        // constant time, so response timing does not reveal how much of a guess was right
        if (!MessageDigest.isEqual(expected, header.strip().getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized("Incorrect API key provided.");
        }
    }
}
