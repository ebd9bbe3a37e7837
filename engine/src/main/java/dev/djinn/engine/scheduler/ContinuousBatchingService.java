package dev.djinn.engine.scheduler;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.generate.FinishReason;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.Generator;
import dev.djinn.engine.generate.TokenOutput;
import dev.djinn.engine.generate.TokenSink;
import dev.djinn.engine.sampling.TokenLogprobs;
import dev.djinn.engine.service.EngineStats;
import dev.djinn.engine.service.GenerationHandle;
import dev.djinn.engine.service.InferenceService;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.engine.service.QueueFullException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous batching: every step feeds the next token of every decoding sequence plus chunks of newly
 * admitted prompts, in one forward pass through a {@link StepExecutor}; sequences join and leave between
 * steps. Admission is bounded by the number of slots and by a KV-memory budget (each sequence reserves KV
 * for its prompt plus its token limit); beyond the slots requests wait in a bounded queue, beyond that
 * they are refused. With a pipelined executor several steps over disjoint sequences are in flight at once.
 *
 * <p>One scheduler thread owns all sequence state; executors complete steps on any thread and the scheduler
 * picks the results up. Tokens reach clients through {@link AsyncTokenSink}s, never blocking the scheduler.
 */
public final class ContinuousBatchingService implements InferenceService {
    /**
     * @param slots          most sequences generated at once
     * @param queueLimit     most requests waiting for a slot
     * @param kvBudgetBytes  KV-cache memory for all sequences together
     * @param contextLength  positions per sequence
     * @param prefillChunk   most prompt tokens one sequence feeds per step (keeps decode latency steady)
     */
    public record Options(int slots, int queueLimit, long kvBudgetBytes, int contextLength, int prefillChunk) {
        public Options {
            if (slots < 1 || queueLimit < 0 || kvBudgetBytes <= 0 || contextLength < 2 || prefillChunk < 1) {
                throw new IllegalArgumentException("invalid scheduler options " + this);
            }
        }
    }

    /** Observes scheduling (for metrics); called on the scheduler thread. */
    public interface Listener {
        void stepDone(int rows, int sequences, long nanos);

        Listener NONE = (rows, sequences, nanos) -> {
        };
    }

    private final StepExecutor executor;
    private final Tokenizer tokenizer;
    private final ModelInfo info;
    private final Options options;
    private final Listener listener;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Sequence> incoming = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Completed> completions = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> active = new ArrayList<>();
    private volatile int runningCount;
    private volatile long kvUsed;
    private volatile boolean closed;
    private int inFlight;

    private record Completed(Step step, List<Sequence> sequences, StepResult result, Throwable error, long nanos) {
    }

    public ContinuousBatchingService(StepExecutor executor, Tokenizer tokenizer, ModelInfo info, Options options,
                                     Listener listener) {
        this.executor = executor;
        this.tokenizer = tokenizer;
        this.info = info;
        this.options = options;
        this.listener = listener;
        this.thread = Thread.ofPlatform().name("djinn-scheduler").daemon().start(this::loop);
    }

    @Override
    public ModelInfo model() {
        return info;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public GenerationHandle submit(GenerationRequest request, TokenSink sink) {
        if (closed) {
            throw new DjinnException("the engine is shutting down");
        }
        int limit = Generator.tokenLimit(request, options.contextLength());
        int capacity = request.promptLength() + limit;
        long bytes = executor.kvBytes(capacity);
        if (bytes > options.kvBudgetBytes()) {
            throw new DjinnException("the request needs " + bytes / (1 << 20) + " MiB of KV cache ("
                    + capacity + " positions) but the budget is " + options.kvBudgetBytes() / (1 << 20)
                    + " MiB; ask for fewer tokens");
        }
        if (waitingCount.incrementAndGet() > options.queueLimit() + Math.max(0, options.slots() - runningCount)) {
            waitingCount.decrementAndGet();
            throw new QueueFullException("the server is busy: " + options.slots() + " requests are running and "
                    + options.queueLimit() + " are waiting", 1);
        }
        Sequence s = new Sequence(ids.incrementAndGet(), request, limit, capacity, bytes, sink);
        incoming.add(s);
        LockSupport.unpark(thread);
        return s;
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(runningCount, waitingCount.get(), options.slots(), kvUsed, options.kvBudgetBytes());
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.close();
    }

    // ---- scheduler thread

    private void loop() {
        while (!closed) {
            boolean progressed = drainIncoming();
            progressed |= admit();
            progressed |= launchSteps();
            progressed |= finishSteps();
            if (!progressed) {
                LockSupport.parkNanos(this, 50_000_000L);
            }
        }
        shutdown();
    }

    private boolean drainIncoming() {
        boolean any = false;
        Sequence s;
        while ((s = incoming.poll()) != null) {
            waiting.add(s);
            any = true;
        }
        for (Iterator<Sequence> it = waiting.iterator(); it.hasNext(); ) {
            Sequence w = it.next();
            if (w.cancelled) {
                it.remove();
                waitingCount.decrementAndGet();
                w.output.cancel();
                w.complete();
                any = true;
            }
        }
        return any;
    }

    private boolean admit() {
        boolean any = false;
        while (active.size() < options.slots() && !waiting.isEmpty()) {
            Sequence s = waiting.peek();
            if (kvUsed + s.kvBytes > options.kvBudgetBytes() && !active.isEmpty()) {
                break; // wait for memory to be freed
            }
            waiting.poll();
            waitingCount.decrementAndGet();
            if (s.output.finished()) {
                s.complete(); // max_tokens 0: nothing to generate
                any = true;
                continue;
            }
            try {
                executor.open(s.id, s.capacity, s.request.sampling(), s.request.logprobs());
            } catch (RuntimeException e) {
                s.fail(e);
                any = true;
                continue;
            }
            s.admittedAt = System.nanoTime();
            kvUsed += s.kvBytes;
            active.add(s);
            runningCount = active.size();
            any = true;
        }
        return any;
    }

    private boolean launchSteps() {
        boolean any = false;
        retireCancelled();
        int depth = Math.max(1, executor.pipelineDepth());
        while (inFlight < depth) {
            int idle = 0;
            for (Sequence s : active) {
                if (!s.inFlight) {
                    idle++;
                }
            }
            if (idle == 0) {
                break;
            }
            // spread sequences over the pipeline's stages so every stage has work
            int perStep = Math.max(1, (active.size() + depth - 1) / depth);
            StepBuilder b = new StepBuilder(executor.maxBatch());
            List<Sequence> members = new ArrayList<>();
            for (Sequence s : active) {
                if (s.inFlight || members.size() == perStep || b.full()) {
                    continue;
                }
                if (s.addRows(b, options.prefillChunk())) {
                    members.add(s);
                    s.inFlight = true;
                }
            }
            if (members.isEmpty()) {
                break;
            }
            Step step = b.build();
            inFlight++;
            long start = System.nanoTime();
            executor.submit(step).whenComplete((r, e) -> {
                completions.add(new Completed(step, members, r, e, System.nanoTime() - start));
                LockSupport.unpark(thread);
            });
            any = true;
        }
        return any;
    }

    private boolean finishSteps() {
        boolean any = false;
        Completed c;
        while ((c = completions.poll()) != null) {
            any = true;
            inFlight--;
            listener.stepDone(c.step.rows(), c.sequences.size(), c.nanos);
            if (c.error != null) {
                Throwable cause = c.error instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                        ? ce.getCause() : c.error;
                for (Sequence s : c.sequences) {
                    s.inFlight = false;
                    retire(s, cause);
                }
                continue;
            }
            for (Sequence s : c.sequences) {
                s.inFlight = false;
            }
            for (int i = 0; i < c.step.rows(); i++) {
                int token = c.result.sampled()[i];
                if (token < 0) {
                    continue;
                }
                Sequence s = find(c.sequences, c.step.sequences()[i]);
                TokenLogprobs lp = c.result.logprobs() != null ? c.result.logprobs()[i] : null;
                if (s.onToken(token, lp)) {
                    retire(s, null);
                }
            }
        }
        return any;
    }

    private void retireCancelled() {
        for (int i = active.size() - 1; i >= 0; i--) {
            Sequence s = active.get(i);
            if (!s.inFlight && (s.cancelled || s.sink.declined())) {
                s.output.cancel();
                retire(s, null);
            }
        }
    }

    private static Sequence find(List<Sequence> list, long id) {
        for (Sequence s : list) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalStateException("step result for unknown sequence " + id);
    }

    private void retire(Sequence s, Throwable error) {
        if (active.remove(s)) {
            executor.close(s.id);
            kvUsed -= s.kvBytes;
            runningCount = active.size();
        }
        if (error != null) {
            s.fail(error);
        } else {
            s.complete();
        }
    }

    private void shutdown() {
        for (Sequence s : new ArrayList<>(active)) {
            retire(s, new DjinnException("the engine shut down"));
        }
        for (Sequence s : waiting) {
            s.fail(new DjinnException("the engine shut down"));
        }
        Sequence s;
        while ((s = incoming.poll()) != null) {
            s.fail(new DjinnException("the engine shut down"));
        }
    }

    /** Accumulates a step's rows. */
    private static final class StepBuilder {
        private final int capacity;
        private final long[] seqs;
        private final int[] tokens;
        private final int[] positions;
        private final boolean[] sample;
        private final boolean[] prompt;
        private int rows;

        StepBuilder(int capacity) {
            this.capacity = capacity;
            this.seqs = new long[capacity];
            this.tokens = new int[capacity];
            this.positions = new int[capacity];
            this.sample = new boolean[capacity];
            this.prompt = new boolean[capacity];
        }

        boolean full() {
            return rows == capacity;
        }

        int room() {
            return capacity - rows;
        }

        void add(long seq, int token, int position, boolean sampleRow, boolean promptRow) {
            seqs[rows] = seq;
            tokens[rows] = token;
            positions[rows] = position;
            sample[rows] = sampleRow;
            prompt[rows] = promptRow;
            rows++;
        }

        Step build() {
            return new Step(java.util.Arrays.copyOf(seqs, rows), java.util.Arrays.copyOf(tokens, rows),
                    java.util.Arrays.copyOf(positions, rows), java.util.Arrays.copyOf(sample, rows),
                    java.util.Arrays.copyOf(prompt, rows), rows);
        }
    }

    /** One request's state, owned by the scheduler thread (except the volatile flags). */
    private final class Sequence implements GenerationHandle {
        final long id;
        final GenerationRequest request;
        final int[] prompt;
        final int capacity;
        final long kvBytes;
        final AsyncTokenSink sink;
        final TokenOutput output;
        final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
        final long submittedAt = System.nanoTime();
        long admittedAt;
        long firstTokenAt;
        int fed;
        boolean inFlight;
        volatile boolean cancelled;

        Sequence(long id, GenerationRequest request, int limit, int capacity, long kvBytes, TokenSink target) {
            this.id = id;
            this.request = request;
            this.prompt = request.prompt();
            this.capacity = capacity;
            this.kvBytes = kvBytes;
            this.sink = new AsyncTokenSink(target, "djinn-stream-" + id);
            this.output = new TokenOutput(tokenizer, request, limit, sink);
        }

        /** Adds this sequence's next rows: a prompt chunk, or its one decode token. */
        boolean addRows(StepBuilder b, int prefillChunk) {
            if (fed < prompt.length) {
                int n = Math.min(Math.min(prefillChunk, b.room()), prompt.length - fed);
                for (int i = 0; i < n; i++) {
                    int pos = fed + i;
                    b.add(id, prompt[pos], pos, pos == prompt.length - 1, true);
                }
                fed += n;
                return n > 0;
            }
            b.add(id, output.lastToken(), fed, true, false);
            fed++;
            return true;
        }

        /** Returns true when the sequence is finished. */
        boolean onToken(int token, TokenLogprobs logprobs) {
            if (firstTokenAt == 0) {
                firstTokenAt = System.nanoTime();
            }
            return output.accept(token, logprobs) || cancelled;
        }

        void complete() {
            if (cancelled) {
                output.cancel();
            }
            sink.finish();
            long now = System.nanoTime();
            long first = firstTokenAt == 0 ? now : firstTokenAt;
            GenerationResult r = new GenerationResult(output.tokens(), output.text(),
                    output.finishReason() == null ? FinishReason.CANCELLED : output.finishReason(), prompt.length,
                    first - (admittedAt == 0 ? submittedAt : admittedAt), now - first);
            // the result completes after the client got every token
            Thread.ofVirtual().start(() -> {
                try {
                    sink.awaitDelivered();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                result.complete(r);
            });
        }

        void fail(Throwable error) {
            sink.finish();
            result.completeExceptionally(error);
        }

        @Override
        public CompletableFuture<GenerationResult> result() {
            return result;
        }

        @Override
        public void cancel() {
            cancelled = true;
            LockSupport.unpark(thread);
        }
    }
}
