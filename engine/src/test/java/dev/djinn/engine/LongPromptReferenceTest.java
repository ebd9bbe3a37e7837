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
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's greedy runs with an F16 KV cache, replayed with most of the generated text moved into the prompt:
 * a prompt of 40-odd tokens in one batch takes the prompt paths (the matrix-matrix kernels over panels of
 * prompt rows, attention scores from key panels) where the recorded run took the generated-row paths, and the
 * greedy continuation must still be llama.cpp's.
 */
class LongPromptReferenceTest {
    private static final int MIN_PROMPT = 40;

    static List<ReferenceData.Run> f16Runs() {
        return ReferenceData.runs("f16").stream().filter(r -> comparedSteps(r) >= 8).toList();
    }

    /** Generated tokens moved into the prompt, so that it has at least {@link #MIN_PROMPT} tokens. */
    private static int moved(ReferenceData.Run run) {
        return Math.max(0, MIN_PROMPT - run.promptIds().length);
    }

    /**
     * Steps after the moved ones up to the first where llama.cpp's own top-1/top-2 gap is within what a
     * different summation order may move (quantized models: an activation near a Q8 rounding boundary moves
     * logits by up to ~0.3, see ReferenceGenerationTest); beyond it either token is llama.cpp's answer.
     */
    private static int comparedSteps(ReferenceData.Run run) {
        double tolerance = run.f32Weights() ? 1e-3 : 0.5;
        var top5 = run.run().get("top5_per_step");
        int n = run.generatedIds().length;
        int step = moved(run);
        while (step < n && top5.get(step).get(0).get(1).asDouble() - top5.get(step).get(1).get(1).asDouble() > tolerance) {
            step++;
        }
        return step - moved(run);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("f16Runs")
    void continuationAfterALongBatchedPromptMatchesLlamaCpp(ReferenceData.Run run) {
        int[] recorded = run.generatedIds();
        int moved = moved(run);
        int[] prompt = new int[run.promptIds().length + moved];
        System.arraycopy(run.promptIds(), 0, prompt, 0, run.promptIds().length);
        System.arraycopy(recorded, 0, prompt, run.promptIds().length, moved);
        int[] expected = Arrays.copyOfRange(recorded, moved, moved + comparedSteps(run));
        try (GgufFile file = GgufFile.open(run.gguf()); ComputePool pool = new ComputePool(2)) {
            ModelConfig cfg = ModelConfig.from(file);
            ModelWeights w = ModelWeights.load(file, cfg, LayerRange.all(cfg));
            Transformer t = new Transformer(cfg, w, new MatMul(KernelProvider.get(), pool), prompt.length);
            try (ContiguousKvCache cache = new ContiguousKvCache(cfg, LayerRange.all(cfg),
                    prompt.length + expected.length + 1, KvCacheType.F16)) {
                Batch b = new Batch(prompt.length);
                for (int i = 0; i < prompt.length; i++) {
                    b.add(prompt[i], i, cache, i == prompt.length - 1, true);
                }
                t.forward(b, null);
                int[] got = new int[expected.length];
                int pos = prompt.length;
                for (int step = 0; step < expected.length; step++) {
                    float[] logits = t.logits();
                    int best = 0;
                    for (int i = 1; i < cfg.vocabSize(); i++) {
                        if (logits[i] > logits[best]) best = i;
                    }
                    got[step] = best;
                    if (best != expected[step]) {
                        System.out.printf("DIVERGE %s step %d: got %d (%.5f) expected %d (%.5f)%n", run, step, best,
                                logits[best], expected[step], logits[expected[step]]);
                        break;
                    }
                    b.clear().add(best, pos++, cache, true);
                    t.forward(b, null);
                }
                assertThat(got).as(run.toString()).containsExactly(expected);
            }
        }
    }
}
