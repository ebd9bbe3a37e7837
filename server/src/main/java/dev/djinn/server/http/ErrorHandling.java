package dev.djinn.server.http;

import dev.djinn.server.api.ApiException;
import dev.djinn.server.api.ErrorResponse;
import dev.djinn.server.chat.ChatTemplateException;
import dev.djinn.server.metrics.ServerMetrics;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into an OpenAI-style JSON error. Client mistakes get a 4xx with a message that says what
 * to fix; only the server's own bugs are 500s, and only those are logged with a stack trace.
 */
final class ErrorHandling {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorHandling.class);

    private final ServerMetrics metrics;

    ErrorHandling(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    void api(ApiException e, Context ctx) {
        metrics.recordError(e.kind());
        if (e.retryAfterSeconds() > 0) {
            ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
        }
        if (e.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
        }
        ctx.status(e.status()).json(e.body());
    }

    /** Javalin's own refusals: no such route, wrong method, body too large. */
    void http(HttpResponseException e, Context ctx) {
        api(switch (e.getStatus()) {
            case 404 -> ApiException.notFound("Unknown endpoint: " + ctx.method() + " " + ctx.path() + ".");
            case 405 -> ApiException.methodNotAllowed(ctx.method() + " is not allowed on " + ctx.path() + ".");
            case 413 -> ApiException.tooLarge("The request body is too large.");
            default -> e.getStatus() >= 500 ? ApiException.internal() : ApiException.invalid(null, e.getMessage());
        }, ctx);
    }

    /** The model's template is broken: the server's fault, but its message says where. */
    void template(ChatTemplateException e, Context ctx) {
        LOG.warn("chat template failed: {}", e.getMessage());
        metrics.recordError("chat_template");
        ctx.status(500).json(new ErrorResponse(new ErrorResponse.Detail(e.getMessage(), "server_error", null,
                "chat_template")));
    }

    void unexpected(Exception e, Context ctx) {
        LOG.error("request {} {} failed", ctx.method(), ctx.path(), e);
        api(ApiException.internal(), ctx);
    }
}
