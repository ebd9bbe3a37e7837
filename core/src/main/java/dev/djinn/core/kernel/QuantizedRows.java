package dev.djinn.core.kernel;

/**
 * A batch of activation rows converted once into the format a weight type multiplies with, so that several
 * matrices sharing an input (Q, K and V; gate and up) convert it only once. Buffers are sized at construction
 * and reused for every token.
 */
public final class QuantizedRows {
    public static final int Q8_0_BLOCK = 32;
    public static final int Q8_K_BLOCK = 256;

    final int cols;
    final int capacity;
    /** Converted float values (F32/F16/BF16 formats), row-major. */
    final float[] values;
    /** Quantized int8 values (Q8 formats), row-major. */
    final byte[] quants;
    /** One scale per block (Q8_0: already rounded through half precision, as ggml stores it). */
    final float[] scales;
    /** Q8_K: the sum of each 16 quantized values; Q8_0: the sum of each block's 32. */
    final short[] sums;
    /**
     * The quantized values widened to shorts and split per 32: the 16 at even positions, then the 16 at odd
     * positions. Vector kernels multiply these with weight bytes pulled out of 16-bit lanes by shifts.
     */
    final short[] wide;
    /**
     * Q8_0 format, for Q4_0 weights read two blocks per 256-bit vector: per pair of blocks, the values a
     * nibble position meets in each of the two (see {@code VectorKernels.dotQ4_0}). Q8_K format, for packed
     * Q4_K weights ({@link PackedBlocks}): per 64 values (two sub-blocks, A then B) and nibble position k, 16
     * shorts, A's value 4L + k then B's, for L = 0..7.
     */
    final short[] pairs;
    /** Q8_K format: the sum of each 32 quantized values (a Q4_K sub-block's), for packed Q4_K's min term. */
    final int[] subSums;
    /**
     * Q8_0 format, per pair of blocks: eight times the sum of the activations each 32-bit lane of the Q4_0
     * pair kernel multiplies, so that kernel subtracts Q4_0's +8 offset per lane (see {@code VectorKernels}).
     */
    final int[] laneSums;
    /** Q8_0 format, per pair of blocks: the two scales alternating over eight lanes (for packed Q4_0). */
    final float[] pairDx;
    /**
     * For {@link Kernels#wideInt8Kernels}, made on first use: per pair of blocks, each 16 values of {@link #pairs}
     * twice, two values to a short (the int8 activations of nibble positions 0 and 1 in the low and high byte,
     * then of positions 2 and 3), pulled apart in registers by shifts; and each pair's eight {@link #laneSums}
     * twice. Small on purpose, so that a 4096- or 14336-wide row's stay in L1 beside the streaming weights (at
     * 384 bytes per 64 values they did not, and the weights' stream slowed by up to half).
     */
    short[] pairShortsTwice;
    /**
     * For {@link Kernels#wideInt8Kernels}, made with {@link #pairShortsTwice}: per block the 16 values of {@link
     * #wide} at even positions twice, then the 16 at odd positions twice, as bytes (packed Q8_0 row pairs).
     */
    byte[] wideBytesTwice;
    /**
     * For {@link Kernels#wideInt8Kernels}, Q8_K format, made on first use: {@link #pairs} with each two
     * neighbouring 64-value spans interleaved by 16 shorts (span one's first 16, span two's first 16, ...).
     */
    short[] kPairsWide;
    /** The same for {@link #wide} (packed Q6_K): per 64 values, the evens of both 32s, then their odds. */
    short[] kWideRunPairs;
    int[] laneSumsTwice;
    /**
     * Generated rows for the 512-bit K-quant GEMM ({@code VectorKernels#kQuantPairs}), allocated by {@link
     * Kernels#reserveKQuantGemm} before the rows convert, off the heap so that its vectors are 64-byte aligned:
     * per row, {@link #values} with each 8 values twice in a row, so that one 512-bit load meets two weight rows.
     */
    java.lang.foreign.MemorySegment kqTwice;
    /**
     * Batched generated rows (Q8_0 format): the quantized values as floats in the order of the matrix-matrix
     * kernel for Q4_0 weights, and per pair of blocks the two scales spread over the lanes they scale. Made
     * on first use; the Q8_0 order goes into {@link #values}, which generated rows do not otherwise use.
     */
    float[] exactQ4;
    float[] pairScales;
    /**
     * Prompt rows side by side for {@link Kernels#gemmPanels} (see {@link Kernels#panelRows}), made on first
     * use; {@link #panelsReady} says whether they hold the current rows.
     */
    float[] panels;
    boolean panelsReady;
    /**
     * Prompt rows for {@link Kernels#gemmPanels16}, made when a multiply with packed Q4_0 weights first needs
     * them: per panel of 32 rows their int8 values two to an int, and their block scales side by side.
     */
    int[] panels16;
    float[] panelScales16;
    /** Q8_K format: per panel and sub-block of 32 values, the rows' sums of them side by side (Q4_K's mins). */
    float[] panelSums16;
    boolean panels16Ready;
    /**
     * Rows in {@link #panels16}: {@link #gemmRows} (prompt rows), or {@link #allRows} when generated rows meet
     * row-lane Q4_0 weights there too (their arithmetic is the same); made with the panels.
     */
    int[] panel16Rows;
    int panel16Count;
    /**
     * Whether the generated rows' arrangements for the row-pair and batched Q4_0/Q8_0 kernels ({@link #wide},
     * {@link #pairs}, {@link #laneSums}, {@link #pairDx}, the doubled arrays, {@link #dotFloatScales}) are made:
     * with the conversion, or (when row-lane Q4_0 weights need none of them) by the first multiply whose
     * weights do.
     */
    boolean dotExtrasReady;
    /** Generated rows for {@link Kernels#dotQ4_0RowLanes} (Q8_0 format), made with the conversion. */
    int[] lanePairs;
    /** Whether the Q8_0 prompt rows' floats ({@link Kernels#prepareFloatGemm}, in {@link #values}) are made. */
    boolean promptFloatsReady;
    /**
     * Generated rows for {@link Kernels#gemmQ4_0PackedGenerated} (see {@link Kernels#prepareGeneratedGemm}):
     * their int8 values, sums and block scales as floats, in the kernel's order, made when a multiply first
     * needs them (the scales with the rest of the conversion), for the first {@link #dotFloatCount} generated
     * rows (0: none).
     */
    float[] dotFloats;
    float[] dotFloatSums;
    float[] dotFloatScales;
    int dotFloatCount;
    /** The same rows in the order of {@link Kernels#gemmQ8_0PackedGenerated}. */
    float[] dotFloatsQ8_0;
    /** Whether {@link #dotFloats} (Q4_0's order) and {@link #dotFloatsQ8_0} hold the current rows. */
    boolean q4_0FloatsReady;
    boolean q8_0FloatsReady;
    /** Q8_K rows prepared for the K-quant GEMM: per block, the sums of sub-blocks 0, 2, 4, 6, 1, 3, 5, 7. */
    final float[] groupSums;
    ActivationFormat format;
    int rows;
    /** Rows multiplied with the matrix-matrix kernel (prompt tokens), in row order. */
    final int[] gemmRows;
    int gemmCount;
    /** Rows multiplied one by one with the matrix-vector kernels (generated tokens). */
    final int[] dotRows;
    int dotCount;
    /** 0, 1, ..., capacity - 1: every row, for kernels that take prompt and generated rows alike. */
    final int[] allRows;

    public QuantizedRows(int cols, int capacity) {
        this.cols = cols;
        this.capacity = capacity;
        this.values = new float[cols * capacity];
        this.quants = new byte[cols * capacity];
        this.scales = new float[(cols / Q8_0_BLOCK + 1) * capacity];
        this.sums = new short[(cols / 16 + 1) * capacity];
        this.wide = new short[cols * capacity];
        this.pairs = new short[cols * capacity];
        this.laneSums = new int[(cols / 8) * capacity];
        this.subSums = new int[(cols / 32) * capacity];
        this.pairDx = new float[(cols / 8) * capacity];
        this.groupSums = new float[(cols / 32) * capacity];
        this.gemmRows = new int[capacity];
        this.dotRows = new int[capacity];
        this.allRows = java.util.stream.IntStream.range(0, capacity).toArray();
    }

    public int cols() {
        return cols;
    }

    public int rows() {
        return rows;
    }

    public ActivationFormat format() {
        return format;
    }

    /** Blocks per row in the current format. */
    int blocksPerRow() {
        return switch (format) {
            case Q8_0 -> cols / Q8_0_BLOCK;
            case Q8_K -> cols / Q8_K_BLOCK;
            default -> 0;
        };
    }
}
