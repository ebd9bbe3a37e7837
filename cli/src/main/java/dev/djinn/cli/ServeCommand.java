package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import dev.djinn.engine.LocalModel;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.scheduler.ContinuousBatchingService;
import dev.djinn.engine.service.InferenceService;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.engine.service.Warmup;
import dev.djinn.server.LocalServices;
import dev.djinn.server.ServerOptions;
import dev.djinn.server.cluster.SingleNodeView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code djinn serve}: the OpenAI-compatible API and the web console for one model on this machine. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serve a model over an OpenAI-compatible HTTP API, with a web console at /.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file")
    Path model;

    @Option(names = "--port", defaultValue = "8080", description = "port to listen on; 0 = any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "address to listen on; 0.0.0.0 = every interface (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--api-key", paramLabel = "KEY", description = "require 'Authorization: Bearer KEY' on /v1 requests")
    String apiKey;

    @Option(names = "--parallel", defaultValue = "1", paramLabel = "N",
            description = "requests generated at once by continuous batching; more wait in a queue (default: ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = {"-c", "--ctx"}, defaultValue = "4096",
            description = "context length in tokens per request (capped at the model's) (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = {"-t", "--threads"}, description = "compute threads (default: one per core)")
    Integer threads;

    @Option(names = "--kv-budget", defaultValue = "0", paramLabel = "MIB",
            description = "KV-cache memory for all requests together, in MiB; requests beyond it wait "
                    + "(default: a full context per slot, at most a quarter of the machine's memory)")
    long kvBudgetMib;

    @Option(names = {"-b", "--batch"}, defaultValue = "512", description = "prompt tokens per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--kv-type", defaultValue = "f16", description = "KV cache precision: f16 or f32 (default: ${DEFAULT-VALUE})")
    String kvType;

    @Option(names = "--model-alias", paramLabel = "NAME", description = "the model's name in the API (default: the file name without .gguf)")
    String alias;

    @Option(names = "--no-warmup", description = "take requests at once, without first running a few small "
            + "generations so that the first requests run compiled code (as llama.cpp's server's --no-warmup)")
    boolean noWarmup;

    /** Warm-up rounds stop once one leaves the JIT idle or this much time has passed. */
    private static final Duration WARMUP_LIMIT = Duration.ofSeconds(10);

    @Override
    public Integer call() throws InterruptedException {
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1 || batch < 1 || ctx < 2 || parallel < 1) {
            throw new DjinnException("--threads, --batch and --parallel must be positive and --ctx at least 2");
        }
        if (port < 0 || port > 65535) {
            throw new DjinnException("--port must be 0 to 65535");
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new DjinnException("--api-key must not be blank");
        }
        KvCacheType kv = KvCacheType.parse(kvType);
        checkPortFree();
        LocalModel lm = LocalModel.open(model, nThreads, batch);
        ModelInfo info = LocalServices.info(lm, model, alias, ctx);
        if (!noWarmup) {
            warmUp(lm, info, kv);
        }
        String url = "http://" + host + ":" + port;
        ApiFrontEnd api;
        try {
            api = ApiFrontEnd.start(new ServerOptions(host, port, apiKey),
                    listener -> LocalServices.create(lm, info, kv, parallel, kvBudgetMib * (1L << 20), listener),
                    metrics -> new SingleNodeView(info.id(), hostName(), url, lm.config().layers(),
                            metrics::tokensPerSecond));
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGINT and SIGTERM run this: stop taking requests, then stop the engine. The model stays mapped: the
        // process is ending, and unmapping it under a generation that is still finishing could only crash it.
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            System.err.println("djinn: shutting down");
            api.close();
            stopped.countDown();
        }));
        System.err.printf("djinn: serving %s (%d tokens of context, %d threads) at %s%n"
                        + "djinn: API %s/v1, console %s/ — Ctrl-C stops%n",
                info.id(), info.contextLength(), lm.threads(), api.url(), api.url(), api.url());
        stopped.await();
        return 0;
    }

    /**
     * Fails at once, before the model loads and warms up, when the address cannot be listened on (the API
     * binds it for real afterwards; a port taken in between still fails there, with the same message).
     */
    private void checkPortFree() {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new DjinnException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); pick another port or host");
        }
    }

    /** Small generations through a service of the real one's shape (its own KV memory, freed after). */
    private void warmUp(LocalModel lm, ModelInfo info, KvCacheType kv) {
        try (InferenceService service = LocalServices.create(lm, info, kv, parallel, kvBudgetMib * (1L << 20),
                ContinuousBatchingService.Listener.NONE)) {
            Warmup.Report r = Warmup.run(service, parallel, WARMUP_LIMIT);
            System.err.printf(Locale.ROOT, "djinn: warmed up in %.1f s (%d tokens; --no-warmup skips it)%n",
                    r.took().toMillis() / 1000.0, r.generated());
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
