package dev.djinn.cluster.coord;

import dev.djinn.cluster.membership.NodeInfo;
import dev.djinn.cluster.plan.Plan;
import dev.djinn.cluster.rpc.Rpc;
import dev.djinn.cluster.stage.RouteSpec;
import dev.djinn.cluster.wire.ByteWriter;
import dev.djinn.cluster.wire.Frame;
import dev.djinn.cluster.wire.WireFormat;
import dev.djinn.core.DjinnException;
import dev.djinn.core.model.LayerRange;
import dev.djinn.engine.kv.ContiguousKvCache;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.sampling.SamplingParams;
import dev.djinn.engine.scheduler.Step;
import dev.djinn.engine.scheduler.StepExecutor;
import dev.djinn.engine.scheduler.StepResult;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Runs steps through a pipeline of nodes: the {@link StepExecutor} of a cluster. It sets up a route (one
 * pipeline over the stages of the current plan), sends each step to the first stage and completes the step's
 * future when the last stage's sampled tokens come back.
 *
 * <p>It also keeps, per sequence, every row it completed (token, position, whether it sampled). When a stage
 * fails (its process dies, its network is cut, a step misses its deadline) or the membership changes so that
 * the plan does, it makes a new plan, prepares a new route, re-opens every sequence there and replays its
 * rows in order (the last stage re-creates the sampler with the same seed and re-accepts and re-samples the
 * same rows, so penalties and the random stream end where they were), then re-sends the steps in flight.
 * The caller sees only a pause: no step completes twice, and each completes with what one machine computes,
 * since a row's arithmetic does not depend on what else shares its batch. When the survivors cannot hold
 * the model, every step in flight fails with the planner's message.
 */
public final class ClusterStepExecutor implements StepExecutor {
    private static final Logger LOG = Logger.getLogger(ClusterStepExecutor.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Replays send at most this many sampling rows per step (bounds the last stage's logits buffer). */
    private static final int REPLAY_SAMPLE_ROWS = 32;
    /** Consecutive recoveries without a completed step before the steps in flight are failed. */
    private static final int MAX_FRUITLESS_RECOVERIES = 4;
    /**
     * A stage busy on one frame for longer than this (or half the deadline that expired, if longer) when
     * the stages are probed is taken as stalled.
     */
    private static final long STALL_MS = 2000;

    private final ClusterContext ctx;
    private final WireFormat wire;
    private final KvCacheType kvType;
    private final int maxBatch;
    private final long maxStepTimeoutMs;
    private final Object lock = new Object();
    private final Map<Long, Seq> seqs = new HashMap<>();
    private final TreeMap<Long, Pending> pending = new TreeMap<>();
    private final ExecutorService recoveryThread;
    private final ScheduledFuture<?> watchdog;
    private final Map<String, Long> excluded = new HashMap<>();
    private RouteSpec route;
    private boolean recovering;
    private boolean recoverAgain;
    private String recoverReason;
    private int fruitless;
    private long nextStepId = 1;
    private boolean closed;
    private String fatal;
    private double msPerRow = 50;
    private long completed;
    private long lastDeadlineMs;
    private long recoveries;
    private long lastRecoveryNanos;

    private static final class Seq {
        final long id;
        final int capacity;
        final SamplingParams sampling;
        final int logprobs;
        int[] tokens = new int[64];
        int[] positions = new int[64];
        boolean[] sampled = new boolean[64];
        boolean[] prompt = new boolean[64];
        int rows;
        String failed;

        Seq(long id, int capacity, SamplingParams sampling, int logprobs) {
            this.id = id;
            this.capacity = capacity;
            this.sampling = sampling;
            this.logprobs = logprobs;
        }

        void add(int token, int position, boolean sample, boolean promptRow) {
            if (rows == tokens.length) {
                prompt = Arrays.copyOf(prompt, rows * 2);
                tokens = Arrays.copyOf(tokens, rows * 2);
                positions = Arrays.copyOf(positions, rows * 2);
                sampled = Arrays.copyOf(sampled, rows * 2);
            }
            tokens[rows] = token;
            positions[rows] = position;
            sampled[rows] = sample;
            prompt[rows] = promptRow;
            rows++;
        }
    }

    private static final class Pending {
        final long id;
        final Step step;
        final CompletableFuture<StepResult> future;
        long sentAt;
        long route;

        Pending(long id, Step step, CompletableFuture<StepResult> future) {
            this.id = id;
            this.step = step;
            this.future = future;
        }
    }

    /**
     * @param maxStepTimeoutMs the longest any step may take before its route is declared failed (shorter
     *                         deadlines follow from the measured speed)
     */
    public ClusterStepExecutor(ClusterContext ctx, WireFormat wire, KvCacheType kvType, int maxBatch,
                               long maxStepTimeoutMs) {
        this.ctx = ctx;
        this.wire = wire;
        this.kvType = kvType;
        this.maxBatch = maxBatch;
        this.maxStepTimeoutMs = maxStepTimeoutMs;
        this.recoveryThread = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("djinn-recovery").daemon().factory());
        this.watchdog = ctx.scheduler().scheduleWithFixedDelay(this::checkDeadlines, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** Steps completed through the pipeline so far and their summed round trips (sent to result), in nanoseconds. */
    public record StepTiming(long steps, long nanos) {
    }

    private long timedSteps;
    private long timedNanos;

    public StepTiming timing() {
        synchronized (lock) {
            return new StepTiming(timedSteps, timedNanos);
        }
    }

    public WireFormat wire() {
        return wire;
    }

    @Override
    public int vocabSize() {
        return ctx.config().vocabSize();
    }

    @Override
    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public int pipelineDepth() {
        synchronized (lock) {
            if (route != null) {
                return route.stages().size();
            }
        }
        try {
            return Math.max(1, ctx.plan(Set.of()).stages().size());
        } catch (DjinnException e) {
            return 1;
        }
    }

    @Override
    public long kvBytes(int capacity) {
        return ContiguousKvCache.bytesFor(ctx.config(), LayerRange.all(ctx.config()), capacity, kvType);
    }

    /** The route in use (null while none is set up), for status and tests. */
    public RouteSpec route() {
        synchronized (lock) {
            return route;
        }
    }

    public long recoveries() {
        synchronized (lock) {
            return recoveries;
        }
    }

    /** How long the last recovery took, from its trigger to the replay being sent. */
    public long lastRecoveryNanos() {
        synchronized (lock) {
            return lastRecoveryNanos;
        }
    }

    @Override
    public void open(long sequence, int capacity, SamplingParams sampling, int logprobs) {
        if (capacity <= 0) {
            throw new DjinnException("context must be positive, not " + capacity);
        }
        // a drawn seed is fixed here, so a replay on another stage re-creates the same random stream
        SamplingParams p = sampling;
        while (p.seed() == SamplingParams.RANDOM_SEED) {
            p = p.withSeed(RANDOM.nextLong());
        }
        synchronized (lock) {
            if (closed) {
                throw new DjinnException("the cluster executor is closed");
            }
            if (seqs.containsKey(sequence)) {
                throw new IllegalStateException("sequence " + sequence + " is already open");
            }
            Seq s = new Seq(sequence, capacity, p, logprobs);
            seqs.put(sequence, s);
            if (route != null && !recovering) {
                sendOpen(route, s);
            } else if (!recovering) {
                trigger("first use");
            }
        }
    }

    @Override
    public CompletableFuture<StepResult> submit(Step step) {
        CompletableFuture<StepResult> f = new CompletableFuture<>();
        if (step.rows() > maxBatch) {
            f.completeExceptionally(new DjinnException("step of " + step.rows() + " rows exceeds " + maxBatch));
            return f;
        }
        synchronized (lock) {
            if (closed) {
                f.completeExceptionally(new DjinnException("the cluster executor is closed"));
                return f;
            }
            for (int i = 0; i < step.rows(); i++) {
                Seq s = seqs.get(step.sequences()[i]);
                if (s == null) {
                    f.completeExceptionally(new IllegalStateException("sequence " + step.sequences()[i] + " is not open"));
                    return f;
                }
                if (s.failed != null) {
                    f.completeExceptionally(new DjinnException(s.failed));
                    return f;
                }
            }
            Pending p = new Pending(nextStepId++, step, f);
            pending.put(p.id, p);
            if (route != null && !recovering) {
                sendStep(route, p);
            } else if (!recovering) {
                trigger("first use");
            }
        }
        return f;
    }

    @Override
    public void close(long sequence) {
        synchronized (lock) {
            Seq s = seqs.remove(sequence);
            if (s != null && route != null && !recovering) {
                send(route, new Frame.Close(route.id(), sequence).encode());
            }
        }
    }

    @Override
    public void close() {
        List<Pending> failed;
        RouteSpec r;
        synchronized (lock) {
            closed = true;
            failed = new ArrayList<>(pending.values());
            pending.clear();
            r = route;
            route = null;
        }
        watchdog.cancel(false);
        recoveryThread.shutdownNow();
        for (Pending p : failed) {
            p.future.completeExceptionally(new DjinnException("the cluster executor closed"));
        }
        if (r != null) {
            releaseRoute(r);
        }
    }

    // ---- frames in

    /** A RESULT from the last stage of one of this executor's routes. */
    public void onResult(Frame.Result r) {
        Pending p;
        synchronized (lock) {
            if (route == null || r.route() != route.id()) {
                return;
            }
            p = pending.remove(r.step());
            if (p == null) {
                return; // a replayed step
            }
            Step s = p.step;
            for (int i = 0; i < s.rows(); i++) {
                Seq q = seqs.get(s.sequences()[i]);
                if (q != null) {
                    q.add(s.tokens()[i], s.positions()[i], s.sample()[i], s.prompt()[i]);
                }
            }
            fruitless = 0;
            long roundTrip = System.nanoTime() - p.sentAt;
            timedSteps++;
            timedNanos += roundTrip;
            double ms = roundTrip / 1e6 / Math.max(1, s.rows());
            msPerRow = completed == 0 ? ms : 0.8 * msPerRow + 0.2 * ms;
            completed++;
        }
        p.future.complete(new StepResult(r.sampled(), r.logprobs()));
    }

    /** An ERROR from a stage of one of this executor's routes. */
    public void onError(Frame.Error e) {
        synchronized (lock) {
            if (route == null || e.route() != route.id()) {
                return;
            }
            trigger("stage error: " + e.message());
        }
    }

    /** The membership changed: re-plan when the plan differs from the route's or a stage left. */
    public void membershipChanged() {
        synchronized (lock) {
            if (closed || recovering) {
                if (recovering) {
                    recoverAgain = true;
                }
                return;
            }
            if (route == null) {
                if (!seqs.isEmpty() || !pending.isEmpty()) {
                    trigger("membership changed");
                }
                return;
            }
            Plan p;
            try {
                p = ctx.plan(excludedNames());
            } catch (DjinnException e) {
                trigger("membership changed: " + e.getMessage());
                return;
            }
            if (!samePlan(route, p)) {
                trigger("membership changed; new plan " + p);
            }
        }
    }

    private boolean samePlan(RouteSpec r, Plan p) {
        List<Plan.Assignment> stages = p.stages();
        if (stages.size() != r.stages().size()) {
            return false;
        }
        Map<String, String> endpoints = endpoints();
        for (int i = 0; i < stages.size(); i++) {
            RouteSpec.StageSpec s = r.stages().get(i);
            if (!s.name().equals(stages.get(i).member()) || !s.range().equals(stages.get(i).range())
                    || !s.endpoint().equals(endpoints.get(s.name()))) {
                return false;
            }
        }
        return true;
    }

    private Map<String, String> endpoints() {
        Map<String, String> m = new HashMap<>();
        for (NodeInfo i : ctx.members()) {
            m.put(i.name(), i.endpoint());
        }
        return m;
    }

    // ---- sending

    private void send(RouteSpec r, byte[] frame) {
        try {
            ctx.links().send(r.stages().getFirst().endpoint(), frame);
        } catch (RuntimeException e) {
            trigger("cannot reach the first stage: " + e.getMessage());
        }
    }

    private void sendOpen(RouteSpec r, Seq s) {
        send(r, new Frame.Open(r.id(), s.id, s.capacity, kvType.ordinal(), s.sampling, s.logprobs).encode());
    }

    private void sendStep(RouteSpec r, Pending p) {
        Step s = p.step;
        ByteWriter w = new ByteWriter(32 + s.rows() * 8);
        Frame.Step.write(w, r.id(), p.id, false, wire, s.rows(), s.sequences(), s.positions(), s.tokens(),
                s.sample(), s.prompt(), null, 0);
        p.sentAt = System.nanoTime();
        p.route = r.id();
        send(r, w.toByteArray());
    }

    /** Re-sends a sequence's completed rows as replay steps. */
    private void sendReplay(RouteSpec r, Seq s) {
        int i = 0;
        while (i < s.rows) {
            int end = i;
            int samples = 0;
            while (end < s.rows && end - i < maxBatch && samples + (s.sampled[end] ? 1 : 0) <= REPLAY_SAMPLE_ROWS) {
                samples += s.sampled[end] ? 1 : 0;
                end++;
            }
            int n = end - i;
            long[] ids = new long[n];
            Arrays.fill(ids, s.id);
            ByteWriter w = new ByteWriter(32 + n * 8);
            Frame.Step.write(w, r.id(), nextStepId++, true, wire, n, ids, Arrays.copyOfRange(s.positions, i, end),
                    Arrays.copyOfRange(s.tokens, i, end), Arrays.copyOfRange(s.sampled, i, end),
                    Arrays.copyOfRange(s.prompt, i, end), null, 0);
            send(r, w.toByteArray());
            i = end;
        }
    }

    // ---- failure handling

    /**
     * How long a step of {@code rows} rows may take: ten times what steps have taken per row lately, at least
     * 3 s; until a few steps have completed (cold caches, JIT, a model's first page faults) the most allowed.
     */
    private long deadlineMs(int rows) {
        if (completed < 3) {
            return maxStepTimeoutMs;
        }
        return Math.min(maxStepTimeoutMs, 3000 + (long) (10 * msPerRow * rows));
    }

    private void checkDeadlines() {
        synchronized (lock) {
            if (route == null || recovering || pending.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            for (Pending p : pending.values()) {
                if (p.route != route.id()) {
                    continue;
                }
                long deadlineMs = deadlineMs(p.step.rows());
                long waited = (now - p.sentAt) / 1_000_000;
                if (waited > deadlineMs) {
                    lastDeadlineMs = deadlineMs;
                    trigger("step " + p.id + " got no answer within " + deadlineMs + " ms (a stage is stalled or slow)");
                    return;
                }
            }
        }
    }

    /** Starts a recovery (or asks the running one to go again). Holds the lock. */
    private void trigger(String reason) {
        if (closed) {
            return;
        }
        if (recovering) {
            recoverAgain = true;
            return;
        }
        recovering = true;
        recoverReason = reason;
        long started = System.nanoTime();
        if (route != null) {
            LOG.info("re-planning: " + reason);
        }
        recoveryThread.execute(() -> recover(started));
    }

    private void recover(long started) {
        String reason;
        String viewAtFailure = ctx.viewId();
        synchronized (lock) {
            reason = recoverReason;
        }
        boolean failure = route() != null && !reason.startsWith("membership changed") && !reason.equals("first use");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String lastError = reason;
        while (System.nanoTime() < deadline) {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                recoverAgain = false;
            }
            try {
                if (failure) {
                    // ask the stages at once: a killed process refuses the call, a stuck one shows it is stuck
                    if (!probeAndExclude() && !reason.startsWith("step ")) {
                        // everyone answers: if a node is dying, JGroups drops it within ~1.6 s; look again then
                        awaitViewChange(viewAtFailure, 2500);
                        if (ctx.viewId().equals(viewAtFailure)) {
                            probeAndExclude();
                        }
                    }
                    failure = false;
                }
                awaitSettled(2000);
                Plan plan = ctx.plan(excludedNames());
                RouteSpec spec = newRoute(plan);
                prepare(spec);
                synchronized (lock) {
                    if (closed) {
                        return;
                    }
                    if (recoverAgain && !samePlanNow(spec)) {
                        continue; // the membership moved while preparing
                    }
                    switchTo(spec, started);
                    return;
                }
            } catch (DjinnException e) {
                lastError = e.getMessage();
                if (lastError.startsWith("the model does not fit")) {
                    failAll(lastError);
                    return;
                }
                LOG.warning("re-planning failed (" + lastError + "); retrying");
                sleep(300);
            } catch (RuntimeException e) {
                lastError = e.toString();
                LOG.warning("re-planning failed (" + lastError + "); retrying");
                sleep(300);
            }
        }
        failAll("the cluster could not recover: " + lastError);
    }

    private boolean samePlanNow(RouteSpec spec) {
        try {
            return samePlan(spec, ctx.plan(excludedNames()));
        } catch (DjinnException e) {
            return false;
        }
    }

    private void awaitViewChange(String view, long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < end && ctx.viewId().equals(view)) {
            sleep(20);
        }
    }

    private void awaitSettled(long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        while (System.nanoTime() < end && !ctx.settled()) {
            sleep(20);
        }
    }

    /**
     * Asks every stage of the failed route how it is; those that do not answer within a second, or whose
     * compute thread has been stuck on one frame for over {@link #STALL_MS} (or half the step deadline that
     * expired), are left out of plans for a minute. Returns whether any was left out.
     */
    private boolean probeAndExclude() {
        RouteSpec r = route();
        if (r == null) {
            return false;
        }
        boolean any = false;
        List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (RouteSpec.StageSpec s : r.stages()) {
            calls.add(ctx.links().call(s.endpoint(), Rpc.INFO, new byte[0], 1000));
        }
        for (int i = 0; i < calls.size(); i++) {
            String name = r.stages().get(i).name();
            String why = null;
            try {
                long busy = dev.djinn.cluster.NodeStatus.decode(calls.get(i).join()).busyMs();
                long stall;
                synchronized (lock) {
                    stall = Math.max(STALL_MS, lastDeadlineMs / 2);
                }
                if (busy > stall) {
                    why = "has been stuck on one step for " + busy + " ms";
                }
            } catch (RuntimeException e) {
                why = "does not answer";
            }
            if (why != null) {
                any = true;
                LOG.warning("stage " + name + " " + why + "; leaving it out of the plan");
                synchronized (lock) {
                    excluded.put(name, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
                }
            }
        }
        return any;
    }

    private Set<String> excludedNames() {
        synchronized (lock) {
            long now = System.nanoTime();
            excluded.values().removeIf(until -> until < now);
            return new HashSet<>(excluded.keySet());
        }
    }

    private RouteSpec newRoute(Plan plan) {
        Map<String, String> endpoints = endpoints();
        List<RouteSpec.StageSpec> stages = new ArrayList<>();
        for (Plan.Assignment a : plan.stages()) {
            String ep = endpoints.get(a.member());
            if (ep == null) {
                throw new DjinnException("node " + a.member() + " left while planning");
            }
            stages.add(new RouteSpec.StageSpec(a.member(), ep, a.range()));
        }
        long id;
        do {
            id = RANDOM.nextLong();
        } while (id == 0);
        return new RouteSpec(id, ctx.selfEndpoint(), ctx.modelId(), maxBatch, stages);
    }

    /** PREPAREs every stage (they fetch missing layers first); a stage that fails is left out for a while. */
    private void prepare(RouteSpec spec) {
        ctx.registerRoute(spec.id(), this);
        byte[] req = spec.encode();
        List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (RouteSpec.StageSpec s : spec.stages()) {
            calls.add(ctx.links().call(s.endpoint(), Rpc.PREPARE, req, TimeUnit.MINUTES.toMillis(30)));
        }
        String failed = null;
        for (int i = 0; i < calls.size(); i++) {
            try {
                calls.get(i).join();
            } catch (RuntimeException e) {
                String name = spec.stages().get(i).name();
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                failed = "stage " + name + " could not prepare: " + cause.getMessage();
                synchronized (lock) {
                    excluded.put(name, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                }
            }
        }
        if (failed != null) {
            ctx.unregisterRoute(spec.id());
            releaseRoute(spec);
            throw new DjinnException(failed);
        }
    }

    /** Holds the lock. Makes {@code spec} current, rebuilds every sequence on it, re-sends the steps in flight. */
    private void switchTo(RouteSpec spec, long started) {
        RouteSpec old = route;
        route = spec;
        recovering = false;
        completed = 0; // new stages may be cold: generous deadlines until steps complete on them
        if (old != null) {
            recoveries++;
            lastRecoveryNanos = System.nanoTime() - started;
            fruitless++;
        }
        LOG.info("route " + spec + (old != null ? " replaces " + Long.toHexString(old.id())
                + " after " + lastRecoveryNanos / 1_000_000 + " ms" : ""));
        if (fruitless > MAX_FRUITLESS_RECOVERIES) {
            String msg = "steps keep failing: " + recoverReason;
            fruitless = 0;
            failAllLocked(msg);
        }
        for (Seq s : seqs.values().stream().sorted((a, b) -> Long.compare(a.id, b.id)).toList()) {
            if (s.failed != null) {
                continue;
            }
            sendOpen(spec, s);
            sendReplay(spec, s);
        }
        for (Pending p : pending.values()) {
            sendStep(spec, p);
        }
        if (old != null) {
            ctx.unregisterRoute(old.id());
            releaseRoute(old);
        }
        if (recoverAgain) {
            recoverAgain = false;
            ctx.scheduler().execute(this::membershipChanged);
        }
    }

    private void releaseRoute(RouteSpec r) {
        ByteWriter w = new ByteWriter(8).i64(r.id());
        for (RouteSpec.StageSpec s : r.stages()) {
            try {
                ctx.links().call(s.endpoint(), Rpc.RELEASE, w.toByteArray(), 2000)
                        .exceptionally(t -> null);
            } catch (RuntimeException ignored) {
                // the node is gone
            }
        }
    }

    private void failAll(String message) {
        synchronized (lock) {
            failAllLocked(message);
            RouteSpec old = route;
            route = null;
            recovering = false;
            if (old != null) {
                ctx.unregisterRoute(old.id());
            }
        }
        LOG.warning(message);
    }

    /** Holds the lock. Fails every step in flight (completed off the lock) and marks every sequence failed. */
    private void failAllLocked(String message) {
        List<Pending> failed = new ArrayList<>(pending.values());
        pending.clear();
        for (Seq s : seqs.values()) {
            s.failed = message;
        }
        ctx.scheduler().execute(() -> failed.forEach(p -> p.future.completeExceptionally(new DjinnException(message))));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
