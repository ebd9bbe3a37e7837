package dev.djinn.server;

/**
 * Where the server listens and whether it asks for a key.
 *
 * @param port   0 for any free port
 * @param apiKey the key clients must send as {@code Authorization: Bearer KEY}, or null for none
 */
public record ServerOptions(String host, int port, String apiKey) {
    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535, but was " + port);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("an API key must not be blank");
        }
    }
}
