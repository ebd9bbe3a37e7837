package dev.djinn.engine;

import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.kernel.ComputePool;
import dev.djinn.core.kernel.KernelProvider;
import dev.djinn.core.kernel.MatMul;
import dev.djinn.core.model.Batch;
import dev.djinn.core.model.LayerRange;
import dev.djinn.core.model.ModelConfig;
import dev.djinn.core.model.ModelWeights;
import dev.djinn.core.model.Transformer;
import dev.djinn.engine.kv.ContiguousKvCache;
import dev.djinn.engine.kv.KvCacheType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Running layers [0,k) then [k,n) on separate shards gives exactly the logits of [0,n) on one. */
class LayerRangeEqualityTest {
    private static final int[] PROMPT = {1, 403, 407, 261, 378};
    private static final int STEPS = 8;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stories260K.gguf", "qwen2-random-tiny.gguf", "llama3-ropescale-random.gguf"})
    void splitShardsGiveIdenticalLogits(String model) {
        try (GgufFile file = GgufFile.open(ReferenceData.model(model)); ComputePool pool = new ComputePool(2)) {
            ModelConfig cfg = ModelConfig.from(file);
            MatMul mm = new MatMul(KernelProvider.get(), pool);
            List<float[]> whole = run(file, cfg, mm, List.of(LayerRange.all(cfg)));
            for (int k = 0; k <= cfg.layers(); k++) {
                List<LayerRange> split = List.of(new LayerRange(0, k), new LayerRange(k, cfg.layers()));
                List<float[]> got = run(file, cfg, mm, split);
                for (int step = 0; step < whole.size(); step++) {
                    assertThat(got.get(step)).as("split at %d, step %d", k, step).containsExactly(whole.get(step));
                }
            }
            // three shards, one of them empty
            List<float[]> three = run(file, cfg, mm, List.of(new LayerRange(0, 1), new LayerRange(1, 1),
                    new LayerRange(1, cfg.layers())));
            assertThat(three.getLast()).containsExactly(whole.getLast());
        }
    }

    /** Greedy-decodes STEPS tokens through a chain of shards; returns the logits of every step. */
    private static List<float[]> run(GgufFile file, ModelConfig cfg, MatMul mm, List<LayerRange> shards) {
        List<Transformer> ts = new ArrayList<>();
        List<ContiguousKvCache> caches = new ArrayList<>();
        for (LayerRange r : shards) {
            ts.add(new Transformer(cfg, ModelWeights.load(file, cfg, r), mm, PROMPT.length));
            caches.add(new ContiguousKvCache(cfg, r, 64, KvCacheType.F32));
        }
        List<float[]> out = new ArrayList<>();
        int[] tokens = PROMPT.clone();
        int pos = 0;
        for (int step = 0; step < STEPS; step++) {
            float[] hidden = null;
            for (int s = 0; s < shards.size(); s++) {
                Batch b = new Batch(tokens.length);
                for (int i = 0; i < tokens.length; i++) {
                    b.add(tokens[i], pos + i, caches.get(s), i == tokens.length - 1, step == 0);
                }
                ts.get(s).forward(b, hidden);
                hidden = Arrays.copyOf(ts.get(s).hidden(), tokens.length * cfg.dim());
            }
            float[] logits = Arrays.copyOf(ts.getLast().logits(), cfg.vocabSize());
            out.add(logits);
            pos += tokens.length;
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) best = i;
            }
            tokens = new int[] {best};
        }
        caches.forEach(ContiguousKvCache::close);
        return out;
    }
}
