package dev.djinn.core.model;

import dev.djinn.core.kernel.ActivationFormat;
import dev.djinn.core.kernel.Kernels;
import dev.djinn.core.kernel.MatMul;
import dev.djinn.core.kernel.QuantizedRows;
import dev.djinn.core.tensor.Dequantizer;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The forward pass of a decoder-only transformer (llama, qwen2, qwen3) over one shard's layer range, for a
 * {@link Batch} of tokens. Numerics follow llama.cpp's CPU backend: each matrix multiply sees its input
 * converted the way ggml converts it for that weight type, norms sum in double, rope angles are built the
 * way ggml builds its rope cache.
 *
 * <p>Not thread-safe: one instance serves one stream of forward passes. All buffers are allocated up front
 * for {@code maxBatch} rows, so a pass allocates nothing.
 */
public final class Transformer {
    private final ModelConfig cfg;
    private final ModelWeights weights;
    private final MatMul matmul;
    private final Kernels kernels;
    private final int maxBatch;
    private final float attnScale;

    // activations, row-major [batch][width]
    private final float[] x;
    private final float[] xb;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] att;
    private final float[] hb;
    private final float[] hb2;
    private final float[] ropeCos;
    private final float[] ropeSin;
    /** For adjacent-pair rope: cos(angle i) twice, and (-sin, +sin), per pair of dimensions. */
    private final float[] ropeCosPairs;
    private final float[] ropeSinPairs;
    private float[] logits = new float[0];
    private final QuantizedRows dimInput;
    private final QuantizedRows attnInput;
    private final QuantizedRows ffnInput;
    private final float[][] qkvOut;
    private final float[][] gateUpOut;
    private final Tensor[][] qkvWeights;
    private final Tensor[][] gateUpWeights;
    private final int[] qkvStrides;
    private final int[] gateUpStrides;
    private final ThreadLocal<float[]> scoreScratch = new ThreadLocal<>();
    /** Per thread: a block's F16 keys and values of one KV head, decoded. */
    private final ThreadLocal<float[]> kvScratch = new ThreadLocal<>();
    private final ThreadLocal<float[]> keyPanelScratch = new ThreadLocal<>();
    private boolean groupedAttention;
    private static final int ATTN_BLOCK = 16;
    /** Keys (values) per pass of a block's queries over its decoded cache: 64 rows of a 64-wide head are 16 KiB. */
    private static final int KEY_CHUNK = 64;
    /** Attention blocks of the current batch: block b is rows [blockStart[b], blockStart[b + 1]). */
    private final int[] blockStart;
    private int blockCount;

    // the attention job being dispatched (fields, not a capturing lambda, so dispatch allocates nothing)
    private Batch jobBatch;
    private int jobLayer;
    private final dev.djinn.core.kernel.ComputePool.RangeTask attentionTask = this::attentionRange;
    private final dev.djinn.core.kernel.ComputePool.RangeTask siluTask = this::siluRange;

    public Transformer(ModelConfig cfg, ModelWeights weights, MatMul matmul, int maxBatch) {
        this.cfg = cfg;
        this.weights = weights.packedFor(matmul.kernels(), matmul.pool());
        this.matmul = matmul;
        this.kernels = matmul.kernels();
        this.maxBatch = maxBatch;
        this.attnScale = (float) (1.0 / Math.sqrt(cfg.headDimK()));
        int dim = cfg.dim();
        x = new float[maxBatch * dim];
        xb = new float[maxBatch * dim];
        q = new float[maxBatch * cfg.qDim()];
        k = new float[maxBatch * cfg.kvDimK()];
        v = new float[maxBatch * cfg.kvDimV()];
        att = new float[maxBatch * cfg.attnOutDim()];
        hb = new float[maxBatch * cfg.ffnDim()];
        hb2 = new float[maxBatch * cfg.ffnDim()];
        ropeCos = new float[maxBatch * cfg.ropeDims() / 2];
        ropeSin = new float[maxBatch * cfg.ropeDims() / 2];
        ropeCosPairs = new float[maxBatch * cfg.ropeDims()];
        ropeSinPairs = new float[maxBatch * cfg.ropeDims()];
        blockStart = new int[maxBatch + 1];
        dimInput = new QuantizedRows(dim, maxBatch);
        attnInput = new QuantizedRows(cfg.attnOutDim(), maxBatch);
        ffnInput = new QuantizedRows(cfg.ffnDim(), maxBatch);
        qkvOut = new float[][] {q, k, v};
        gateUpOut = new float[][] {hb, hb2};
        qkvStrides = new int[] {cfg.qDim(), cfg.kvDimK(), cfg.kvDimV()};
        gateUpStrides = new int[] {cfg.ffnDim(), cfg.ffnDim()};
        int n = this.weights.layers().length;
        qkvWeights = new Tensor[n][];
        gateUpWeights = new Tensor[n][];
        for (int i = 0; i < n; i++) {
            LayerWeights lw = this.weights.layers()[i];
            qkvWeights[i] = new Tensor[] {lw.wq(), lw.wk(), lw.wv()};
            gateUpWeights[i] = new Tensor[] {lw.gate(), lw.up()};
        }
    }

    public ModelConfig config() {
        return cfg;
    }

    public LayerRange range() {
        return weights.range();
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** The hidden state after the last pass, row-major [batch][dim] (what a shard passes to the next). */
    public float[] hidden() {
        return x;
    }

    /** Logits of the rows that asked for them, packed [logitRow][vocab]; valid on the last shard only. */
    public float[] logits() {
        return logits;
    }

    /**
     * Runs the shard's layers on {@code batch}. The first shard embeds the batch's tokens; other shards read
     * {@code hiddenIn} ([batch][dim]). Results: {@link #hidden()} always, {@link #logits()} on the last shard.
     */
    public void forward(Batch batch, float[] hiddenIn) {
        int n = batch.size();
        if (n == 0) {
            return;
        }
        if (n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " exceeds " + maxBatch);
        }
        int dim = cfg.dim();
        if (weights.range().embeds()) {
            Tensor emb = weights.tokenEmbedding();
            for (int r = 0; r < n; r++) {
                int token = batch.token(r);
                if (token < 0 || token >= cfg.vocabSize()) {
                    throw new IllegalArgumentException("token id " + token + " is outside the vocabulary");
                }
                Dequantizer.dequantize(emb.type(), emb.data(), emb.rowBytes() * token, x, r * dim, dim);
            }
        } else {
            System.arraycopy(hiddenIn, 0, x, 0, n * dim);
        }
        computeRope(batch);
        computeAttentionBlocks(batch);
        for (int l = weights.range().start(); l < weights.range().end(); l++) {
            layer(batch, l);
        }
        if (weights.range().producesLogits(cfg)) {
            outputHead(batch);
        }
    }

    private void layer(Batch batch, int l) {
        int n = batch.size();
        int local = l - weights.range().start();
        LayerWeights lw = weights.layers()[local];
        int dim = cfg.dim();

        // attention
        rmsNorm(x, xb, lw.attnNorm(), n, dim);
        multiplyShared(qkvWeights[local], xb, n, batch.promptFlags(), qkvOut, qkvStrides);
        if (lw.bq() != null) {
            addBias(q, lw.bq(), n);
            addBias(k, lw.bk(), n);
            addBias(v, lw.bv(), n);
        }
        if (lw.qNorm() != null) {
            headNorm(q, lw.qNorm(), n * cfg.heads());
            headNorm(k, lw.kNorm(), n * cfg.kvHeads());
        }
        for (int r = 0; r < n; r++) {
            rope(q, r * cfg.qDim(), cfg.heads(), r);
            rope(k, r * cfg.kvDimK(), cfg.kvHeads(), r);
            batch.cache(r).store(local, batch.position(r), k, r * cfg.kvDimK(), v, r * cfg.kvDimV());
        }
        jobBatch = batch;
        jobLayer = local;
        // an F16 cache is decoded once per block and KV head for all the heads that share it
        groupedAttention = batch.cache(0).halfPrecision();
        matmul.pool().parallelFor(blockCount * (groupedAttention ? cfg.kvHeads() : cfg.heads()), 1, attentionTask);
        jobBatch = null;
        matmul.prepare(ActivationFormat.forWeights(lw.wo().type()), att, n, batch.promptFlags(), attnInput);
        matmul.multiply(lw.wo(), attnInput, xb, dim);
        kernels.add(x, xb, n * dim);

        // feed-forward (SwiGLU)
        rmsNorm(x, xb, lw.ffnNorm(), n, dim);
        multiplyShared(gateUpWeights[local], xb, n, batch.promptFlags(), gateUpOut, gateUpStrides);
        siluRows(n);
        matmul.prepare(ActivationFormat.forWeights(lw.down().type()), hb, n, batch.promptFlags(), ffnInput);
        matmul.multiply(lw.down(), ffnInput, xb, dim);
        kernels.add(x, xb, n * dim);
    }

    /** SwiGLU's {@code hb = silu(hb) * hb2} over {@code n} rows: a prompt's or a batch's rows in parallel. */
    private void siluRows(int n) {
        if (n > 1) {
            matmul.pool().parallelFor(n, 1, siluTask);
        } else {
            siluRange(0, n);
        }
    }

    private void siluRange(int from, int to) {
        int ffn = cfg.ffnDim();
        kernels.siluMul(hb, hb2, from * ffn, (to - from) * ffn);
    }

    /** Multiplies weights sharing input {@code in}: fused when they take the same activation format. */
    private void multiplyShared(Tensor[] ws, float[] in, int n, boolean[] prompt, float[][] outs, int[] strides) {
        ActivationFormat f = ActivationFormat.forWeights(ws[0].type());
        boolean same = true;
        for (int i = 1; i < ws.length; i++) {
            same &= ActivationFormat.forWeights(ws[i].type()) == f;
        }
        if (same) {
            matmul.prepare(f, in, n, prompt, dimInput);
            matmul.multiply(ws, dimInput, outs, strides);
            return;
        }
        for (int i = 0; i < ws.length; i++) {
            matmul.prepare(ActivationFormat.forWeights(ws[i].type()), in, n, prompt, dimInput);
            matmul.multiply(ws[i], dimInput, outs[i], strides[i]);
        }
    }

    private void outputHead(Batch batch) {
        int n = batch.size();
        int dim = cfg.dim();
        int rows = 0;
        for (int r = 0; r < n; r++) {
            if (batch.wantsLogits(r)) {
                System.arraycopy(x, r * dim, hb, rows * dim, dim);
                rows++;
            }
        }
        if (rows == 0) {
            return;
        }
        rmsNorm(hb, xb, weights.outputNorm(), rows, dim);
        int vocab = cfg.vocabSize();
        if (logits.length < rows * vocab) {
            logits = new float[rows * vocab];
        }
        // every row the matrix-vector kernels, prompt row or not: a few rows against the vocabulary, where
        // the matrix-matrix path would first decode the whole output matrix to floats
        matmul.prepare(ActivationFormat.forWeights(weights.output().type()), xb, rows, dimInput);
        matmul.multiply(weights.output(), dimInput, logits, vocab);
    }

    /** llama.cpp's rms_norm: sum of squares in double, then scale, then multiply by the weight. */
    private void rmsNorm(float[] in, float[] out, float[] weight, int rows, int n) {
        for (int r = 0; r < rows; r++) {
            int o = r * n;
            float mean = (float) (kernels.sumOfSquares(in, o, n) / n);
            float scale = 1.0f / (float) Math.sqrt(mean + cfg.rmsEps());
            kernels.scaleMul(in, o, scale, weight, out, o, n);
        }
    }

    /** RMS norm of each head (qwen3's q/k norms), in place; {@code count} heads of headDimK values. */
    private void headNorm(float[] a, float[] weight, int count) {
        int hd = cfg.headDimK();
        for (int h = 0; h < count; h++) {
            int o = h * hd;
            float mean = (float) (kernels.sumOfSquares(a, o, hd) / hd);
            float scale = 1.0f / (float) Math.sqrt(mean + cfg.rmsEps());
            kernels.scaleMul(a, o, scale, weight, a, o, hd);
        }
    }

    private void addBias(float[] a, float[] bias, int rows) {
        int w = bias.length;
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < w; i++) {
                a[r * w + i] += bias[i];
            }
        }
    }

    /** Rope angles of each row's position, built like ggml's rope cache (iterated float theta). */
    private void computeRope(Batch batch) {
        int half = cfg.ropeDims() / 2;
        float thetaScale = (float) Math.pow(cfg.ropeBase(), -2.0f / cfg.ropeDims());
        float[] ff = weights.ropeFreqs();
        for (int r = 0; r < batch.size(); r++) {
            float theta = batch.position(r);
            for (int i = 0; i < half; i++) {
                float t = cfg.ropeFreqScale() * (ff != null ? theta / ff[i] : theta);
                float c = (float) Math.cos(t);
                float sn = (float) Math.sin(t);
                ropeCos[r * half + i] = c;
                ropeSin[r * half + i] = sn;
                int p = r * 2 * half + 2 * i;
                ropeCosPairs[p] = c;
                ropeCosPairs[p + 1] = c;
                ropeSinPairs[p] = -sn;
                ropeSinPairs[p + 1] = sn;
                theta *= thetaScale;
            }
        }
    }

    private void rope(float[] a, int off, int heads, int row) {
        int hd = cfg.headDimK();
        int half = cfg.ropeDims() / 2;
        for (int h = 0; h < heads; h++) {
            if (cfg.architecture().neoxRope()) {
                kernels.ropeHalves(a, off + h * hd, half, ropeCos, ropeSin, row * half);
            } else {
                kernels.ropePairs(a, off + h * hd, 2 * half, ropeCosPairs, ropeSinPairs, row * 2 * half);
            }
        }
    }

    /**
     * Splits the batch into attention blocks: up to {@link #ATTN_BLOCK} consecutive rows of one sequence at
     * consecutive positions. A block's queries share each key and value row while it is in L1; every row's
     * arithmetic is the same as alone, so blocking never changes a result.
     */
    private void computeAttentionBlocks(Batch batch) {
        int n = batch.size();
        blockCount = 0;
        for (int r = 0; r < n; r++) {
            boolean continues = r > 0 && batch.cache(r) == batch.cache(r - 1)
                    && batch.position(r) == batch.position(r - 1) + 1
                    && batch.isPrompt(r) == batch.isPrompt(r - 1)
                    && r - blockStart[blockCount - 1] < ATTN_BLOCK;
            if (!continues) {
                blockStart[blockCount++] = r;
            }
        }
        blockStart[blockCount] = n;
    }

    /**
     * Attention for an F16 cache, work items [from, to) each one (block of rows, KV head): the block's keys and
     * values of that head are decoded to floats once and shared by its query heads, which an F16 cache would
     * otherwise convert again for every query head and row. The arithmetic is that of the per-head path.
     */
    private void groupedAttentionRange(int from, int to) {
        Batch batch = jobBatch;
        int local = jobLayer;
        int kvHeads = cfg.kvHeads();
        int hd = cfg.headDimK();
        int hdv = cfg.headDimV();
        int group = cfg.heads() / kvHeads;
        for (int item = from; item < to; item++) {
            int r0 = blockStart[item / kvHeads];
            int rows = blockStart[item / kvHeads + 1] - r0;
            int g = item % kvHeads;
            KvCache cache = batch.cache(r0);
            int maxLen = batch.position(r0 + rows - 1) + 1;
            int firstLen = batch.position(r0) + 1;
            MemorySegment keys = cache.keys(local);
            MemorySegment values = cache.values(local);
            float[] kvf = scratch(kvScratch, maxLen * (hd + hdv), 4096);
            int vBase = maxLen * hd;
            // head-major cache: this head's keys (values) for positions 0 .. maxLen - 1 are one run
            long headRun = (long) g * cache.capacity();
            kernels.decodeForGemm(GgmlType.F16, keys, 2L * headRun * hd, kvf, 0, maxLen * hd);
            kernels.decodeForGemm(GgmlType.F16, values, 2L * headRun * hdv, kvf, vBase, maxLen * hdv);
            int heads = group * rows;
            // prompt rows: scores from key panels (generated rows keep the dot kernels: a row's arithmetic
            // depends only on whether it is a prompt row, never on the rest of its batch)
            int width = kernels.panelWidth();
            boolean panels = width > 1 && batch.isPrompt(r0);
            int stride = panels ? Math.ceilDiv(maxLen, width) * width : maxLen;
            float[] s = scratch(heads * stride + heads * hd);
            int qBase = heads * stride;
            // ggml converts q to F16 to multiply with an F16 cache
            for (int j = 0; j < group; j++) {
                for (int i = 0; i < rows; i++) {
                    kernels.roundF16(q, (r0 + i) * cfg.qDim() + (g * group + j) * hd, s, qBase + (j * rows + i) * hd, hd);
                }
            }
            if (panels) {
                float[] kp = scratch(keyPanelScratch, stride * hd, 4096);
                kernels.panelKeys(kvf, 0, maxLen, hd, kp);
                for (int j = 0; j < group; j++) {
                    for (int i = 0; i < rows; i += QUERIES_PER_SCORE_CALL) {
                        int queries = Math.min(QUERIES_PER_SCORE_CALL, rows - i);
                        int seen = firstLen + i + queries - 1; // keys the last of these queries sees
                        int hi = j * rows + i;
                        kernels.scorePanels(kp, Math.ceilDiv(seen, width), s, qBase + hi * hd, queries, hd, attnScale,
                                s, hi * stride, stride);
                    }
                }
            } else {
                // key chunks outermost, so that a chunk's rows stay in L1 while every query of the block uses them
                for (int t0 = 0; t0 < maxLen; t0 += KEY_CHUNK) {
                    for (int j = 0; j < group; j++) {
                        for (int i = Math.max(0, t0 - firstLen + 1); i < rows; i++) {
                            int hi = j * rows + i;
                            int count = Math.min(KEY_CHUNK, firstLen + i - t0);
                            kernels.dotRows(kvf, t0 * hd, count, s, qBase + hi * hd, hd, attnScale, s, hi * stride + t0);
                        }
                    }
                }
            }
            for (int j = 0; j < group; j++) {
                for (int i = 0; i < rows; i++) {
                    int so = (j * rows + i) * stride;
                    softmax(s, so, firstLen + i);
                    // ggml multiplies an F16 V cache with the probabilities rounded to F16
                    kernels.roundF16(s, so, s, so, firstLen + i);
                    int outOff = (r0 + i) * cfg.attnOutDim() + (g * group + j) * hdv;
                    java.util.Arrays.fill(att, outOff, outOff + hdv, 0f);
                }
            }
            for (int t0 = 0; t0 < maxLen; t0 += KEY_CHUNK) {
                for (int j = 0; j < group; j++) {
                    for (int i = Math.max(0, t0 - firstLen + 1); i < rows; i++) {
                        int count = Math.min(KEY_CHUNK, firstLen + i - t0);
                        int outOff = (r0 + i) * cfg.attnOutDim() + (g * group + j) * hdv;
                        kernels.axpyRows(s, (j * rows + i) * stride + t0, count, kvf, vBase + t0 * hdv, hdv, att, outOff);
                    }
                }
            }
        }
    }

    /** Scores {@code s[so .. so + len)} to probabilities, in place. */
    private void softmax(float[] s, int so, int len) {
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < len; t++) {
            max = Math.max(max, s[so + t]);
        }
        float inv = (float) (1.0 / kernels.expShift(s, so, len, max));
        for (int t = 0; t < len; t++) {
            s[so + t] *= inv;
        }
    }

    /** Queries of one head per {@link Kernels#scorePanels} call: its widest tile takes four. */
    private static final int QUERIES_PER_SCORE_CALL = 16;

    /** Attention for work items [from, to), each one (block of rows, head). */
    private void attentionRange(int from, int to) {
        if (groupedAttention) {
            groupedAttentionRange(from, to);
            return;
        }
        Batch batch = jobBatch;
        int local = jobLayer;
        int heads = cfg.heads();
        int hd = cfg.headDimK();
        int hdv = cfg.headDimV();
        int group = heads / cfg.kvHeads();
        for (int item = from; item < to; item++) {
            int r0 = blockStart[item / heads];
            int rows = blockStart[item / heads + 1] - r0;
            int h = item % heads;
            int g = h / group;
            KvCache cache = batch.cache(r0);
            int maxLen = batch.position(r0 + rows - 1) + 1;
            int firstLen = batch.position(r0) + 1;
            float[] s = scratch(rows * maxLen + rows * hd);
            MemorySegment keys = cache.keys(local);
            MemorySegment values = cache.values(local);
            boolean half = cache.halfPrecision();
            long elem = half ? 2 : 4;
            float[] qv = q;
            int qBase = r0 * cfg.qDim() + h * hd;
            int qStride = cfg.qDim();
            if (half) {
                // ggml converts q to F16 to multiply with an F16 cache
                for (int i = 0; i < rows; i++) {
                    kernels.roundF16(q, qBase + i * qStride, s, rows * maxLen + i * hd, hd);
                }
                qv = s;
                qBase = rows * maxLen;
                qStride = hd;
            }
            // scores: row i (position firstLen - 1 + i) sees keys 0 .. firstLen - 1 + i
            for (int t = 0; t < maxLen; t++) {
                long ko = ((long) g * cache.capacity() + t) * hd * elem;
                for (int i = Math.max(0, t - firstLen + 1); i < rows; i++) {
                    float dot = half ? kernels.dotF16(keys, ko, qv, qBase + i * qStride, hd)
                            : kernels.dotF32(keys, ko, qv, qBase + i * qStride, hd);
                    s[i * maxLen + t] = dot * attnScale;
                }
            }
            for (int i = 0; i < rows; i++) {
                softmax(s, i * maxLen, firstLen + i);
                int outOff = (r0 + i) * cfg.attnOutDim() + h * hdv;
                java.util.Arrays.fill(att, outOff, outOff + hdv, 0f);
            }
            for (int t = 0; t < maxLen; t++) {
                long vo = ((long) g * cache.capacity() + t) * hdv * elem;
                for (int i = Math.max(0, t - firstLen + 1); i < rows; i++) {
                    float p = s[i * maxLen + t];
                    int outOff = (r0 + i) * cfg.attnOutDim() + h * hdv;
                    if (half) {
                        // ggml multiplies an F16 V cache with the probabilities rounded to F16
                        kernels.axpyF16(Float.float16ToFloat(Float.floatToFloat16(p)), values, vo, att, outOff, hdv);
                    } else {
                        kernels.axpyF32(p, values, vo, att, outOff, hdv);
                    }
                }
            }
        }
    }

    private float[] scratch(int size) {
        return scratch(scoreScratch, size, 1024);
    }

    /** This thread's array in {@code holder}, grown to at least {@code size} (at least {@code minimum}). */
    private static float[] scratch(ThreadLocal<float[]> holder, int size, int minimum) {
        float[] s = holder.get();
        if (s == null || s.length < size) {
            s = new float[grown(s, size, minimum)];
            holder.set(s);
        }
        return s;
    }

    /**
     * A new length for scratch {@code old} that must hold {@code size}: at least double the old one, as the
     * attended length grows by a token a step (or a block a prompt block), and reallocating at every step
     * would make garbage in the token loop.
     */
    private static int grown(float[] old, int size, int min) {
        long doubled = old == null ? 0 : 2L * old.length;
        return (int) Math.min(Integer.MAX_VALUE - 8, Math.max(Math.max(size, min), doubled));
    }
}
