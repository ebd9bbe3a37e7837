package dev.djinn.engine.scheduler;

import dev.djinn.core.DjinnException;
import dev.djinn.core.model.Batch;
import dev.djinn.core.model.Transformer;
import dev.djinn.engine.LocalModel;
import dev.djinn.engine.kv.ContiguousKvCache;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.sampling.Sampler;
import dev.djinn.engine.sampling.SamplingParams;
import dev.djinn.engine.sampling.TokenLogprobs;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs steps on this machine's transformer, synchronously on the calling thread: one forward pass over all
 * rows of the step (one pass over the weights for every sequence in it), then sampling of the rows that ask.
 */
public final class LocalStepExecutor implements StepExecutor {
    private final LocalModel model;
    private final Transformer transformer;
    private final KvCacheType kvType;
    private final Batch batch;
    private final Map<Long, SequenceSlot> sequences = new HashMap<>();

    private record SequenceSlot(ContiguousKvCache cache, Sampler sampler, int logprobs) {
    }

    public LocalStepExecutor(LocalModel model, KvCacheType kvType) {
        this.model = model;
        this.transformer = model.transformer();
        this.kvType = kvType;
        this.batch = new Batch(transformer.maxBatch());
    }

    @Override
    public int vocabSize() {
        return model.config().vocabSize();
    }

    @Override
    public int maxBatch() {
        return transformer.maxBatch();
    }

    @Override
    public int pipelineDepth() {
        return 1;
    }

    @Override
    public synchronized void open(long sequence, int capacity, SamplingParams sampling, int logprobs) {
        if (sequences.containsKey(sequence)) {
            throw new IllegalStateException("sequence " + sequence + " is already open");
        }
        ContiguousKvCache cache;
        try {
            cache = new ContiguousKvCache(model.config(), transformer.range(), capacity, kvType);
        } catch (OutOfMemoryError e) {
            throw new DjinnException("not enough memory for the KV cache of " + capacity + " positions");
        }
        sequences.put(sequence, new SequenceSlot(cache, new Sampler(sampling, vocabSize()), logprobs));
    }

    @Override
    public long kvBytes(int capacity) {
        return ContiguousKvCache.bytesFor(model.config(), transformer.range(), capacity, kvType);
    }

    @Override
    public synchronized CompletableFuture<StepResult> submit(Step step) {
        try {
            return CompletableFuture.completedFuture(run(step));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private StepResult run(Step step) {
        batch.clear();
        for (int i = 0; i < step.rows(); i++) {
            SequenceSlot s = slot(step.sequences()[i]);
            s.sampler().accept(step.tokens()[i]);
            batch.add(step.tokens()[i], step.positions()[i], s.cache(), step.sample()[i], step.prompt()[i]);
        }
        transformer.forward(batch, null);
        float[] logits = transformer.logits();
        int vocab = vocabSize();
        int[] sampled = new int[step.rows()];
        TokenLogprobs[] logprobs = new TokenLogprobs[step.rows()];
        int logitRow = 0;
        for (int i = 0; i < step.rows(); i++) {
            if (!step.sample()[i]) {
                sampled[i] = -1;
                continue;
            }
            SequenceSlot s = slot(step.sequences()[i]);
            sampled[i] = s.sampler().sample(logits, logitRow * vocab);
            if (s.logprobs() >= 0) {
                logprobs[i] = s.sampler().lastLogprobs(s.logprobs());
            }
            logitRow++;
        }
        return new StepResult(sampled, logprobs);
    }

    private SequenceSlot slot(long sequence) {
        SequenceSlot s = sequences.get(sequence);
        if (s == null) {
            throw new IllegalStateException("sequence " + sequence + " is not open");
        }
        return s;
    }

    @Override
    public synchronized void close(long sequence) {
        SequenceSlot s = sequences.remove(sequence);
        if (s != null) {
            s.cache().close();
        }
    }

    @Override
    public synchronized void close() {
        sequences.values().forEach(s -> s.cache().close());
        sequences.clear();
    }
}
