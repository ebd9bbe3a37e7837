package dev.djinn.server.api;

/**
 * A request the server refuses, answered with an OpenAI-style error body. Its message is meant for the client.
 *
 * @see ErrorResponse
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    /** Counted in {@code djinn_errors_total}. */
    private final String kind;
    private final int retryAfterSeconds;

    private ApiException(int status, String type, String message, String param, String code, String kind,
                         int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.kind = kind;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", message, param, null, "invalid_request", 0);
    }

    public static ApiException invalid(String param, String code, String message) {
        return new ApiException(400, "invalid_request_error", message, param, code, "invalid_request", 0);
    }

    public static ApiException contextLength(String message) {
        return new ApiException(400, "invalid_request_error", message, "messages", "context_length_exceeded",
                "context_length", 0);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", message, null, "invalid_api_key", "authentication", 0);
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(404, "invalid_request_error", "The model '" + model + "' does not exist.", "model",
                "model_not_found", "model_not_found", 0);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "invalid_request_error", message, null, "not_found", "not_found", 0);
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(405, "invalid_request_error", message, null, "method_not_allowed", "not_found", 0);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "invalid_request_error", message, null, "request_too_large", "invalid_request",
                0);
    }

    public static ApiException busy(String message, int retryAfterSeconds) {
        return new ApiException(429, "rate_limit_error", message, null, "queue_full", "queue_full",
                Math.max(1, retryAfterSeconds));
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "server_error", message, null, "unavailable", "unavailable", 0);
    }

    public static ApiException internal() {
        return new ApiException(500, "server_error", "The server had an error while processing your request.", null,
                null, "internal", 0);
    }

    public int status() {
        return status;
    }

    public String kind() {
        return kind;
    }

    /** Seconds for the {@code Retry-After} header, or 0 for none. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public ErrorResponse body() {
        return new ErrorResponse(new ErrorResponse.Detail(getMessage(), type, param, code));
    }
}
