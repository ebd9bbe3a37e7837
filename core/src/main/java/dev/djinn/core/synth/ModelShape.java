package dev.djinn.core.synth;

import dev.djinn.core.DjinnException;
import dev.djinn.core.model.Architecture;

import java.util.LinkedHashMap;
import java.util.Map;

/** The dimensions of a real model family, for random-weight models of realistic size and cost. */
public record ModelShape(String name, Architecture architecture, int dim, int layers, int heads, int kvHeads,
                         int ffnDim, int vocabSize, float ropeBase, int contextLength, boolean tiedEmbeddings,
                         float rmsEps) {

    private static final Map<String, ModelShape> SHAPES = new LinkedHashMap<>();

    static {
        add(new ModelShape("tiny", Architecture.LLAMA, 256, 4, 8, 4, 768, 4096, 10000f, 4096, false, 1e-5f), "tiny");
        add(new ModelShape("llama-3.2-1b", Architecture.LLAMA, 2048, 16, 32, 8, 8192, 128256, 500000f, 131072, true,
                1e-5f), "1b");
        add(new ModelShape("llama-3.2-3b", Architecture.LLAMA, 3072, 28, 24, 8, 8192, 128256, 500000f, 131072, true,
                1e-5f), "3b");
        add(new ModelShape("llama-3-8b", Architecture.LLAMA, 4096, 32, 32, 8, 14336, 128256, 500000f, 8192, false,
                1e-5f), "8b");
        add(new ModelShape("qwen2.5-0.5b", Architecture.QWEN2, 896, 24, 14, 2, 4864, 151936, 1000000f, 32768, true,
                1e-6f), "0.5b");
    }

    private static void add(ModelShape s, String alias) {
        SHAPES.put(s.name, s);
        SHAPES.put(alias, s);
    }

    public int headDim() {
        return dim / heads;
    }

    public ModelShape withVocabSize(int vocab) {
        return new ModelShape(name, architecture, dim, layers, heads, kvHeads, ffnDim, vocab, ropeBase, contextLength,
                tiedEmbeddings, rmsEps);
    }

    /** Parameters in the weight matrices and embeddings. */
    public long parameterCount() {
        long hd = headDim();
        long perLayer = (long) dim * heads * hd + 2L * dim * kvHeads * hd + (long) heads * hd * dim + 3L * dim * ffnDim;
        long embed = (long) vocabSize * dim;
        return layers * perLayer + embed * (tiedEmbeddings ? 1 : 2);
    }

    public static ModelShape named(String name) {
        ModelShape s = SHAPES.get(name.toLowerCase());
        if (s == null) {
            throw new DjinnException("unknown shape '" + name + "'; known: " + String.join(", ", names()));
        }
        return s;
    }

    public static java.util.List<String> names() {
        return SHAPES.values().stream().map(ModelShape::name).distinct().toList();
    }
}
