package dev.djinn.engine.scheduler;

import dev.djinn.engine.sampling.SamplingParams;

import java.util.concurrent.CompletableFuture;

/**
 * Runs forward steps for the scheduler and keeps the per-sequence state they need (KV caches, samplers).
 * The local implementation runs a transformer on this machine; the cluster one sends the step through a
 * pipeline of nodes, where the last node samples.
 *
 * <p>Each sequence's sampler sees every token fed for it (prompt rows and decode rows) through
 * {@code Sampler.accept} before sampling, so penalties cover prompt and output as on one machine.
 */
public interface StepExecutor extends AutoCloseable {
    int vocabSize();

    /** The most rows one step may hold. */
    int maxBatch();

    /** How many steps may be in flight at once (1 on one machine, the number of pipeline stages on a cluster). */
    int pipelineDepth();

    /**
     * Prepares a sequence that will hold up to {@code capacity} positions.
     *
     * @throws dev.djinn.core.DjinnException when its KV memory cannot be allocated
     */
    void open(long sequence, int capacity, SamplingParams sampling, int logprobs);

    /** KV-cache bytes a sequence of {@code capacity} positions needs (on all machines together). */
    long kvBytes(int capacity);

    /**
     * Runs a step. Steps in flight together never share a sequence. The future completes exceptionally when
     * the step cannot be run (the message says why); the sequences it held are then to be closed.
     */
    CompletableFuture<StepResult> submit(Step step);

    /** Frees a sequence's state at once. */
    void close(long sequence);

    @Override
    void close();
}
