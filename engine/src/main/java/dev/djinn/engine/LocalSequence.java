package dev.djinn.engine;

import dev.djinn.core.model.Batch;
import dev.djinn.core.model.Transformer;
import dev.djinn.engine.generate.SequenceModel;
import dev.djinn.engine.kv.ContiguousKvCache;
import dev.djinn.engine.kv.KvCacheType;

/** One sequence on a local model: its own KV cache, forward passes through the model's transformer. */
public final class LocalSequence implements SequenceModel, AutoCloseable {
    private final Transformer transformer;
    private final ContiguousKvCache cache;
    private final Batch batch;

    public LocalSequence(LocalModel model, int contextLength, KvCacheType kvType) {
        this.transformer = model.transformer();
        this.cache = new ContiguousKvCache(model.config(), transformer.range(), contextLength, kvType);
        this.batch = new Batch(transformer.maxBatch());
    }

    @Override
    public int vocabSize() {
        return transformer.config().vocabSize();
    }

    @Override
    public int contextLength() {
        return cache.capacity();
    }

    @Override
    public float[] forward(int[] tokens, int from, int count, int startPos, boolean prompt) {
        batch.clear();
        for (int i = 0; i < count; i++) {
            batch.add(tokens[from + i], startPos + i, cache, i == count - 1, prompt);
        }
        transformer.forward(batch, null);
        return transformer.logits();
    }

    @Override
    public void close() {
        cache.close();
    }
}
