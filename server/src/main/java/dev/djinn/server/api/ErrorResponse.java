package dev.djinn.server.api;

/** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. */
public record ErrorResponse(Detail error) {
    public record Detail(String message, String type, String param, String code) {
    }
}
