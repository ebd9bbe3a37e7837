package dev.djinn.server;

import dev.djinn.engine.LocalModel;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.service.InferenceService;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.server.cluster.SingleNodeView;
import dev.djinn.server.metrics.ServerMetrics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** A real server on a free loopback port, over stories260K (a tiny trained model, fast enough for tests). */
public final class TestServers implements AutoCloseable {
    public static final String MODEL = "stories260K";

    private final LocalModel model;
    private final InferenceService service;
    private final ServerMetrics metrics;
    private final DjinnServer server;

    private TestServers(String apiKey, int parallel) {
        Path file = modelFile("stories260K.gguf");
        model = LocalModel.open(file, 1, Math.max(64, parallel));
        ModelInfo info = LocalServices.info(model, file, null, 512);
        service = LocalServices.create(model, info, KvCacheType.F32, parallel, 0,
                dev.djinn.engine.scheduler.ContinuousBatchingService.Listener.NONE);
        metrics = new ServerMetrics(service::stats);
        server = new DjinnServer(service, new ServerOptions("127.0.0.1", 0, apiKey), metrics,
                new SingleNodeView(info.id(), "test-node", "127.0.0.1", model.config().layers(),
                        metrics::tokensPerSecond), Clock.systemUTC()).start();
    }

    public static TestServers start(String apiKey) {
        return new TestServers(apiKey, 4);
    }

    /** A server generating up to {@code parallel} requests at once. */
    public static TestServers start(String apiKey, int parallel) {
        return new TestServers(apiKey, parallel);
    }

    public static Path modelFile(String name) {
        Path p = Path.of(System.getProperty("djinn.models.dir", "../../shared/models"), name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("test model missing: " + p + " (set -Ddjinn.models.dir)");
        }
        return p;
    }

    public String url() {
        return server.url();
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        server.close();
        service.close();
        metrics.close();
        model.close();
    }
}
