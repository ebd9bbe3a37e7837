package dev.djinn.server;

import dev.djinn.engine.service.InferenceService;
import dev.djinn.server.api.Json;
import dev.djinn.server.chat.ChatPrompt;
import dev.djinn.server.chat.ChatTemplate;
import dev.djinn.server.cluster.ClusterView;
import dev.djinn.server.http.ApiContext;
import dev.djinn.server.http.ApiRoutes;
import dev.djinn.server.metrics.ServerMetrics;
import io.javalin.Javalin;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;

import java.time.Clock;
import java.time.Duration;

/**
 * djinn's HTTP server: the OpenAI-compatible API over an {@link InferenceService}, health, Prometheus metrics,
 * the cluster view and the web console at {@code /}. The caller owns the service and closes it after the server.
 */
public final class DjinnServer implements AutoCloseable {
    /** Room for long conversations; anything larger is refused with a 413. */
    private static final long MAX_REQUEST_BYTES = 32L << 20;
    /** A non-streamed generation sends nothing until it ends; the connection must outlive it. */
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(30);

    private final Javalin app;
    private final ServerOptions options;

    public DjinnServer(InferenceService service, ServerOptions options, ServerMetrics metrics, ClusterView cluster,
                       Clock clock) {
        this.options = options;
        var model = service.model();
        ChatTemplate template = new ChatTemplate(
                model.chatTemplate() != null ? model.chatTemplate() : ChatTemplate.CHATML,
                model.bosText(), model.eosText(), clock);
        ApiContext api = new ApiContext(service, new ChatPrompt(template, service.tokenizer()), metrics, clock,
                clock.millis() / 1000);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = MAX_REQUEST_BYTES;
            config.http.prefer405over404 = true;
            config.jsonMapper(new JavalinJackson(Json.MAPPER, true));
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/console";
                files.location = Location.CLASSPATH;
            });
            config.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(options.host());
                connector.setPort(options.port());
                connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
                return connector;
            });
            ApiRoutes.install(config, api, cluster, options.apiKey());
        });
    }

    public DjinnServer start() {
        app.start();
        return this;
    }

    /** The port it listens on (the chosen one when started with port 0). */
    public int port() {
        return app.port();
    }

    public String url() {
        String host = options.host();
        if (host.contains(":")) {
            host = "[" + host + "]";
        } else if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        return "http://" + host + ":" + port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
