package dev.djinn.engine.service;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.LocalModel;
import dev.djinn.engine.LocalSequence;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.Generator;
import dev.djinn.engine.generate.TokenSink;
import dev.djinn.engine.kv.KvCacheType;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simplest service: one request at a time, in arrival order, each with its own KV cache. Useful as a
 * baseline and for the CLI; the continuous-batching scheduler serves many at once.
 */
public final class SerialInferenceService implements InferenceService {
    private final LocalModel model;
    private final ModelInfo info;
    private final int contextLength;
    private final KvCacheType kvType;
    private final BlockingQueue<Job> queue;
    private final Thread worker;
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean closed;

    private record Job(GenerationRequest request, TokenSink sink, CompletableFuture<GenerationResult> result,
                       AtomicBoolean cancelled) {
    }

    public SerialInferenceService(LocalModel model, ModelInfo info, int contextLength, KvCacheType kvType,
                                  int queueLimit) {
        this.model = model;
        this.info = info;
        this.contextLength = contextLength;
        this.kvType = kvType;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, queueLimit));
        this.worker = Thread.ofPlatform().name("djinn-serial-engine").daemon().start(this::loop);
    }

    @Override
    public ModelInfo model() {
        return info;
    }

    @Override
    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    @Override
    public GenerationHandle submit(GenerationRequest request, TokenSink sink) {
        if (closed) {
            throw new DjinnException("the engine is shutting down");
        }
        if (request.promptLength() >= contextLength) {
            throw new DjinnException("the prompt has " + request.promptLength() + " tokens but the context holds "
                    + contextLength);
        }
        Job job = new Job(request, sink, new CompletableFuture<>(), new AtomicBoolean());
        if (!queue.offer(job)) {
            throw new QueueFullException("the server is busy: " + queue.size() + " requests are waiting", 1);
        }
        return new GenerationHandle() {
            @Override
            public CompletableFuture<GenerationResult> result() {
                return job.result();
            }

            @Override
            public void cancel() {
                job.cancelled().set(true);
            }
        };
    }

    private void loop() {
        Generator generator = new Generator(model.tokenizer(), model.transformer().maxBatch());
        while (!closed) {
            Job job;
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (job.cancelled().get()) {
                job.result().cancel(false);
                continue;
            }
            running.incrementAndGet();
            try (LocalSequence seq = new LocalSequence(model, contextLength, kvType)) {
                GenerationResult r = generator.generate(job.request(), seq,
                        e -> !job.cancelled().get() && job.sink().accept(e));
                job.result().complete(r);
            } catch (RuntimeException e) {
                job.result().completeExceptionally(e);
            } finally {
                running.decrementAndGet();
            }
        }
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(running.get(), queue.size(), 1,
                running.get() > 0 ? KvBytes.of(model, contextLength, kvType) : 0,
                KvBytes.of(model, contextLength, kvType));
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        Job j;
        while ((j = queue.poll()) != null) {
            j.result().completeExceptionally(new DjinnException("the engine shut down"));
        }
    }

    /** KV bytes of one full-context sequence. */
    private static final class KvBytes {
        static long of(LocalModel m, int ctx, KvCacheType t) {
            return dev.djinn.engine.kv.ContiguousKvCache.bytesFor(m.config(), m.transformer().range(), ctx, t);
        }
    }
}
