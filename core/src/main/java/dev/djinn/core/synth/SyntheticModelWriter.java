package dev.djinn.core.synth;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufArray;
import dev.djinn.core.gguf.GgufMetadata;
import dev.djinn.core.gguf.GgufValue;
import dev.djinn.core.gguf.GgufValueType;
import dev.djinn.core.gguf.GgufWriter;
import dev.djinn.core.quantize.QuantMix;
import dev.djinn.core.quantize.TensorTypeRules;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Quantizer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import java.util.stream.IntStream;

/**
 * Writes a random-weight model of a given shape and weight format, with a real tokenizer copied from another
 * GGUF file (or a built-in byte-level one). Weights are uniform with variance 1/fan-in so activations stay
 * in range through every layer; norms are 1. The same seed gives the same file. A single-type format puts every
 * matrix in that type (like llama-quantize --pure); a mixture (Q4_K_M) follows llama.cpp's per-tensor rules.
 * Rows that are not whole blocks of a matrix's type fall back as {@link TensorTypeRules} says, or stay F32.
 */
public final class SyntheticModelWriter {
    private static final int ROWS_PER_CHUNK = 64;

    private final ModelShape shape;
    private final QuantMix mix;
    private final long seed;
    private final TensorTypeRules rules;

    public SyntheticModelWriter(ModelShape shape, QuantMix mix, long seed) {
        this.shape = shape;
        this.mix = mix;
        this.seed = seed;
        // the tokenizer may change the vocabulary, but not the layers or whether the head is tied
        this.rules = new TensorTypeRules(mix, !mix.isMixture(), !shape.tiedEmbeddings(), shape.layers(), shape.layers());
    }

    /**
     * Writes the model to {@code out}. Tokenizer keys ({@code tokenizer.*}) come from {@code tokenizer} when given;
     * its vocabulary size then sets the model's. {@code progress} receives bytes of tensor data written.
     */
    public void write(Path out, GgufMetadata tokenizer, LongConsumer progress) throws IOException {
        ModelShape s = shape;
        GgufWriter w = new GgufWriter();
        String arch = s.architecture().ggufName();
        w.put("general.architecture", GgufValue.of(arch));
        w.put("general.name", GgufValue.of("djinn synthetic " + s.name() + " " + mix.optionName()));
        w.put("general.file_type", GgufValue.ofUint32(mix.fileType()));
        if (tokenizer != null) {
            int vocab = 0;
            for (Map.Entry<String, GgufValue> e : tokenizer.asMap().entrySet()) {
                if (e.getKey().startsWith("tokenizer.")) {
                    w.put(e.getKey(), e.getValue());
                }
            }
            vocab = tokenizer.stringArray("tokenizer.ggml.tokens")
                    .orElseThrow(() -> new DjinnException("the tokenizer file has no tokenizer.ggml.tokens")).length;
            s = s.withVocabSize(vocab);
        } else {
            putByteTokenizer(w, s.vocabSize());
        }
        String p = arch + ".";
        w.put(p + "context_length", GgufValue.ofUint32(s.contextLength()));
        w.put(p + "embedding_length", GgufValue.ofUint32(s.dim()));
        w.put(p + "block_count", GgufValue.ofUint32(s.layers()));
        w.put(p + "feed_forward_length", GgufValue.ofUint32(s.ffnDim()));
        w.put(p + "attention.head_count", GgufValue.ofUint32(s.heads()));
        w.put(p + "attention.head_count_kv", GgufValue.ofUint32(s.kvHeads()));
        w.put(p + "rope.freq_base", GgufValue.ofFloat32(s.ropeBase()));
        w.put(p + "rope.dimension_count", GgufValue.ofUint32(s.headDim()));
        w.put(p + "attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(s.rmsEps()));
        w.put(p + "vocab_size", GgufValue.ofUint32(s.vocabSize()));
        w.put("general.quantization_version", GgufValue.ofUint32(2));

        int dim = s.dim();
        int hd = s.headDim();
        int kv = s.kvHeads() * hd;
        matrix(w, "token_embd.weight", dim, s.vocabSize(), 1f, progress);
        for (int l = 0; l < s.layers(); l++) {
            String b = "blk." + l + ".";
            ones(w, b + "attn_norm.weight", dim);
            matrix(w, b + "attn_q.weight", dim, s.heads() * hd, fanIn(dim), progress);
            matrix(w, b + "attn_k.weight", dim, kv, fanIn(dim), progress);
            matrix(w, b + "attn_v.weight", dim, kv, fanIn(dim), progress);
            if (s.architecture().qkvBias()) {
                vector(w, b + "attn_q.bias", s.heads() * hd);
                vector(w, b + "attn_k.bias", kv);
                vector(w, b + "attn_v.bias", kv);
            }
            if (s.architecture().qkNorm()) {
                ones(w, b + "attn_q_norm.weight", hd);
                ones(w, b + "attn_k_norm.weight", hd);
            }
            matrix(w, b + "attn_output.weight", s.heads() * hd, dim, fanIn(s.heads() * hd), progress);
            ones(w, b + "ffn_norm.weight", dim);
            matrix(w, b + "ffn_gate.weight", dim, s.ffnDim(), fanIn(dim), progress);
            matrix(w, b + "ffn_up.weight", dim, s.ffnDim(), fanIn(dim), progress);
            matrix(w, b + "ffn_down.weight", s.ffnDim(), dim, fanIn(s.ffnDim()), progress);
        }
        ones(w, "output_norm.weight", dim);
        if (!s.tiedEmbeddings()) {
            matrix(w, "output.weight", dim, s.vocabSize(), fanIn(dim), progress);
        }
        w.write(out);
    }

    /** Half-width of a uniform distribution with variance 1/n. */
    private static float fanIn(int n) {
        return (float) Math.sqrt(3.0 / n);
    }

    private void matrix(GgufWriter w, String name, int cols, int rows, float scale, LongConsumer progress) {
        GgmlType t = rules.typeOf(name, cols).orElse(GgmlType.F32);
        long rowBytes = t.rowBytes(cols);
        long tensorSeed = seed * 31 + name.hashCode();
        w.addTensor(name, t, new long[] {cols, rows}, out -> writeRows(out, t, cols, rows, rowBytes, scale,
                tensorSeed, progress));
    }

    /** Generates and encodes chunks of rows on all cores, writing them in order. */
    private static void writeRows(WritableByteChannel out, GgmlType t, int cols, int rows, long rowBytes, float scale,
                                  long tensorSeed, LongConsumer progress) throws IOException {
        int chunks = (rows + ROWS_PER_CHUNK - 1) / ROWS_PER_CHUNK;
        int window = Math.max(1, Runtime.getRuntime().availableProcessors());
        for (int first = 0; first < chunks; first += window) {
            int last = Math.min(chunks, first + window);
            MemorySegment[] encoded = new MemorySegment[last - first];
            int base = first;
            try (Arena arena = Arena.ofShared()) {
                IntStream.range(first, last).parallel().forEach(c -> {
                    int r0 = c * ROWS_PER_CHUNK;
                    int n = Math.min(ROWS_PER_CHUNK, rows - r0);
                    SplittableRandom rnd = new SplittableRandom(tensorSeed * 1_000_003L + c);
                    float[] values = new float[n * cols];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (rnd.nextFloat() * 2f - 1f) * scale;
                    }
                    MemorySegment seg = arena.allocate(rowBytes * n);
                    Quantizer.quantize(t, values, 0, values.length, seg, 0);
                    encoded[c - base] = seg;
                });
                for (MemorySegment seg : encoded) {
                    GgufWriter.TensorData.of(seg).writeTo(out);
                    progress.accept(seg.byteSize());
                }
            }
        }
    }

    private static void ones(GgufWriter w, String name, int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        w.addTensor(name, GgmlType.F32, new long[] {n}, GgufWriter.TensorData.of(MemorySegment.ofArray(
                Quantizer.quantize(GgmlType.F32, v))));
    }

    private void vector(GgufWriter w, String name, int n) {
        SplittableRandom rnd = new SplittableRandom(seed * 31 + name.hashCode());
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (rnd.nextFloat() * 2f - 1f) * 0.1f;
        }
        w.addTensor(name, GgmlType.F32, new long[] {n}, GgufWriter.TensorData.of(MemorySegment.ofArray(
                Quantizer.quantize(GgmlType.F32, v))));
    }

    /**
     * A SentencePiece-style vocabulary of {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens and the
     * word-start marker, padded with unused tokens to {@code vocab}: any text encodes through byte fallback.
     */
    private static void putByteTokenizer(GgufWriter w, int vocab) {
        if (vocab < 260) {
            throw new DjinnException("a vocabulary needs at least 260 tokens");
        }
        String[] tokens = new String[vocab];
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        tokens[0] = "<unk>";
        types[0] = 2;
        tokens[1] = "<s>";
        types[1] = 3;
        tokens[2] = "</s>";
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = 6;
        }
        tokens[259] = "\u2581";
        types[259] = 1;
        for (int i = 260; i < vocab; i++) {
            tokens[i] = "<unused" + (i - 260) + ">";
            types[i] = 5;
        }
        w.put("tokenizer.ggml.model", GgufValue.of("llama"));
        w.put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufArray(GgufValueType.STRING, tokens)));
        w.put("tokenizer.ggml.scores", GgufValue.ofArray(new GgufArray(GgufValueType.FLOAT32, scores)));
        w.put("tokenizer.ggml.token_type", GgufValue.ofArray(new GgufArray(GgufValueType.INT32, types)));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.ofUint32(1));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.ofUint32(2));
        w.put("tokenizer.ggml.unknown_token_id", GgufValue.ofUint32(0));
        w.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(true));
    }
}
