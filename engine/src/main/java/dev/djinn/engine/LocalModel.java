package dev.djinn.engine;

import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.kernel.ComputePool;
import dev.djinn.core.kernel.KernelProvider;
import dev.djinn.core.kernel.MatMul;
import dev.djinn.core.model.LayerRange;
import dev.djinn.core.model.ModelConfig;
import dev.djinn.core.model.ModelWeights;
import dev.djinn.core.model.Transformer;
import dev.djinn.core.tokenizer.Tokenizer;

import java.nio.file.Path;

/**
 * A model loaded on this machine: the mapped file, its configuration and tokenizer, the weights of a layer
 * range, a compute pool and a transformer for that range.
 */
public final class LocalModel implements AutoCloseable {
    private final GgufFile file;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final ComputePool pool;
    private final Transformer transformer;

    private LocalModel(GgufFile file, ModelConfig config, Tokenizer tokenizer, ComputePool pool,
                       Transformer transformer) {
        this.file = file;
        this.config = config;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.transformer = transformer;
    }

    /** Opens every layer of {@code path} with {@code threads} compute threads and batches up to {@code maxBatch}. */
    public static LocalModel open(Path path, int threads, int maxBatch) {
        GgufFile file = GgufFile.open(path);
        ComputePool pool = null;
        try {
            ModelConfig config = ModelConfig.from(file);
            Tokenizer tokenizer = Tokenizer.fromMetadata(file.metadata());
            ModelWeights weights = ModelWeights.load(file, config, LayerRange.all(config));
            pool = new ComputePool(threads);
            Transformer t = new Transformer(config, weights, new MatMul(KernelProvider.get(), pool), maxBatch);
            return new LocalModel(file, config, tokenizer, pool, t);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            file.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Transformer transformer() {
        return transformer;
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public void close() {
        pool.close();
        file.close();
    }
}
