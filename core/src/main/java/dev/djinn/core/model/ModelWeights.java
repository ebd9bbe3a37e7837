package dev.djinn.core.model;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.kernel.ComputePool;
import dev.djinn.core.kernel.Kernels;
import dev.djinn.core.kernel.PackedBlocks;
import dev.djinn.core.tensor.Dequantizer;
import dev.djinn.core.tensor.Tensor;

/**
 * The weights one shard needs: its layers, plus the token embedding on the first shard and the final norm
 * and output head on the last. Tensors of other layers are never touched, so their pages are never read.
 */
public record ModelWeights(
        Tensor tokenEmbedding,
        float[] outputNorm,
        Tensor output,
        float[] ropeFreqs,
        LayerWeights[] layers,
        LayerRange range) {

    public LayerWeights layer(int absoluteLayer) {
        return layers[absoluteLayer - range.start()];
    }

    /**
     * These weights with every matrix the kernels have a packed form for packed (see {@link PackedBlocks}); the
     * others as they are. The token embedding stays as it is: a token reads one row of it. The
     * packed matrices' mapped pages are released (they are file pages: a later read maps them again).
     */
    public ModelWeights packedFor(Kernels kernels, ComputePool pool) {
        java.util.function.UnaryOperator<Tensor> pack = t -> {
            if (t == null || t.packed() != null) {
                return t;
            }
            if (kernels.q4_0RowLanes() && PackedBlocks.rowLanesPackable(t)) {
                return t.withRowLanes(PackedBlocks.packRowLanes(t, pool, true));
            }
            return !kernels.packs(t.type()) || !PackedBlocks.packable(t) ? t : t.withPacked(PackedBlocks.pack(t, pool, true));
        };
        LayerWeights[] packedLayers = new LayerWeights[layers.length];
        for (int i = 0; i < layers.length; i++) {
            LayerWeights l = layers[i];
            packedLayers[i] = new LayerWeights(l.attnNorm(), pack.apply(l.wq()), pack.apply(l.wk()),
                    pack.apply(l.wv()), pack.apply(l.wo()), l.bq(), l.bk(), l.bv(), l.qNorm(), l.kNorm(),
                    l.ffnNorm(), pack.apply(l.gate()), pack.apply(l.up()), pack.apply(l.down()));
        }
        return new ModelWeights(tokenEmbedding, outputNorm, pack.apply(output), ropeFreqs, packedLayers, range);
    }

    public static ModelWeights load(GgufFile file, ModelConfig config, LayerRange range) {
        if (range.end() > config.layers()) {
            throw new DjinnException("layer range " + range + " exceeds the model's " + config.layers() + " layers");
        }
        Architecture arch = config.architecture();
        Tensor embd = range.embeds() ? matrix(file, "token_embd.weight", config.dim(), config.vocabSize()) : null;
        float[] outNorm = null;
        Tensor output = null;
        if (range.producesLogits(config)) {
            outNorm = vector(file, "output_norm.weight", config.dim());
            // tied embeddings: no output.weight, the head reuses token_embd
            output = file.hasTensor("output.weight")
                    ? matrix(file, "output.weight", config.dim(), config.vocabSize())
                    : matrix(file, "token_embd.weight", config.dim(), config.vocabSize());
        }
        float[] ropeFreqs = file.hasTensor("rope_freqs.weight")
                ? vector(file, "rope_freqs.weight", config.ropeDims() / 2) : null;
        LayerWeights[] layers = new LayerWeights[range.size()];
        for (int l = range.start(); l < range.end(); l++) {
            String p = "blk." + l + ".";
            boolean bias = arch.qkvBias();
            boolean qk = arch.qkNorm();
            layers[l - range.start()] = new LayerWeights(
                    vector(file, p + "attn_norm.weight", config.dim()),
                    matrix(file, p + "attn_q.weight", config.dim(), config.qDim()),
                    matrix(file, p + "attn_k.weight", config.dim(), config.kvDimK()),
                    matrix(file, p + "attn_v.weight", config.dim(), config.kvDimV()),
                    matrix(file, p + "attn_output.weight", config.attnOutDim(), config.dim()),
                    bias ? vector(file, p + "attn_q.bias", config.qDim()) : null,
                    bias ? vector(file, p + "attn_k.bias", config.kvDimK()) : null,
                    bias ? vector(file, p + "attn_v.bias", config.kvDimV()) : null,
                    qk ? vector(file, p + "attn_q_norm.weight", config.headDimK()) : null,
                    qk ? vector(file, p + "attn_k_norm.weight", config.headDimK()) : null,
                    vector(file, p + "ffn_norm.weight", config.dim()),
                    matrix(file, p + "ffn_gate.weight", config.dim(), config.ffnDim()),
                    matrix(file, p + "ffn_up.weight", config.dim(), config.ffnDim()),
                    matrix(file, p + "ffn_down.weight", config.ffnDim(), config.dim()));
        }
        return new ModelWeights(embd, outNorm, output, ropeFreqs, layers, range);
    }

    private static Tensor matrix(GgufFile file, String name, int cols, int rows) {
        Tensor t = file.tensor(name);
        if (t.dims() != 2 || t.cols() != cols || t.rows() != rows) {
            throw new DjinnException(file.path() + ": tensor " + name + " has shape " + java.util.Arrays.toString(t.shape())
                    + ", expected [" + cols + ", " + rows + "]");
        }
        if (!t.type().isSupported()) {
            throw new DjinnException(file.path() + ": tensor " + name + " has type " + t.type()
                    + ", which djinn cannot compute with yet");
        }
        return t;
    }

    private static float[] vector(GgufFile file, String name, int length) {
        Tensor t = file.tensor(name);
        if (t.elementCount() != length) {
            throw new DjinnException(file.path() + ": tensor " + name + " has " + t.elementCount()
                    + " values, expected " + length);
        }
        return Dequantizer.toFloats(t);
    }
}
