package dev.djinn.server.http;

import dev.djinn.server.metrics.ServerMetrics;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * One line per request on the {@code dev.djinn.server.access} logger, as key=value pairs: id, method, path,
 * status, total time and, for generations, tokens in and out, time to first token and finish reason. Endpoints
 * that dashboards poll (health, metrics, cluster, console files) log at DEBUG so they do not drown the rest.
 */
final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("dev.djinn.server.access");

    private final ServerMetrics metrics;

    AccessLog(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    void log(Context ctx, Float millis) {
        int status = ctx.statusCode();
        String route = Routes.label(ctx.path());
        metrics.recordRequest(route, status);
        boolean polled = ctx.method().name().equals("GET") && !route.equals(Routes.MODELS);
        if (polled ? !LOG.isDebugEnabled() : !LOG.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder()
                .append("id=").append(RequestIds.of(ctx))
                .append(" method=").append(ctx.method().name())
                .append(" path=").append(ctx.path())
                .append(" status=").append(status);
        GenerationSummary g = ctx.attribute(GenerationSummary.ATTRIBUTE);
        if (g != null) {
            line.append(" prompt_tokens=").append(g.promptTokens())
                    .append(" completion_tokens=").append(g.completionTokens())
                    .append(" ttft_ms=").append(g.ttftNanos() < 0 ? "-" : ms(g.ttftNanos() / 1e6))
                    .append(" finish=").append(g.finish())
                    .append(" stream=").append(g.stream());
        }
        line.append(" total_ms=").append(ms(millis));
        if (polled) {
            LOG.debug("{}", line);
        } else {
            LOG.info("{}", line);
        }
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, "%.1f", millis);
    }
}
