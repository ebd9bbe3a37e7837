package dev.djinn.core.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The innermost numeric operations: dot products of one weight row (read in place from a memory segment,
 * in its storage format) with one prepared activation row, and the activation conversions themselves. One
 * implementation is chosen at start-up by {@link KernelProvider}; the scalar one is the reference the
 * vectorised ones are tested against.
 *
 * <p>Offsets into segments are in bytes; offsets into arrays are in elements. Row dots take the prepared
 * input {@code x} and its row index; their integer parts are exact in every implementation.
 */
public interface Kernels {
    /** A short name for logs and benchmarks, e.g. "scalar" or "vector-256". */
    String name();

    // ---- weight row x activation row

    float dotF32(MemorySegment w, long wOff, float[] x, int xOff, int n);

    /** {@code x} must already hold half-precision-representable values (see {@link #roundF16}). */
    float dotF16(MemorySegment w, long wOff, float[] x, int xOff, int n);

    /** {@code x} must already hold bfloat16-representable values (see {@link #roundBF16}). */
    float dotBF16(MemorySegment w, long wOff, float[] x, int xOff, int n);

    float dotQ8_0(MemorySegment w, long wOff, QuantizedRows x, int row);

    float dotQ4_0(MemorySegment w, long wOff, QuantizedRows x, int row);

    float dotQ4_K(MemorySegment w, long wOff, QuantizedRows x, int row);

    float dotQ5_K(MemorySegment w, long wOff, QuantizedRows x, int row);

    float dotQ6_K(MemorySegment w, long wOff, QuantizedRows x, int row);

    /**
     * Matrix-matrix product for prompt rows: {@code out[t * outStride + outCol + r] = w[r] · x[t]} for the
     * {@code rows} float weight rows in {@code w} (row-major, {@code cols} each) and the activation rows
     * {@code xRows[0 .. xCount)} of {@code x} ({@code cols} each). Each output is accumulated in the same
     * order whatever the tile it falls in, so a row's result never depends on the rest of the batch.
     */
    void gemm(float[] w, int rows, float[] x, int[] xRows, int xCount, int cols, float[] out, int outStride,
              int outCol);

    /**
     * Whether every prompt row takes {@link #gemmPanels} instead of {@link #gemm}: every one, never depending
     * on how many share a step, so that a row's bits never depend on its batch.
     */
    default boolean promptPanels() {
        return false;
    }

    /** Prompt rows per panel of {@link #panelRows}. */
    default int panelWidth() {
        return 1;
    }

    /**
     * Writes panel {@code p} of {@code x.panels}: for prompt rows {@code x.gemmRows[p * w .. p * w + w)} (w =
     * {@link #panelWidth}; zeros past {@code x.gemmCount}), column k's {@code x.values} side by side at
     * {@code (p * cols + k) * w}.
     */
    default void panelRows(QuantizedRows x, int p) {
        throw new UnsupportedOperationException(name() + " has no panel kernel");
    }

    /**
     * {@link #gemm} of the {@code rows} float weight rows in {@code w} with every prompt row of {@code x}, from
     * the panels {@link #panelRows} made: each weight value is broadcast against a vector of prompt rows, so
     * no lane sums are needed. Each output is one fused multiply-add chain over the columns in order (the
     * result of {@code c = fma(w[k], x[k], c)} for k = 0, 1, ...), whatever the tile it falls in.
     */
    default void gemmPanels(float[] w, int rows, QuantizedRows x, float[] out, int outStride, int outCol) {
        throw new UnsupportedOperationException(name() + " has no panel kernel");
    }

    /**
     * Whether prompt rows meet Q4_0 and Q4_K weights in 16-bit integer multiplies ({@link #panelRows16}, {@link
     * #decodePackedQ4_0PairInt16}, {@link #gemmPanels16}) rather than the float GEMM: every prompt row, never
     * depending on its batch.
     */
    default boolean int16Prompts() {
        return false;
    }

    /**
     * Whether Q4_0 weights take the row-lane layout ({@link PackedBlocks#packRowLanes}) and its kernels: every
     * row, generated or prompt, alone or batched, in ggml's arithmetic ({@link #dotQ4_0RowLanes}, and {@link
     * #gemmPanels16} over {@link #decodeRowLanesInt16}).
     */
    default boolean q4_0RowLanes() {
        return false;
    }

    /** Generated row {@code row}'s activations in the order {@link #dotQ4_0RowLanes} reads them. */
    default void prepareRowLanes(QuantizedRows x, int row) {
        throw new UnsupportedOperationException(name() + " has no row-lane kernels");
    }

    /**
     * The 64 weight rows of the row-lane quad at {@code quad} of {@code packed} times generated row {@code row}
     * of {@code x}, into {@code out[outOff .. outOff + 64)}: each row's blocks' exact integer dot products, then
     * {@code sum = fma(dot, dw * dx, sum)} block by block, as {@link #gemmPanels16} computes them.
     */
    default void dotQ4_0RowLanes(MemorySegment packed, long quad, QuantizedRows x, int row, float[] out, int outOff) {
        throw new UnsupportedOperationException(name() + " has no row-lane kernels");
    }

    /** {@link #dotQ4_0RowLanes} for two generated rows at once (the same bits), into {@code out[outA ..]} and {@code out[outB ..]}. */
    default void dotQ4_0RowLanes2(MemorySegment packed, long quad, QuantizedRows x, int rowA, int rowB, float[] out,
                                  int outA, int outB) {
        dotQ4_0RowLanes(packed, quad, x, rowA, out, outA);
        dotQ4_0RowLanes(packed, quad, x, rowB, out, outB);
    }

    /**
     * Groups {@code g .. g + groups - 1} (sixteen rows each) of the row-lane quad at {@code quad}, {@code n}
     * columns, decoded as {@link #decodeQ4_0Int16} decodes a GGUF row: row i from {@code dst[o + i * rowInts]},
     * its scale of block b at {@code ds[so + i + b * blockScales]} (the rows' scales of a block side by side).
     */
    default void decodeRowLanesInt16(MemorySegment packed, long quad, int g, int groups, int[] dst, int o,
                                     int rowInts, float[] ds, int so, int blockScales, int n) {
        throw new UnsupportedOperationException(name() + " has no row-lane kernels");
    }

    /** Panel {@code p} (32 prompt rows) of {@code x.panels16} and {@code x.panelScales16} (see {@code Int16Gemm}). */
    default void panelRows16(QuantizedRows x, int p) {
        throw new UnsupportedOperationException(name() + " has no 16-bit panel kernel");
    }

    /**
     * Both rows of the packed Q4_0 row pair whose run starts at {@code run} (units {@code stride} apart), {@code
     * n} columns, as 16-bit weights less 8 two to an int and block scales, in the order {@link #gemmPanels16}
     * reads them: row 0 from {@code dst[o]} and {@code ds[so]}, row 1 {@code rowInts} and {@code rowScales}
     * further.
     */
    default void decodePackedQ4_0PairInt16(MemorySegment packed, long run, long stride, int[] dst, int o, int rowInts,
                                           float[] ds, int so, int rowScales, int n) {
        throw new UnsupportedOperationException(name() + " has no 16-bit panel kernel");
    }

    /** {@link #decodePackedQ4_0PairInt16} for one Q4_0 row in the GGUF layout at {@code off} of {@code data}. */
    default void decodeQ4_0Int16(MemorySegment data, long off, int[] dst, int o, float[] ds, int so, int n) {
        throw new UnsupportedOperationException(name() + " has no 16-bit panel kernel");
    }

    /**
     * {@link #decodeQ4_0Int16} for a Q4_K row in the GGUF layout: weights 0..15, and per sub-block of 32 {@code d
     * * scale} into {@code wd} and {@code -dmin * min} into {@code wm} from {@code so}.
     */
    default void decodeQ4_KInt16(MemorySegment data, long off, int[] dst, int o, float[] wd, float[] wm, int so,
                                 int n) {
        throw new UnsupportedOperationException(name() + " has no 16-bit panel kernel");
    }

    /**
     * The {@code rows} (even) decoded Q4_0 or Q4_K ({@code wm} not null) weight rows in {@code w}, {@code wd}
     * and {@code wm} times every prompt row of {@code x} from its 16-bit panels: per output, each block's
     * exact integer dot product {@code dot}, then {@code sum = fma(dot, dw * dx, sum)} over the blocks in order
     * (Q4_K: per sub-block, then {@code sum = fma(bsum, dx * wm, sum)} with the activations' sub-block sum).
     * Row i's weights start at {@code w[i * wRow]}, its scale of block b is {@code wd[i * dRow + b * dBlock]}
     * (Q4_K: row-major, {@code wRow = n / 2}, {@code dRow = n / 32}, {@code dBlock = 1}; {@code wm} too).
     */
    default void gemmPanels16(int[] w, int wRow, float[] wd, int dRow, int dBlock, float[] wm, int rows,
                              QuantizedRows x, float[] out, int outStride, int outCol) {
        throw new UnsupportedOperationException(name() + " has no 16-bit panel kernel");
    }

    /**
     * Whether {@link #gemm} over rows decoded by {@link #decodeForGemm} gives, for weights of {@code type} and
     * rows of {@code cols}, exactly the bits of this implementation's dot kernel for that type: then generated
     * rows of a batch can share the matrix-matrix kernel without their numbers depending on the batch.
     */
    default boolean gemmEqualsDot(dev.djinn.core.tensor.GgmlType type, int cols) {
        return false;
    }

    /**
     * Decodes one weight row to floats for {@link #gemm}, in this implementation's GEMM layout: the values
     * of each 32-block may be permuted, consistently with {@link #prepareFloatGemm}, so that decoding is cheap.
     */
    default void decodeForGemm(dev.djinn.core.tensor.GgmlType type, MemorySegment w, long off, float[] dst,
                               int dstOff, int n) {
        dev.djinn.core.tensor.Dequantizer.dequantize(type, w, off, dst, dstOff, n);
    }

    /**
     * {@link #decodeForGemm} for row {@code k} (0-3) of the {@link PackedBlocks} group at {@code groupOff}: the
     * same floats as from the row's GGUF bytes. Only for types this implementation {@link #packs}.
     */
    default void decodePackedForGemm(dev.djinn.core.tensor.GgmlType type, MemorySegment packed, long groupOff, int k,
                                     float[] dst, int dstOff, int n) {
        throw new UnsupportedOperationException(name() + " has no packed " + type + " decoder");
    }

    /**
     * Writes prompt row {@code row} of a Q8_0-format input as exact floats ({@code q * d}) into
     * {@code x.values}, in the layout of {@link #decodeForGemm}.
     */
    default void prepareFloatGemm(QuantizedRows x, int row) {
        int n = x.cols;
        int base = row * n;
        for (int i = 0; i < n; i++) {
            x.values[base + i] = x.quants[base + i] * x.scales[row * (n / 32) + i / 32];
        }
    }

    /**
     * K-quant weight rows ({@code rows} of them from {@code wOff}, {@code rowBytes} apart) times the activation
     * rows {@code ts[0 .. count)} of {@code x} (Q8_K, prepared by {@link #prepareKQuantGemm}), into
     * {@code out[t * outStride + outCol + r]}. Each block's integer sum is exact, as in ggml's integer kernels,
     * while each weight block is decoded once and reused across tokens; every output is computed in the same
     * order whatever the tile it falls in. The rows {@code floatTs[0 .. floatCount)} (prompt rows, prepared by
     * {@link #prepareKQuantFloatGemm}; only where {@link #kQuantPromptsAsFloat}) are multiplied in floats with
     * the same decoded block, dequantized. The default is the dot kernel row by row.
     */
    default void gemmKQuant(dev.djinn.core.tensor.GgmlType type, MemorySegment w, long wOff, long rowBytes, int rows,
                            QuantizedRows x, int[] ts, int count, int[] floatTs, int floatCount, float[] out,
                            int outStride, int outCol) {
        for (int i = 0; i < count + floatCount; i++) {
            int t = i < count ? ts[i] : floatTs[i - count];
            for (int r = 0; r < rows; r++) {
                long off = wOff + r * rowBytes;
                out[t * outStride + outCol + r] = switch (type) {
                    case Q4_K -> dotQ4_K(w, off, x, t);
                    case Q5_K -> dotQ5_K(w, off, x, t);
                    case Q6_K -> dotQ6_K(w, off, x, t);
                    default -> throw new IllegalArgumentException("not a K-quant: " + type);
                };
            }
        }
    }

    /**
     * {@link #gemmKQuant} over K-quant rows in {@link PackedBlocks} groups: {@code rows} (a multiple of four) rows
     * from the group at {@code groupOff}, the same results as over their GGUF bytes. Only when {@link #packs}
     * the type.
     */
    default void gemmKQuantPacked(dev.djinn.core.tensor.GgmlType type, MemorySegment packed, long groupOff, int rows,
                                  QuantizedRows x, int[] ts, int count, int[] floatTs, int floatCount, float[] out,
                                  int outStride, int outCol) {
        throw new UnsupportedOperationException(name() + " has no packed K-quant kernel");
    }

    /**
     * Whether prompt rows times Q4_K and Q6_K weights go through {@link #gemmKQuant}'s float rows: weights
     * dequantized to floats, activations the Q8_K values times their scales (as the prompt rows of Q4_0 and
     * Q8_0 weights go through {@link #gemm}), without the integer path's per-block scaling and min pass.
     * Prompt rows need not match the dot kernel bit for bit: only generated rows share a step with other
     * requests.
     */
    default boolean kQuantPromptsAsFloat() {
        return false;
    }

    /**
     * Whether the packed int8 kernels work on 512-bit vectors: {@link #dotQ4_0Packed} reads both rows of a row
     * pair in one vector, which needs the activations doubled ({@link QuantizedRows#pairShortsTwice} and its
     * companions), and {@link #dotQ4_KPacked} two runs of a row in one, against activations rearranged to
     * match ({@link QuantizedRows#kPairsWide}); {@code MatMul} fills them.
     */
    default boolean wideInt8Kernels() {
        return false;
    }

    /** Prepares prompt row {@code row} of {@code x} (Q8_K) for {@link #gemmKQuant}'s float rows. */
    default void prepareKQuantFloatGemm(QuantizedRows x, int row) {
    }

    /** Allocates what {@link #prepareKQuantGemm} of {@code x}'s generated rows fills, before they convert. */
    default void reserveKQuantGemm(QuantizedRows x) {
    }

    /** Prepares row {@code row} of {@code x} (Q8_K) for {@link #gemmKQuant}. */
    default void prepareKQuantGemm(QuantizedRows x, int row) {
    }

    /**
     * Q8_0 or Q4_0 weight rows ({@code rows} of them from {@code wOff}, {@code rowBytes} apart) times the
     * generated (dot) rows of {@code x}, into {@code out[t * outStride + outCol + r]}, with results identical
     * bit for bit to {@link #dotQ8_0} / {@link #dotQ4_0}: a batch of generated tokens reads each weight block
     * once, and a request's numbers do not depend on what shares its step.
     */
    default void gemmDots(dev.djinn.core.tensor.GgmlType type, MemorySegment w, long wOff, long rowBytes, int rows,
                          QuantizedRows x, float[] out, int outStride, int outCol) {
        for (int r = 0; r < rows; r++) {
            long off = wOff + r * rowBytes;
            for (int i = 0; i < x.dotCount; i++) {
                int t = x.dotRows[i];
                out[t * outStride + outCol + r] = type == dev.djinn.core.tensor.GgmlType.Q4_0
                        ? dotQ4_0(w, off, x, t) : dotQ8_0(w, off, x, t);
            }
        }
    }

    /**
     * Whether a packed kernel ({@link #dotQ4_0Packed}, {@link #dotQ8_0Packed}, {@link #dotQ4_KPacked},
     * {@link #dotQ6_KPacked}) is implemented for {@code type}: then matrices of that type are worth packing (see
     * {@link PackedBlocks}).
     */
    default boolean packs(dev.djinn.core.tensor.GgmlType type) {
        return false;
    }

    /**
     * One packed Q4_0 row pair ({@link PackedBlocks}: its first unit at {@code run} in {@code packed}, each next
     * one {@code stride} bytes on, see {@link PackedBlocks#q4_0Run}) times activation row {@code row} of {@code
     * x} (Q8_0), into {@code out[outOff]} and {@code out[outOff + 1]}: each result identical to {@link #dotQ4_0}
     * on the row's GGUF bytes. Only when {@link #packs} Q4_0.
     */
    default void dotQ4_0Packed(MemorySegment packed, long run, long stride, QuantizedRows x, int row,
                               float[] out, int outOff) {
        throw new UnsupportedOperationException(name() + " has no packed Q4_0 kernel");
    }

    /**
     * Four packed Q4_0 row pairs whose units lie side by side (eight rows: pair k's first unit at {@code run}
     * plus k units, each next one {@code stride} bytes on) at once; only where {@link #wideInt8Kernels}.
     */
    default void dotQ4_0PackedGroups(MemorySegment packed, long run, long stride, QuantizedRows x, int row,
                                     float[] out, int outOff) {
        throw new UnsupportedOperationException(name() + " has no two-group Q4_0 kernel");
    }

    /**
     * Two packed Q4_0 row pairs (four rows; first units at {@code run0}, {@code run1}, each next one {@code
     * stride} bytes on) times generated rows {@code rowA} and {@code rowB}, each row's four results exactly
     * those of {@link #dotQ4_0PackedGroups}; only where {@link #wideInt8Kernels}.
     */
    default void dotQ4_0PackedRunsTwoRows(MemorySegment packed, long run0, long run1, long stride, QuantizedRows x,
                                          int rowA, int rowB, float[] out, int outA, int outB) {
        throw new UnsupportedOperationException(name() + " has no two-row Q4_0 kernel");
    }

    /**
     * Generated rows per group of {@link #prepareGeneratedGemm}, or 0 where {@link #gemmQ4_0PackedGenerated} is
     * not offered.
     */
    default int generatedGemmTokens() {
        return 0;
    }

    /**
     * Writes group {@code g} of {@code x.dotFloats} (Q8_0 format): for generated rows {@code x.dotRows[g * n ..
     * g * n + n)} (n = {@link #generatedGemmTokens}; zeros past {@code x.dotFloatCount}) the int8 quants as
     * floats and their sums, in the order {@link #gemmQ4_0PackedGenerated} reads them (the block scales, which
     * both generated-row GEMMs read, {@code MatMul} writes with the rest of the conversion).
     */
    default void prepareGeneratedGemm(QuantizedRows x, int g) {
        throw new UnsupportedOperationException(name() + " has no generated-row GEMM");
    }

    /**
     * 32 packed Q4_0 rows (four interleaved blocks of four row pairs, see {@link PackedBlocks#q4_0Run}: the
     * first's first unit at {@code run}, each next block {@code blockBytes} on, each next unit {@code stride}
     * on) times the first {@code x.dotFloatCount} generated rows of {@code x} at once, from {@link
     * #prepareGeneratedGemm}'s floats, into
     * {@code out[t * outStride + outCol ..]}: each result exactly {@link #dotQ4_0PackedGroups}' bits, in float
     * multiply-adds that reuse each weight value across the rows.
     */
    default void gemmQ4_0PackedGenerated(MemorySegment packed, long run, long blockBytes, long stride,
                                         QuantizedRows x, float[] out, int outStride, int outCol) {
        throw new UnsupportedOperationException(name() + " has no generated-row Q4_0 GEMM");
    }

    /**
     * {@link #prepareGeneratedGemm} for {@link #gemmQ8_0PackedGenerated}: group {@code g}'s rows into {@code
     * x.dotFloatsQ8_0} in the order that kernel reads them.
     */
    default void prepareGeneratedGemmQ8_0(QuantizedRows x, int g) {
        throw new UnsupportedOperationException(name() + " has no generated-row GEMM");
    }

    /**
     * 32 packed Q8_0 rows (eight groups, 16 row pairs from {@code tile}, each pair's run {@code runBytes} long)
     * times the first {@code x.dotFloatCount} generated rows of {@code x} at once, into {@code out[t * outStride
     * + outCol ..]}: each result exactly {@link #dotQ8_0Packed}'s bits.
     */
    default void gemmQ8_0PackedGenerated(MemorySegment packed, long tile, long runBytes, QuantizedRows x, float[] out,
                                         int outStride, int outCol) {
        throw new UnsupportedOperationException(name() + " has no generated-row Q8_0 GEMM");
    }

    /**
     * A packed Q4_0 group's four rows: {@link #dotQ4_0Packed} for its row pair at {@code run} and the next one,
     * whose units sit one unit further on.
     */
    default void dotQ4_0PackedGroup(MemorySegment packed, long run, long stride, QuantizedRows x, int row,
                                    float[] out, int outOff) {
        dotQ4_0Packed(packed, run, stride, x, row, out, outOff);
        dotQ4_0Packed(packed, run + PackedBlocks.unitBytes(dev.djinn.core.tensor.GgmlType.Q4_0), stride, x, row,
                out, outOff + 2);
    }

    /** {@link #decodeForGemm} for row {@code half} (0 or 1) of a packed Q4_0 row pair (as in {@link #dotQ4_0Packed}). */
    default void decodePackedQ4_0ForGemm(MemorySegment packed, long run, long stride, int half, float[] dst,
                                         int dstOff, int n) {
        throw new UnsupportedOperationException(name() + " has no packed Q4_0 decoder");
    }

    /** {@link #dotQ4_0Packed} for Q8_0 weights: each result identical to {@link #dotQ8_0}. */
    default void dotQ8_0Packed(MemorySegment packed, long groupOff, int firstRow, QuantizedRows x, int row,
                               float[] out, int outOff) {
        throw new UnsupportedOperationException(name() + " has no packed Q8_0 kernel");
    }

    /**
     * {@code pairs} consecutive row pairs of packed Q8_0 weights (their runs adjacent from {@code runOff}: whole
     * groups) times activation row {@code row}, into {@code out[outOff ..]} in row order: each result identical
     * to {@link #dotQ8_0Packed}'s.
     */
    default void dotQ8_0PackedPairs(MemorySegment packed, long runOff, int pairs, QuantizedRows x, int row,
                                    float[] out, int outOff) {
        long runBytes = PackedBlocks.unitBytes(dev.djinn.core.tensor.GgmlType.Q8_0) * (x.cols / 32);
        for (int p = 0; p < pairs; p++) {
            dotQ8_0Packed(packed, runOff + p * runBytes, 0, x, row, out, outOff + 2 * p);
        }
    }

    /**
     * Rows {@code firstRow} and {@code firstRow + 1} (0 or 2) of a {@link PackedBlocks} Q4_K group (at {@code
     * groupOff} in {@code packed}) times activation row {@code row} of {@code x} (Q8_K), into {@code out[outOff]}
     * and {@code out[outOff + 1]}: each result identical to {@link #dotQ4_K} on the row's GGUF bytes. Only when
     * {@link #packs} Q4_K.
     */
    default void dotQ4_KPacked(MemorySegment packed, long groupOff, int firstRow, QuantizedRows x, int row,
                               float[] out, int outOff) {
        throw new UnsupportedOperationException(name() + " has no packed Q4_K kernel");
    }

    /** {@link #dotQ4_KPacked} for Q6_K weights: each result identical to {@link #dotQ6_K}. */
    default void dotQ6_KPacked(MemorySegment packed, long groupOff, int firstRow, QuantizedRows x, int row,
                               float[] out, int outOff) {
        throw new UnsupportedOperationException(name() + " has no packed Q6_K kernel");
    }

    /** Prepares generated row {@code row} of {@code x} (Q8_0) for {@link #gemmDots}. */
    default void prepareGemmDots(QuantizedRows x, int row) {
    }

    // ---- activation conversion (what ggml does to src1 before a mul_mat)

    /** Q8_0 as ggml's x86 path quantizes activations: scale 127/amax, round half to even. */
    void quantizeQ8_0(float[] x, int xOff, int n, byte[] q, int qOff, float[] d, int dOff);

    /** Q8_K as ggml's reference: scale -127/max (signed max), round half to even, sums of 16. */
    void quantizeQ8_K(float[] x, int xOff, int n, byte[] q, int qOff, float[] d, int dOff, short[] s, int sOff);

    void roundF16(float[] x, int xOff, float[] out, int outOff, int n);

    void roundBF16(float[] x, int xOff, float[] out, int outOff, int n);

    // ---- float vectors (attention, norms, activations)

    /** Sum of {@code x[i]^2} (each square in float, summed in double, as ggml's rms_norm). */
    double sumOfSquares(float[] x, int off, int n);

    /** {@code out[i] = (x[i] * scale) * w[i]}: the second half of an RMS norm. */
    void scaleMul(float[] x, int xOff, float scale, float[] w, float[] out, int outOff, int n);

    /** {@code gate[i] = silu(gate[i]) * up[i]} for off &lt;= i &lt; off + n, with silu(g) = g / (1 + e^-g). */
    void siluMul(float[] gate, float[] up, int off, int n);

    /** {@code s[i] = e^(s[i] - max)} for off &lt;= i &lt; off + n; returns their sum (in double, as ggml's softmax). */
    double expShift(float[] s, int off, int n, float max);

    /** {@code a[i] += b[i]}. */
    void add(float[] a, float[] b, int n);

    /**
     * NeoX-style rope on one head at {@code a[base ..]}: rotates (a[i], a[i + half]) by angle i, with
     * {@code cos[cs + i]}, {@code sin[cs + i]}; products are rounded before the sum, as in scalar code.
     */
    void ropeHalves(float[] a, int base, int half, float[] cos, float[] sin, int cs);

    /**
     * Llama-style rope on one head: rotates (a[2i], a[2i+1]) by angle i. {@code cosPairs[cs + 2i]} and
     * {@code [cs + 2i + 1]} both hold cos(angle i); {@code sinPairs} holds -sin and +sin.
     */
    void ropePairs(float[] a, int base, int dims, float[] cosPairs, float[] sinPairs, int cs);

    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y += a * v}, all on the heap. */
    void axpy(float a, float[] v, int vOff, float[] y, int yOff, int n);

    /**
     * Attention scores: {@code out[outOff + t] = dot(keys, kOff + t * n, q, qOff, n) * scale} for {@code 0 <= t <
     * count}, each with exactly {@link #dot}'s arithmetic (one call instead of one per key).
     */
    default void dotRows(float[] keys, int kOff, int count, float[] q, int qOff, int n, float scale, float[] out,
                         int outOff) {
        for (int t = 0; t < count; t++) {
            out[outOff + t] = dot(keys, kOff + t * n, q, qOff, n) * scale;
        }
    }

    /**
     * Key rows {@code keys[kOff + t * n ..]} ({@code 0 <= t < count}) into panels of {@link #panelWidth} keys for
     * {@link #scorePanels}: {@code dst[(p * n + d) * w + j]} is value d of key {@code p * w + j}, zeros past
     * {@code count}.
     */
    default void panelKeys(float[] keys, int kOff, int count, int n, float[] dst) {
        int w = panelWidth();
        int panels = Math.ceilDiv(count, w);
        for (int p = 0; p < panels; p++) {
            for (int j = 0; j < w; j++) {
                int t = p * w + j;
                for (int d = 0; d < n; d++) {
                    dst[(p * n + d) * w + j] = t < count ? keys[kOff + t * n + d] : 0f;
                }
            }
        }
    }

    /**
     * Attention scores of {@code queries} query rows ({@code q[qOff + i * n ..]}, n values each) against key
     * panels [0, panels) from {@link #panelKeys}: {@code out[outOff + i * outStride + t]} for every key t of
     * those panels (whole panels: {@code outStride} must leave room). Each score is one fused multiply-add chain
     * over the n values in order, then times {@code scale}, whichever queries share the call.
     */
    default void scorePanels(float[] keyPanels, int panels, float[] q, int qOff, int queries, int n, float scale,
                             float[] out, int outOff, int outStride) {
        throw new UnsupportedOperationException(name() + " has no panel kernel");
    }

    /**
     * Attention's weighted sum of values: {@code y += p[pOff + t] * v[vOff + t * n ..]} for {@code t = 0 .. count
     * - 1} in that order, each term added exactly as {@link #axpy} adds it.
     */
    default void axpyRows(float[] p, int pOff, int count, float[] v, int vOff, int n, float[] y, int yOff) {
        for (int t = 0; t < count; t++) {
            axpy(p[pOff + t], v, vOff + t * n, y, yOff, n);
        }
    }

    /** {@code y += a * v}, with {@code v} F32 in a segment. */
    void axpyF32(float a, MemorySegment v, long vOff, float[] y, int yOff, int n);

    /** {@code y += a * v}, with {@code v} F16 in a segment. */
    void axpyF16(float a, MemorySegment v, long vOff, float[] y, int yOff, int n);
}
