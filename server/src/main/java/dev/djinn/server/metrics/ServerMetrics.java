package dev.djinn.server.metrics;

import dev.djinn.engine.service.EngineStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * djinn's Prometheus metrics. The server records requests and tokens here; the scheduler and the cluster code
 * record batch sizes and per-node times through {@link #recordBatchSize}, {@link #recordNodeCompute} and
 * {@link #recordNodeNetwork}, or register meters of their own on {@link #registry()}.
 */
public final class ServerMetrics implements AutoCloseable {
    /** Latency buckets from a fast token on a small model to a long prefill on a cluster. */
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final DistributionSummary batchSize;
    private final TokenRate rate = new TokenRate();

    public ServerMetrics(Supplier<EngineStats> stats) {
        Gauge.builder("djinn.requests.running", stats, s -> s.get().running())
                .description("Requests being generated").register(registry);
        Gauge.builder("djinn.requests.waiting", stats, s -> s.get().waiting())
                .description("Requests queued for a slot").register(registry);
        Gauge.builder("djinn.kv.cache.usage.ratio", stats, s -> usage(s.get()))
                .description("Share of the KV-cache budget in use (0 to 1)").register(registry);
        Gauge.builder("djinn.kv.cache.used", stats, s -> s.get().kvBytesUsed()).baseUnit("bytes")
                .description("KV-cache memory held by sequences").register(registry);
        timeToFirstToken = latency("djinn.time.to.first.token", "From a request's arrival to its first token");
        interTokenLatency = latency("djinn.inter.token.latency", "Between two tokens of one request");
        promptTokens = Counter.builder("djinn.prompt.tokens").description("Prompt tokens processed")
                .register(registry);
        generatedTokens = Counter.builder("djinn.generated.tokens").description("Tokens generated")
                .register(registry);
        batchSize = DistributionSummary.builder("djinn.batch.size")
                .description("Sequences in one forward pass").serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    private static double usage(EngineStats s) {
        return s.kvBytesBudget() <= 0 ? 0 : (double) s.kvBytesUsed() / s.kvBytesBudget();
    }

    private Timer latency(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void recordTimeToFirstToken(long nanos) {
        timeToFirstToken.record(Duration.ofNanos(nanos));
    }

    public void recordInterTokenLatency(long nanos) {
        interTokenLatency.record(Duration.ofNanos(nanos));
    }

    /** One more token streamed to a client (feeds {@link #tokensPerSecond()}). */
    public void recordGeneratedToken() {
        rate.add(1, System.currentTimeMillis());
    }

    /** Tokens generated per second over the last few seconds. */
    public double tokensPerSecond() {
        return rate.perSecond(System.currentTimeMillis());
    }

    public void recordTokens(int prompt, int generated) {
        promptTokens.increment(prompt);
        generatedTokens.increment(generated);
    }

    /** Counts a failed or refused request; {@code kind} is a short snake_case word such as {@code queue_full}. */
    public void recordError(String kind) {
        Counter.builder("djinn.errors").description("Requests that failed, by kind").tag("kind", kind)
                .register(registry).increment();
    }

    /** Counts a finished HTTP request by route and status. */
    public void recordRequest(String route, int status) {
        Counter.builder("djinn.http.requests").description("HTTP requests answered, by route and status")
                .tag("route", route).tag("status", Integer.toString(status)).register(registry).increment();
    }

    /** For the scheduler: how many sequences one forward pass carried. */
    public void recordBatchSize(int sequences) {
        batchSize.record(sequences);
    }

    /** For the cluster: compute time one node spent on a step. */
    public void recordNodeCompute(String node, Duration time) {
        nodeTimer("djinn.node.compute", "Compute time of one step on a node", node).record(time);
    }

    /** For the cluster: time spent sending activations to or from a node for one step. */
    public void recordNodeNetwork(String node, Duration time) {
        nodeTimer("djinn.node.network", "Network time of one step to a node", node).record(time);
    }

    private Timer nodeTimer(String name, String description, String node) {
        return Timer.builder(name).description(description).tag("node", node)
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
