package dev.djinn.core.model;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufMetadata;

/**
 * A model's hyperparameters, read from GGUF metadata ({@code <arch>.*} keys) and the embedding's shape;
 * nothing is assumed per model.
 */
public record ModelConfig(
        Architecture architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDimK,
        int headDimV,
        int ffnDim,
        int vocabSize,
        float rmsEps,
        float ropeBase,
        int ropeDims,
        float ropeFreqScale,
        int trainedContext) {

    public int qDim() {
        return heads * headDimK;
    }

    public int kvDimK() {
        return kvHeads * headDimK;
    }

    public int kvDimV() {
        return kvHeads * headDimV;
    }

    public int attnOutDim() {
        return heads * headDimV;
    }

    public static ModelConfig from(GgufFile file) {
        GgufMetadata md = file.metadata();
        String archName = md.string("general.architecture")
                .orElseThrow(() -> new DjinnException(file.path() + " has no general.architecture: not a model file"));
        Architecture arch = Architecture.fromGguf(archName);
        String p = archName + ".";
        int dim = md.requireInt(p + "embedding_length");
        int layers = md.requireInt(p + "block_count");
        int heads = md.requireInt(p + "attention.head_count");
        if (md.get(p + "attention.head_count_kv").filter(v -> v.type() == dev.djinn.core.gguf.GgufValueType.ARRAY).isPresent()) {
            throw new DjinnException("per-layer KV head counts are not supported");
        }
        int kvHeads = md.intOr(p + "attention.head_count_kv", heads);
        int headDimK = md.intOr(p + "attention.key_length", dim / heads);
        int headDimV = md.intOr(p + "attention.value_length", headDimK);
        int ffn = md.requireInt(p + "feed_forward_length");
        float eps = md.floatOr(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        float base = md.floatOr(p + "rope.freq_base", 10000f);
        int ropeDims = md.intOr(p + "rope.dimension_count", headDimK);
        float freqScale = ropeFreqScale(md, p);
        int ctx = md.intOr(p + "context_length", 2048);
        if (!file.hasTensor("token_embd.weight")) {
            throw new DjinnException(file.path() + " has no token_embd.weight: it holds no model weights");
        }
        int vocab = Math.toIntExact(file.tensorInfos().get("token_embd.weight").shape()[1]);
        if (dim <= 0 || layers < 0 || heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headDimK <= 0
                || ropeDims > headDimK || ropeDims % 2 != 0) {
            throw new DjinnException(file.path() + ": inconsistent hyperparameters (dim " + dim + ", heads " + heads
                    + ", kv heads " + kvHeads + ", head dim " + headDimK + ", rope dims " + ropeDims + ")");
        }
        return new ModelConfig(arch, dim, layers, heads, kvHeads, headDimK, headDimV, ffn, vocab, eps, base,
                ropeDims, freqScale, ctx);
    }

    private static float ropeFreqScale(GgufMetadata md, String p) {
        String type = md.string(p + "rope.scaling.type").orElse("none");
        float factor = md.floatOr(p + "rope.scaling.factor", md.floatOr(p + "rope.scale_linear", 0f));
        return switch (type) {
            case "none" -> factor > 0 && md.contains(p + "rope.scale_linear") ? 1f / factor : 1f;
            case "linear" -> factor > 0 ? 1f / factor : 1f;
            default -> throw new DjinnException("rope scaling '" + type + "' is not supported yet");
        };
    }
}
