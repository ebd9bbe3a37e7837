package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import dev.djinn.engine.scheduler.ContinuousBatchingService;
import dev.djinn.engine.service.InferenceService;
import dev.djinn.server.DjinnServer;
import dev.djinn.server.ServerOptions;
import dev.djinn.server.cluster.ClusterView;
import dev.djinn.server.metrics.ServerMetrics;

import java.net.BindException;
import java.time.Clock;
import java.util.function.Function;

/**
 * The HTTP side of {@code djinn serve} and {@code djinn node --api-port}: the inference service, its metrics
 * and the server, started together and stopped in order (no new requests, then the engine, then the metrics).
 */
final class ApiFrontEnd implements AutoCloseable {
    private final InferenceService service;
    private final ServerMetrics metrics;
    private final DjinnServer server;

    private ApiFrontEnd(InferenceService service, ServerMetrics metrics, DjinnServer server) {
        this.service = service;
        this.metrics = metrics;
        this.server = server;
    }

    /**
     * @param services builds the service, given a listener that reports each step to the metrics
     * @param views    builds the cluster page's view, given the metrics
     * @throws DjinnException when the port is taken (one line)
     */
    static ApiFrontEnd start(ServerOptions options, Function<ContinuousBatchingService.Listener, InferenceService> services,
                             Function<ServerMetrics, ClusterView> views) {
        StepRecorder recorder = new StepRecorder();
        InferenceService service = services.apply(recorder);
        // the metrics read the service's stats, and the service reports steps to the metrics
        ServerMetrics metrics = new ServerMetrics(service::stats);
        recorder.metrics = metrics;
        try {
            DjinnServer server = new DjinnServer(service, options, metrics, views.apply(metrics), Clock.systemUTC());
            return new ApiFrontEnd(service, metrics, server.start());
        } catch (RuntimeException e) {
            service.close();
            metrics.close();
            throw bindFailure(options, e);
        }
    }

    InferenceService service() {
        return service;
    }

    String url() {
        return server.url();
    }

    @Override
    public void close() {
        server.close();
        service.close();
        metrics.close();
    }

    private static RuntimeException bindFailure(ServerOptions options, RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return new DjinnException("cannot listen on " + options.host() + ":" + options.port() + " ("
                        + t.getMessage() + "); pick another port or host");
            }
        }
        return e;
    }

    /** Reports each scheduling step's batch to the metrics once they exist. */
    private static final class StepRecorder implements ContinuousBatchingService.Listener {
        volatile ServerMetrics metrics;

        @Override
        public void stepDone(int rows, int sequences, long nanos) {
            ServerMetrics m = metrics;
            if (m != null) {
                m.recordBatchSize(sequences);
            }
        }
    }
}
