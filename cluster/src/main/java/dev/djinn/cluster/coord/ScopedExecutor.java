package dev.djinn.cluster.coord;

import dev.djinn.engine.sampling.SamplingParams;
import dev.djinn.engine.scheduler.Step;
import dev.djinn.engine.scheduler.StepExecutor;
import dev.djinn.engine.scheduler.StepResult;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One user's view of a {@link StepExecutor} that others share (a node's coordinator executor serves both the
 * HTTP scheduler and gRPC {@code Generate} calls). Each user numbers its sequences from 1, so this view maps
 * them to ids drawn from the node's one counter, and closing it closes only its own sequences.
 */
public final class ScopedExecutor implements StepExecutor {
    private final StepExecutor shared;
    private final LongSupplier ids;
    private final Map<Long, Long> open = new ConcurrentHashMap<>();

    /** @param ids gives every user of {@code shared} ids that no other user gets */
    public ScopedExecutor(StepExecutor shared, LongSupplier ids) {
        this.shared = shared;
        this.ids = ids;
    }

    @Override
    public int vocabSize() {
        return shared.vocabSize();
    }

    @Override
    public int maxBatch() {
        return shared.maxBatch();
    }

    @Override
    public int pipelineDepth() {
        return shared.pipelineDepth();
    }

    @Override
    public long kvBytes(int capacity) {
        return shared.kvBytes(capacity);
    }

    @Override
    public void open(long sequence, int capacity, SamplingParams sampling, int logprobs) {
        long id = ids.getAsLong();
        if (open.putIfAbsent(sequence, id) != null) {
            throw new IllegalStateException("sequence " + sequence + " is already open");
        }
        try {
            shared.open(id, capacity, sampling, logprobs);
        } catch (RuntimeException e) {
            open.remove(sequence);
            throw e;
        }
    }

    @Override
    public CompletableFuture<StepResult> submit(Step step) {
        long[] mapped = new long[step.rows()];
        for (int i = 0; i < step.rows(); i++) {
            Long id = open.get(step.sequences()[i]);
            if (id == null) {
                return CompletableFuture.failedFuture(
                        new IllegalStateException("sequence " + step.sequences()[i] + " is not open"));
            }
            mapped[i] = id;
        }
        // results are per row, so they need no mapping back
        return shared.submit(new Step(mapped, step.tokens(), step.positions(), step.sample(), step.prompt(),
                step.rows()));
    }

    @Override
    public void close(long sequence) {
        Long id = open.remove(sequence);
        if (id != null) {
            shared.close(id);
        }
    }

    /** Closes this user's sequences; the shared executor stays open for the others. */
    @Override
    public void close() {
        for (Long sequence : open.keySet()) {
            close(sequence);
        }
    }
}
