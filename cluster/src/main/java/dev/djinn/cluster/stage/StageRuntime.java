package dev.djinn.cluster.stage;

import dev.djinn.cluster.rpc.Links;
import dev.djinn.cluster.wire.ByteWriter;
import dev.djinn.cluster.wire.Frame;
import dev.djinn.cluster.wire.HiddenCodec;
import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.kernel.MatMul;
import dev.djinn.core.model.Batch;
import dev.djinn.core.model.LayerRange;
import dev.djinn.core.model.ModelConfig;
import dev.djinn.core.model.ModelWeights;
import dev.djinn.core.model.Transformer;
import dev.djinn.engine.kv.ContiguousKvCache;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.sampling.Sampler;
import dev.djinn.engine.sampling.TokenLogprobs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The pipeline-stage side of a node: the layers it was asked to run for each route, the KV cache of every
 * sequence on each route, and (on a route's last stage) every sequence's sampler. Frames arrive from any
 * number of streams and are queued; one compute thread runs them in arrival order, so frames of a route,
 * which travel one stream, keep their order. A STEP runs the route's layers and is forwarded to the next
 * stage, or, on the last stage, sampled and answered to the coordinator. No thread waits per request or per
 * connection: network threads only enqueue.
 */
public final class StageRuntime implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StageRuntime.class.getName());
    private static final int RELEASE = 100;

    private final String name;
    private final GgufFile file;
    private final ModelConfig config;
    private final MatMul matmul;
    private final int maxBatch;
    private final Links links;
    private final long stepDelayMs;
    private final Map<Long, Route> routes = new ConcurrentHashMap<>();
    private final Map<LayerRange, Transformer> transformers = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private final Thread worker;
    private final Batch batch;
    private float[] hiddenIn;
    private volatile boolean closed;
    private volatile LayerRange keep = new LayerRange(0, 0);
    /** When the frame being run started (0 while idle): a stage stuck on one frame shows in its status. */
    private volatile long busySince;
    private volatile boolean debugStall;
    // statistics for status
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong computeNanos = new AtomicLong();
    private final AtomicLong kvBytes = new AtomicLong();

    private static final class Route {
        final RouteSpec spec;
        final int index;
        final LayerRange range;
        final boolean first;
        final boolean last;
        final String next;
        final Transformer transformer;
        final Map<Long, SeqState> seqs = new HashMap<>();

        Route(RouteSpec spec, int index, Transformer t, ModelConfig cfg) {
            this.spec = spec;
            this.index = index;
            this.range = spec.stages().get(index).range();
            this.first = range.embeds();
            this.last = range.producesLogits(cfg);
            this.next = index + 1 < spec.stages().size() ? spec.stages().get(index + 1).endpoint() : null;
            this.transformer = t;
        }
    }

    private record SeqState(ContiguousKvCache cache, Sampler sampler, int logprobs, long bytes) {
    }

    public StageRuntime(String name, GgufFile file, ModelConfig config, MatMul matmul, int maxBatch, Links links,
                        long stepDelayMs) {
        this.name = name;
        this.file = file;
        this.config = config;
        this.matmul = matmul;
        this.maxBatch = maxBatch;
        this.links = links;
        this.stepDelayMs = stepDelayMs;
        this.batch = new Batch(maxBatch);
        this.hiddenIn = new float[config.dim()];
        this.worker = Thread.ofPlatform().name("djinn-stage").daemon().start(this::loop);
    }

    /** The transformer of {@code range}, built once; the layers' bytes must be on disk. */
    public Transformer transformer(LayerRange range) {
        return transformers.computeIfAbsent(range, r ->
                new Transformer(config, ModelWeights.load(file, config, r), matmul, maxBatch));
    }

    /** Keeps the transformer of this node's planned range even while no route uses it. */
    public void keep(LayerRange range) {
        keep = range;
    }

    /**
     * Registers a route whose layers are on disk (the node fetched any that were missing before calling).
     *
     * @throws DjinnException when this node is not a stage of the route
     */
    public void prepare(RouteSpec spec) {
        int index = spec.indexOf(name);
        if (index < 0) {
            throw new DjinnException("node " + name + " is not a stage of route " + spec);
        }
        LayerRange range = spec.stages().get(index).range();
        if (spec.maxBatch() > maxBatch) {
            throw new DjinnException("route batch " + spec.maxBatch() + " exceeds this node's " + maxBatch);
        }
        Transformer t = transformer(range);
        routes.putIfAbsent(spec.id(), new Route(spec, index, t, config));
    }

    /** Drops a route and frees its sequences' memory (on the compute thread, after frames already queued). */
    public void release(long route) {
        queue.add(new ByteWriter(9).u8(RELEASE).i64(route).toByteArray());
    }

    /** Routes that involve {@code endpoint} (as a stage or their coordinator). */
    public List<Long> routesInvolving(String endpoint) {
        List<Long> out = new ArrayList<>();
        for (Route r : routes.values()) {
            boolean involved = r.spec.coordinator().equals(endpoint);
            for (RouteSpec.StageSpec s : r.spec.stages()) {
                involved |= s.endpoint().equals(endpoint);
            }
            if (involved) {
                out.add(r.spec.id());
            }
        }
        return out;
    }

    /** Tells coordinators whose routes send through {@code endpoint} that the link failed. */
    public void linkFailed(String endpoint, Throwable t) {
        for (Route r : routes.values()) {
            if (endpoint.equals(r.next)) {
                sendError(r, 0, "stage " + name + " lost its link to the next stage " + endpoint + ": " + t.getMessage());
            }
        }
    }

    /** Queues a frame for the compute thread. */
    public void enqueue(byte[] frame) {
        queue.add(frame);
    }

    public int routeCount() {
        return routes.size();
    }

    public long steps() {
        return steps.get();
    }

    public long rows() {
        return rows.get();
    }

    public long computeNanos() {
        return computeNanos.get();
    }

    public long kvBytes() {
        return kvBytes.get();
    }

    /** How long the compute thread has been on its current frame (0 when idle). */
    public long busyNanos() {
        long since = busySince;
        return since == 0 ? 0 : System.nanoTime() - since;
    }

    /** Testing: the compute thread hangs on the next step (the node stays in the view and answers calls). */
    public void debugStall() {
        debugStall = true;
    }

    private void loop() {
        while (!closed) {
            byte[] f;
            try {
                f = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            busySince = System.nanoTime();
            try {
                handle(f);
            } catch (RuntimeException | OutOfMemoryError e) {
                LOG.warning("stage " + name + " failed on a frame: " + e);
            } finally {
                busySince = 0;
            }
        }
    }

    private void handle(byte[] f) {
        if (f[0] == RELEASE) {
            Route r = routes.remove(Frame.route(f));
            if (r != null) {
                r.seqs.values().forEach(this::free);
                r.seqs.clear();
                evictUnused();
            }
            return;
        }
        Frame frame = Frame.decode(f);
        Route r = routes.get(frame.route());
        if (r == null) {
            LOG.fine("frame for unknown route " + Long.toHexString(frame.route()));
            return;
        }
        switch (frame) {
            case Frame.Open o -> {
                open(r, o);
                forward(r, f);
            }
            case Frame.Close c -> {
                SeqState s = r.seqs.remove(c.seq());
                if (s != null) {
                    free(s);
                }
                forward(r, f);
            }
            case Frame.Step s -> step(r, s);
            default -> LOG.warning("stage got an unexpected " + frame.getClass().getSimpleName());
        }
    }

    /** Control frames travel the whole pipeline, in order with the steps. */
    private void forward(Route r, byte[] f) {
        if (r.next != null) {
            links.send(r.next, f);
        }
    }

    private void open(Route r, Frame.Open o) {
        SeqState old = r.seqs.remove(o.seq());
        if (old != null) {
            free(old);
        }
        KvCacheType kv = KvCacheType.values()[o.kvType()];
        try {
            ContiguousKvCache cache = new ContiguousKvCache(config, r.range, o.capacity(), kv);
            Sampler sampler = r.last ? new Sampler(o.sampling(), config.vocabSize()) : null;
            long bytes = ContiguousKvCache.bytesFor(config, r.range, o.capacity(), kv);
            kvBytes.addAndGet(bytes);
            r.seqs.put(o.seq(), new SeqState(cache, sampler, o.logprobs(), bytes));
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            sendError(r, 0, "stage " + name + " cannot allocate the KV cache of " + o.capacity() + " positions: " + e);
        }
    }

    private void free(SeqState s) {
        s.cache().close();
        kvBytes.addAndGet(-s.bytes());
    }

    private void step(Route r, Frame.Step s) {
        while (debugStall && !closed) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
        long t0 = System.nanoTime();
        int n = s.rows();
        int dim = config.dim();
        batch.clear();
        SeqState[] states = new SeqState[n];
        for (int i = 0; i < n; i++) {
            SeqState q = r.seqs.get(s.seqs()[i]);
            if (q == null) {
                sendError(r, s.step(), "sequence " + s.seqs()[i] + " is not open on stage " + name);
                return;
            }
            states[i] = q;
            try {
                batch.add(s.tokens()[i], s.positions()[i], q.cache(), r.last && s.sample()[i], s.prompt()[i]);
            } catch (RuntimeException e) {
                sendError(r, s.step(), e.getMessage());
                return;
            }
        }
        float[] in = null;
        if (!r.first) {
            if (!s.hasHidden()) {
                sendError(r, s.step(), "stage " + name + " got a step without a hidden state");
                return;
            }
            if (hiddenIn.length < n * dim) {
                hiddenIn = new float[n * dim];
            }
            HiddenCodec.decode(s.payload(), n, dim, s.wire(), hiddenIn);
            in = hiddenIn;
        }
        try {
            r.transformer.forward(batch, in);
        } catch (RuntimeException e) {
            sendError(r, s.step(), "stage " + name + " failed: " + e.getMessage());
            return;
        }
        if (stepDelayMs > 0) {
            try {
                Thread.sleep(stepDelayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (r.last) {
            float[] logits = r.transformer.logits();
            int vocab = config.vocabSize();
            int[] sampled = new int[n];
            TokenLogprobs[] lps = new TokenLogprobs[n];
            int logitRow = 0;
            for (int i = 0; i < n; i++) {
                Sampler sampler = states[i].sampler();
                sampler.accept(s.tokens()[i]);
                sampled[i] = -1;
                if (s.sample()[i]) {
                    sampled[i] = sampler.sample(logits, logitRow * vocab);
                    if (states[i].logprobs() >= 0 && !s.replay()) {
                        lps[i] = sampler.lastLogprobs(states[i].logprobs());
                    }
                    logitRow++;
                }
            }
            links.send(r.spec.coordinator(), new Frame.Result(r.spec.id(), s.step(), sampled, lps).encode());
        } else {
            ByteWriter w = new ByteWriter(64 + s.wire().rowBytes(dim) * n);
            Frame.Step.write(w, r.spec.id(), s.step(), s.replay(), s.wire(), n, s.seqs(), s.positions(), s.tokens(),
                    s.sample(), s.prompt(), r.transformer.hidden(), dim);
            links.send(r.next, w.toByteArray());
        }
        steps.incrementAndGet();
        rows.addAndGet(n);
        computeNanos.addAndGet(System.nanoTime() - t0);
    }

    private void sendError(Route r, long step, String message) {
        try {
            links.send(r.spec.coordinator(), new Frame.Error(r.spec.id(), step, message).encode());
        } catch (RuntimeException e) {
            LOG.warning("cannot report to coordinator " + r.spec.coordinator() + ": " + message);
        }
    }

    private void evictUnused() {
        transformers.keySet().removeIf(range -> !range.equals(keep)
                && routes.values().stream().noneMatch(r -> r.range.equals(range)));
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        for (Route r : routes.values()) {
            r.seqs.values().forEach(s -> s.cache().close());
        }
        routes.clear();
    }
}
