package dev.djinn.core.kernel;

import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Matrix multiplies of weight tensors (read in place, in their storage format) with batches of activation
 * rows, split over a {@link ComputePool}. Several weights that share an input are multiplied in one dispatch
 * ({@link #multiply(Tensor[], QuantizedRows, float[][], int[])}), after one conversion of that input.
 *
 * <p>Output layout: for batch row {@code b} and weight row {@code r}, {@code out[b * stride + r]}.
 */
public final class MatMul {
    private static final int MIN_ROWS_PER_CHUNK = 4;

    private final Kernels kernels;
    private final ComputePool pool;
    /** Whether K-quant weights may be packed: only then do Q8_K rows need the packed kernels' arrangement. */
    private final boolean packedKQuants;
    // the job being run; fields instead of a capturing lambda so a dispatch allocates nothing
    private Tensor[] jobWeights;
    private float[][] jobOutputs;
    private int[] jobRowStart = new int[8];
    private QuantizedRows jobInput;
    private int[] jobStrides;
    private final ComputePool.RangeTask rowTask = this::rows;
    private final Tensor[] single = new Tensor[1];
    private final float[][] singleOut = new float[1][];
    private final int[] singleStride = new int[1];

    public MatMul(Kernels kernels, ComputePool pool) {
        this.kernels = kernels;
        this.pool = pool;
        this.packedKQuants = kernels.packs(GgmlType.Q4_K) || kernels.packs(GgmlType.Q6_K);
    }

    public Kernels kernels() {
        return kernels;
    }

    public ComputePool pool() {
        return pool;
    }

    /** Converts {@code rows} rows of {@code x} for the matrix-vector kernels (no prompt rows). */
    public void prepare(ActivationFormat format, float[] x, int rows, QuantizedRows out) {
        prepare(format, x, rows, null, out);
    }

    /**
     * Converts {@code rows} rows of {@code x} (row length {@code out.cols()}) into {@code format}. Rows flagged
     * in {@code prompt} (may be null) are multiplied with the matrix-matrix kernel, the others one by one.
     */
    public void prepare(ActivationFormat format, float[] x, int rows, boolean[] prompt, QuantizedRows out) {
        if (rows > out.capacity) {
            throw new IllegalArgumentException("batch of " + rows + " exceeds capacity " + out.capacity);
        }
        out.format = format;
        out.rows = rows;
        out.gemmCount = 0;
        out.dotCount = 0;
        for (int r = 0; r < rows; r++) {
            if (prompt != null && prompt[r]) {
                out.gemmRows[out.gemmCount++] = r;
            } else {
                out.dotRows[out.dotCount++] = r;
            }
        }
        if (format == ActivationFormat.Q8_0 && out.dotCount > 0 && out.pairShortsTwice == null
                && kernels.wideInt8Kernels()) {
            out.pairShortsTwice = new short[out.cols * out.capacity];
            out.wideBytesTwice = new byte[2 * out.cols * out.capacity];
            out.laneSumsTwice = new int[2 * (out.cols / 8) * out.capacity];
        }
        if (format == ActivationFormat.Q8_0 && out.dotCount > 0 && out.lanePairs == null && kernels.q4_0RowLanes()) {
            out.lanePairs = new int[out.cols / 2 * out.capacity];
        }
        if (format == ActivationFormat.Q8_K && out.dotCount > 0 && out.kPairsWide == null && packedKQuants
                && kernels.wideInt8Kernels()) {
            out.kPairsWide = new short[out.cols * out.capacity];
            out.kWideRunPairs = new short[out.cols * out.capacity];
        }
        if (format == ActivationFormat.Q8_K && out.dotCount >= MIN_BATCHED_DOTS) {
            kernels.reserveKQuantGemm(out); // here: the rows below convert in parallel
        }
        // with row-lane Q4_0 weights a generated row needs only its quants, scales, sums and lane pairs: the
        // other kernels' arrangements wait for a multiply that needs them (ensureDotExtras)
        out.dotExtrasReady = !(format == ActivationFormat.Q8_0 && kernels.q4_0RowLanes());
        prepFormat = format;
        prepX = x;
        prepPrompt = prompt;
        prepOut = out;
        if (rows > 1) {
            // a prompt's or a batch's rows convert in parallel (one row: too little work to split)
            pool.parallelFor(rows, 1, prepareTask);
        } else {
            prepareRows(0, rows);
        }
        prepX = null;
        prepPrompt = null;
        // the prompt rows' panels are made by the first multiply that needs them (see preparePanels)
        out.panelsReady = false;
        out.panels16Ready = false;
        out.promptFloatsReady = false;
        out.dotFloatCount = 0;
        out.q4_0FloatsReady = false;
        out.q8_0FloatsReady = false;
        prepOut = null;
        if (out.dotExtrasReady) {
            batchedDotExtras(out);
        }
    }

    /**
     * The generated rows' arrangements that {@link #prepare} left for later ({@link QuantizedRows#dotExtrasReady}),
     * made now: before a multiply with weights other than row-lane Q4_0 ones, or a lone {@link #dotRow}.
     */
    private void ensureDotExtras(QuantizedRows x) {
        if (x.dotExtrasReady) {
            return;
        }
        x.dotExtrasReady = true;
        if (x.dotCount > 0) {
            prepOut = x;
            if (x.dotCount > 1) {
                pool.parallelFor(x.dotCount, 1, dotExtrasTask);
            } else {
                dotExtrasRows(0, 1);
            }
            prepOut = null;
        }
        batchedDotExtras(x);
    }

    private final ComputePool.RangeTask dotExtrasTask = this::dotExtrasRows;

    private void dotExtrasRows(int from, int to) {
        QuantizedRows out = prepOut;
        for (int i = from; i < to; i++) {
            rowExtras(out, out.dotRows[i], out.cols);
        }
    }

    /** Generated row {@code r}'s arrangements for the row-pair Q4_0 and Q8_0 kernels (Q8_0 format). */
    private static void rowExtras(QuantizedRows out, int r, int n) {
        int off = r * n;
        widen(out, off, n);
        pairUp(out, off, n);
        laneSums(out, r, n);
        pairScales(out, r, n);
        if (out.pairShortsTwice != null) {
            twice(out, r, n);
        }
    }

    /** The batched generated-row kernels' preparations (Q8_0 format): their scales, and the GEMM dots' rows. */
    private void batchedDotExtras(QuantizedRows out) {
        ActivationFormat format = out.format;
        int group = kernels.generatedGemmTokens();
        if (format == ActivationFormat.Q8_0 && group > 0 && out.cols % 64 == 0) {
            // whole groups, and a last part group when it is big enough to beat the int8 kernels
            int whole = out.dotCount / group * group;
            int floats = out.dotCount - whole >= MIN_GENERATED_GEMM_ROWS ? out.dotCount : whole;
            if (floats > 0) {
                int slots = Math.ceilDiv(floats, group) * group;
                if (out.dotFloatScales == null || out.dotFloatScales.length < slots * (out.cols / 32)) {
                    // sized for the batch at hand: a step's generated rows are usually far fewer than the capacity
                    out.dotFloatScales = new float[slots * (out.cols / 32)];
                }
                out.dotFloatCount = floats;
                for (int g = 0; g < slots / group; g++) {
                    generatedScales(out, g, group);
                }
            }
        }
        if (format == ActivationFormat.Q8_0 && out.dotCount >= MIN_GEMM_DOTS) {
            for (int i = 0; i < out.dotCount; i++) {
                kernels.prepareGemmDots(out, out.dotRows[i]);
            }
        }
    }

    // the conversion being run; fields instead of a capturing lambda so a dispatch allocates nothing
    private ActivationFormat prepFormat;
    private float[] prepX;
    private boolean[] prepPrompt;
    private QuantizedRows prepOut;
    private final ComputePool.RangeTask prepareTask = this::prepareRows;
    private final ComputePool.RangeTask panelTask = this::panelRows;
    private final ComputePool.RangeTask panel16Task = this::panelRows16;
    private final ComputePool.RangeTask promptFloatTask = this::promptFloats;
    private final ComputePool.RangeTask generatedGemmTask = this::generatedGemmRows;
    private final ComputePool.RangeTask generatedGemmQ8_0Task = this::generatedGemmQ8_0Rows;
    private QuantizedRows generatedInput;

    private void generatedGemmRows(int from, int to) {
        for (int g = from; g < to; g++) {
            kernels.prepareGeneratedGemm(generatedInput, g);
        }
    }

    private void generatedGemmQ8_0Rows(int from, int to) {
        for (int g = from; g < to; g++) {
            kernels.prepareGeneratedGemmQ8_0(generatedInput, g);
        }
    }

    /** Group {@code g}'s block scales side by side (slots past {@code dotFloatCount}: zeros). */
    private static void generatedScales(QuantizedRows x, int g, int group) {
        int blocks = x.cols / 32;
        for (int i = 0; i < group; i++) {
            int slot = g * group + i;
            boolean present = slot < x.dotFloatCount;
            int t = present ? x.dotRows[slot] : 0;
            for (int b = 0; b < blocks; b++) {
                x.dotFloatScales[(g * blocks + b) * group + i] = present ? x.scales[t * blocks + b] : 0f;
            }
        }
    }

    /**
     * Makes the generated-row floats the packed Q4_0 or Q8_0 weights among {@code ws} read, once per converted
     * input: only the layout a model's weights use is made.
     */
    private void prepareGeneratedFloats(Tensor[] ws, QuantizedRows x) {
        int group = kernels.generatedGemmTokens();
        int groups = Math.ceilDiv(x.dotFloatCount, group);
        int slots = groups * group;
        generatedInput = x;
        for (Tensor w : ws) {
            if (w.packed() == null || w.rowLanes()) {
                continue;
            }
            if (w.type() == GgmlType.Q4_0 && !x.q4_0FloatsReady) {
                if (x.dotFloats == null || x.dotFloats.length < slots * x.cols) {
                    x.dotFloats = new float[slots * x.cols];
                    x.dotFloatSums = new float[slots * (x.cols / 8)];
                }
                pool.parallelFor(groups, 1, generatedGemmTask);
                x.q4_0FloatsReady = true;
            } else if (w.type() == GgmlType.Q8_0 && !x.q8_0FloatsReady) {
                if (x.dotFloatsQ8_0 == null || x.dotFloatsQ8_0.length < slots * x.cols) {
                    x.dotFloatsQ8_0 = new float[slots * x.cols];
                }
                pool.parallelFor(groups, 1, generatedGemmQ8_0Task);
                x.q8_0FloatsReady = true;
            }
        }
        generatedInput = null;
    }

    private void panelRows(int from, int to) {
        for (int p = from; p < to; p++) {
            kernels.panelRows(prepOut, p);
        }
    }

    private void promptFloats(int from, int to) {
        for (int i = from; i < to; i++) {
            kernels.prepareFloatGemm(prepOut, prepOut.gemmRows[i]);
        }
    }

    private void panelRows16(int from, int to) {
        for (int p = from; p < to; p++) {
            kernels.panelRows16(prepOut, p);
        }
    }

    /** Whether {@code w} meets {@code x}'s prompt rows in 16-bit integers ({@link Kernels#gemmPanels16}). */
    private boolean int16Prompts(Tensor w, QuantizedRows x) {
        if (!kernels.int16Prompts()) {
            return false;
        }
        // Q4_K: only where every row can (the K-quant path below does a tile's prompt and generated rows at once)
        return x.format == ActivationFormat.Q8_0 && w.type() == GgmlType.Q4_0
                || x.format == ActivationFormat.Q8_K && w.type() == GgmlType.Q4_K && w.rows() % 2 == 0;
    }

    /**
     * Makes the panels of {@code x}'s prompt rows that the weights in {@code ws} read, once per converted input:
     * 16-bit ones for Q4_0 and Q4_K weights (see {@link #int16Prompts}), float ones for the rest (K-quants:
     * where their prompt rows take floats, see VectorKernels.floatRows).
     */
    private void preparePanels(Tensor[] ws, QuantizedRows x, boolean lanesBatch) {
        boolean int16 = false;
        boolean floats = false;
        for (Tensor w : ws) {
            if (int16Prompts(w, x)) {
                int16 = true;
                floats |= w.rows() % 2 != 0; // an odd last row takes the float kernel
            } else {
                floats = true;
            }
        }
        prepOut = x;
        if (floats && x.gemmCount > 0 && x.format == ActivationFormat.Q8_0 && !x.promptFloatsReady) {
            pool.parallelFor(x.gemmCount, 1, promptFloatTask);
            x.promptFloatsReady = true;
        }
        // generated rows join the prompt rows in the panels where row-lane weights take them all at once
        int[] panelRows = lanesBatch ? x.allRows : x.gemmRows;
        if (int16 && (!x.panels16Ready || x.panel16Rows != panelRows)) {
            x.panel16Rows = panelRows;
            x.panel16Count = lanesBatch ? x.rows : x.gemmCount;
            int panels = Math.ceilDiv(x.panel16Count, Int16Gemm.PANEL);
            if (x.panels16 == null) {
                int capacity = Math.ceilDiv(x.capacity, Int16Gemm.PANEL);
                x.panels16 = new int[capacity * Int16Gemm.PANEL * (x.cols / 2)];
                x.panelScales16 = new float[capacity * Int16Gemm.PANEL * (x.cols / 32)];
            }
            if (x.format == ActivationFormat.Q8_K && x.panelSums16 == null) {
                x.panelSums16 = new float[x.panelScales16.length];
            }
            pool.parallelFor(panels, 1, panel16Task);
            x.panels16Ready = true;
        }
        if (floats && x.gemmCount > 0 && !x.panelsReady && (x.format != ActivationFormat.Q8_K || kernels.kQuantPromptsAsFloat())
                && kernels.promptPanels()) {
            int width = kernels.panelWidth();
            int panels = Math.ceilDiv(x.gemmCount, width);
            if (x.panels == null) {
                x.panels = new float[Math.ceilDiv(x.capacity, width) * width * x.cols];
            }
            pool.parallelFor(panels, 1, panelTask);
            x.panelsReady = true;
        }
        prepOut = null;
    }

    /** Rows [from, to) of the conversion {@link #prepare} set up; each row writes only its own parts. */
    private void prepareRows(int from, int to) {
        ActivationFormat format = prepFormat;
        float[] x = prepX;
        boolean[] prompt = prepPrompt;
        QuantizedRows out = prepOut;
        int n = out.cols;
        for (int r = from; r < to; r++) {
            int off = r * n;
            switch (format) {
                case F32 -> System.arraycopy(x, off, out.values, off, n);
                case F16 -> kernels.roundF16(x, off, out.values, off, n);
                case BF16 -> kernels.roundBF16(x, off, out.values, off, n);
                case Q8_0 -> {
                    kernels.quantizeQ8_0(x, off, n, out.quants, off, out.scales, r * (n / 32));
                    if (prompt != null && prompt[r]) {
                        // prompt rows: their floats (for the float GEMM) or 16-bit panels when a multiply needs
                        // them (see preparePanels)
                    } else {
                        blockSums(out, r, n);
                        if (out.dotExtrasReady) {
                            rowExtras(out, r, n);
                        }
                        if (out.lanePairs != null) {
                            kernels.prepareRowLanes(out, r);
                        }
                    }
                }
                case Q8_K -> {
                    kernels.quantizeQ8_K(x, off, n, out.quants, off, out.scales, r * (n / 256),
                            out.sums, r * (n / 16));
                    widen(out, off, n);
                    if (packedKQuants && n % 256 == 0) {
                        kQuartets(out, r, n);
                        if (out.kPairsWide != null) {
                            kSpansInterleaved(out, r, n);
                            kRunPairs(out, r, n);
                        }
                    }
                    // prompt rows, and generated rows when several may share the K-quant GEMM (see rowsOf)
                    boolean promptRow = prompt != null && prompt[r];
                    if (promptRow && kernels.kQuantPromptsAsFloat()) {
                        kernels.prepareKQuantFloatGemm(out, r);
                    } else if (promptRow || out.dotCount >= MIN_BATCHED_DOTS) {
                        kernels.prepareKQuantGemm(out, r);
                    }
                }
            }
        }
    }

    /**
     * Generated rows in one step up to which packed K-quant weights take the packed matrix-vector kernel per row
     * rather than the K-quant GEMM (JMH, 2048 x 2048 Q4_K, one thread: 2 rows 1.0 ms against 1.7, 4 rows 2.0
     * against 2.3).
     */
    static final int MAX_PACKED_K_DOTS = 4;

    /**
     * Generated rows in one step from which Q8_0 and unpacked Q4_0 weights take the batched kernel ({@link
     * Kernels#gemmDots}): below it the dot kernel row by row is faster (JMH, 2048 x 2048 Q8_0, one thread: 2 rows
     * 1.80 ms batched against 0.40-0.47 ms per row; 4 rows 1.98 ms; 16 rows 6.7 against 6.4-7.4). Packed Q4_0
     * weights never do: the packed matrix-vector kernel takes 0.30-0.39 ms per row against the batched kernel's
     * 0.93 (2 rows), 0.49 (8), 0.43 (64).
     */
    static final int MIN_GEMM_DOTS = 5;

    /** Weight rows per call of {@link Kernels#gemmQ4_0PackedGenerated} and {@link Kernels#gemmQ8_0PackedGenerated}. */
    static final int GENERATED_GEMM_ROWS = 32;

    /**
     * Generated rows from which a part group of {@link Kernels#generatedGemmTokens} (eight) takes the float GEMM
     * for packed Q4_0 and Q8_0 weights rather than the int8 kernels: it costs what a whole group does, about
     * six rows' worth of the int8 kernels (JMH MatMat, Q4_0, 2048 x 8192, one thread: 8 generated rows 2.6 ms
     * against 3.4 through the int8 kernels; 4 rows 1.7 through the int8 kernels).
     */
    static final int MIN_GENERATED_GEMM_ROWS = 6;

    /** Generated rows in one step from which F16 and K-quant weights share their prompt GEMM. */
    static final int MIN_BATCHED_DOTS = 2;

    /**
     * Q8_0 format: per pair of blocks b, b+1, eight times the sums of the activations that each 32-bit lane of
     * the Q4_0 pair kernel multiplies: lane j &lt; 4 takes values 4j..4j+3 and 4j+16..4j+19 of block b, lane
     * j &gt;= 4 the same of block b+1.
     */
    private static void laneSums(QuantizedRows out, int row, int n) {
        byte[] q = out.quants;
        int[] s = out.laneSums;
        int pairs = n / 64;
        for (int p = 0; p < pairs; p++) {
            for (int j = 0; j < 8; j++) {
                int base = row * n + 64 * p + 32 * (j / 4) + 4 * (j % 4);
                int sum = 0;
                for (int m = 0; m < 4; m++) {
                    sum += q[base + m] + q[base + 16 + m];
                }
                s[row * (n / 8) + 8 * p + j] = 8 * sum;
            }
        }
    }

    /** Q8_0 format: {@link QuantizedRows#pairShortsTwice}, {@code wideBytesTwice} and {@code laneSumsTwice}. */
    private static void twice(QuantizedRows out, int row, int n) {
        for (int b = row * n; b < (row + 1) * n; b += 32) {
            for (int half = 0; half < 2; half++) {
                for (int i = 0; i < 16; i++) {
                    byte v = (byte) out.wide[b + 16 * half + i];
                    out.wideBytesTwice[2 * b + 32 * half + i] = v;
                    out.wideBytesTwice[2 * b + 32 * half + 16 + i] = v;
                }
            }
        }
        int pairs = n / 64;
        for (int p = 0; p < pairs; p++) {
            int from = row * n + 64 * p;
            int to = 2 * from;
            // positions 0 and 1, then 2 and 3: each 16 values twice, two to a short
            for (int c = 0; c < 4; c += 2) {
                for (int i = 0; i < 32; i++) {
                    int lo = out.pairs[from + 16 * c + i % 16] & 0xFF;
                    int hi = out.pairs[from + 16 * (c + 1) + i % 16] & 0xFF;
                    out.pairShortsTwice[from + 16 * c + i] = (short) (lo | hi << 8);
                }
            }
            int ls = row * (n / 8) + 8 * p;
            System.arraycopy(out.laneSums, ls, out.laneSumsTwice, 2 * ls, 8);
            System.arraycopy(out.laneSums, ls, out.laneSumsTwice, 2 * ls + 8, 8);
        }
    }

    /** Q8_0 format: {@link QuantizedRows#pairDx}, each pair of blocks' scales alternating over eight lanes. */
    private static void pairScales(QuantizedRows out, int row, int n) {
        int pairs = n / 64;
        for (int p = 0; p < pairs; p++) {
            for (int j = 0; j < 8; j++) {
                out.pairDx[row * (n / 8) + 8 * p + j] = out.scales[row * (n / 32) + 2 * p + (j & 1)];
            }
        }
    }

    /**
     * Q8_K format: {@link QuantizedRows#pairs} and {@link QuantizedRows#subSums} for packed Q4_K weights.
     */
    private static void kQuartets(QuantizedRows out, int row, int n) {
        byte[] q = out.quants;
        short[] p = out.pairs;
        for (int base = row * n; base < (row + 1) * n; base += 64) {
            for (int k = 0; k < 4; k++) {
                for (int lane = 0; lane < 8; lane++) {
                    p[base + 16 * k + 2 * lane] = q[base + 4 * lane + k];
                    p[base + 16 * k + 2 * lane + 1] = q[base + 32 + 4 * lane + k];
                }
            }
        }
        for (int s = 0; s < n / 32; s++) {
            int o = row * (n / 16) + 2 * s;
            out.subSums[row * (n / 32) + s] = out.sums[o] + out.sums[o + 1];
        }
    }

    /** Q8_K format: {@link QuantizedRows#kWideRunPairs} from {@link QuantizedRows#wide}. */
    private static void kRunPairs(QuantizedRows out, int row, int n) {
        for (int base = row * n; base < (row + 1) * n; base += 64) {
            System.arraycopy(out.wide, base, out.kWideRunPairs, base, 16);
            System.arraycopy(out.wide, base + 32, out.kWideRunPairs, base + 16, 16);
            System.arraycopy(out.wide, base + 16, out.kWideRunPairs, base + 32, 16);
            System.arraycopy(out.wide, base + 48, out.kWideRunPairs, base + 48, 16);
        }
    }

    /** Q8_K format: {@link QuantizedRows#kPairsWide} from {@link QuantizedRows#pairs}. */
    private static void kSpansInterleaved(QuantizedRows out, int row, int n) {
        for (int base = row * n; base < (row + 1) * n; base += 128) {
            for (int k = 0; k < 4; k++) {
                System.arraycopy(out.pairs, base + 16 * k, out.kPairsWide, base + 32 * k, 16);
                System.arraycopy(out.pairs, base + 64 + 16 * k, out.kPairsWide, base + 32 * k + 16, 16);
            }
        }
    }

    /** Fills {@link QuantizedRows#wide}: per 32 values, the even-position ones then the odd-position ones. */
    private static void widen(QuantizedRows out, int off, int n) {
        byte[] q = out.quants;
        short[] w = out.wide;
        for (int b = off; b < off + n; b += 32) {
            for (int k = 0; k < 16; k++) {
                w[b + k] = q[b + 2 * k];
                w[b + 16 + k] = q[b + 2 * k + 1];
            }
        }
    }

    /**
     * Fills {@link QuantizedRows#pairs} from {@code wide}: for blocks b and b+1, the four 8-value quarters of
     * their even/odd split, interleaved as [b's quarter, b+1's quarter] for each quarter in turn.
     */
    private static void pairUp(QuantizedRows out, int off, int n) {
        short[] w = out.wide;
        short[] p = out.pairs;
        for (int b = off; b + 63 < off + n; b += 64) {
            for (int quarter = 0; quarter < 4; quarter++) {
                System.arraycopy(w, b + 8 * quarter, p, b + 16 * quarter, 8);
                System.arraycopy(w, b + 32 + 8 * quarter, p, b + 16 * quarter + 8, 8);
            }
        }
    }

    /** Q8_0 format: the sum of each block's quantized values (Q4_0 kernels fold the -8 offset with it). */
    private static void blockSums(QuantizedRows out, int row, int n) {
        int blocks = n / 32;
        for (int b = 0; b < blocks; b++) {
            int sum = 0;
            int base = row * n + 32 * b;
            for (int i = 0; i < 32; i++) {
                sum += out.quants[base + i];
            }
            out.sums[row * blocks + b] = (short) sum;
        }
    }

    /** {@code out = w · x} for every prepared row of {@code x}. */
    public void multiply(Tensor w, QuantizedRows x, float[] out, int stride) {
        single[0] = w;
        singleOut[0] = out;
        singleStride[0] = stride;
        multiply(single, x, singleOut, singleStride);
        single[0] = null;
        singleOut[0] = null;
    }

    /**
     * Multiplies every weight in {@code ws} with the same prepared input, in one parallel dispatch; output
     * {@code i} goes to {@code outs[i]} with row stride {@code strides[i]}.
     */
    public void multiply(Tensor[] ws, QuantizedRows x, float[][] outs, int[] strides) {
        if (jobRowStart.length < ws.length + 1) {
            jobRowStart = new int[ws.length + 1];
        }
        int total = 0;
        for (int i = 0; i < ws.length; i++) {
            checkCompatible(ws[i], x);
            jobRowStart[i] = total;
            total += ws[i].rows();
        }
        jobRowStart[ws.length] = total;
        boolean lanes = false;
        boolean otherKernels = false;
        for (Tensor w : ws) {
            lanes |= w.rowLanes();
            otherKernels |= !w.rowLanes();
        }
        if (otherKernels) {
            ensureDotExtras(x);
        }
        if (x.dotFloatCount > 0) {
            prepareGeneratedFloats(ws, x);
        }
        boolean lanesBatch = lanes && lanesBatch(x);
        if (x.gemmCount > 0 || lanesBatch) {
            preparePanels(ws, x, lanesBatch);
        }
        jobWeights = ws;
        jobOutputs = outs;
        jobInput = x;
        jobStrides = strides;
        try {
            // many generated rows take packed Q4_0 and Q8_0 weights 32 rows at a time: chunks of whole such tiles;
            // row-lane weights go a quad of rows at a time
            pool.parallelFor(total, chunkRows(total, x, lanes), rowTask);
        } finally {
            jobWeights = null;
            jobOutputs = null;
            jobInput = null;
        }
    }

    /**
     * Rows per chunk of a multiply's job are a multiple of this: the generated-row GEMMs' 32-row tiles, and the
     * 16-bit prompt kernel's 24-row tiles (of six-row tiles; a part one leaves slower two-row ones).
     */
    private int minRowsPerChunk(QuantizedRows x) {
        boolean int16 = x.panels16Ready;
        if (x.dotFloatCount > 0) {
            return int16 ? 3 * GENERATED_GEMM_ROWS : GENERATED_GEMM_ROWS;
        }
        return int16 ? INT16_TILE_ROWS : MIN_ROWS_PER_CHUNK;
    }

    /** Weight rows per tile of {@link #int16Rows} where rows are at most 4096 values (half that beyond). */
    private static final int INT16_TILE_ROWS = 24;

    private static void checkCompatible(Tensor w, QuantizedRows x) {
        if (w.cols() != x.cols) {
            throw new IllegalArgumentException(w.name() + " has rows of " + w.cols() + " but the input has "
                    + x.cols + " columns");
        }
        if (ActivationFormat.forWeights(w.type()) != x.format) {
            throw new IllegalArgumentException(w.name() + " (" + w.type() + ") needs " +
                    ActivationFormat.forWeights(w.type()) + " input, got " + x.format);
        }
    }

    /** Computes global rows [from, to) of the current job, which may span several weights. */
    private void rows(int from, int to) {
        Tensor[] ws = jobWeights;
        int wi = 0;
        while (jobRowStart[wi + 1] <= from) {
            wi++;
        }
        int r = from;
        while (r < to) {
            int end = Math.min(to, jobRowStart[wi + 1]);
            rowsOf(ws[wi], jobOutputs[wi], jobStrides[wi], r - jobRowStart[wi], end - jobRowStart[wi]);
            r = end;
            wi++;
        }
    }

    private void rowsOf(Tensor w, float[] out, int stride, int from, int to) {
        QuantizedRows x = jobInput;
        if (w.rowLanes()) {
            laneRows(w, out, stride, from, to);
            return;
        }
        // several generated rows whose dot kernel the GEMM reproduces bit for bit: every row in one GEMM pass
        boolean shared = x.dotCount >= MIN_BATCHED_DOTS && kernels.gemmEqualsDot(w.type(), x.cols);
        if (x.format == ActivationFormat.Q8_K) {
            // packed K-quant rows: a few generated rows go faster through the packed matrix-vector kernel
            shared &= w.packed() == null || x.dotCount > MAX_PACKED_K_DOTS;
            // Q4_K prompt rows in 16-bit integers where the kernels do that: every row of [from, to)
            boolean prompts = x.gemmCount > 0;
            if (prompts && x.panels16Ready && int16Prompts(w, x)) {
                int16Rows(w, out, stride, from, to);
                prompts = false;
            }
            if (prompts || shared) {
                // prompt rows in floats where the kernels do that, generated rows sharing the GEMM in integers
                boolean floats = kernels.kQuantPromptsAsFloat();
                int[] ts = floats || !prompts ? x.dotRows : shared ? x.allRows : x.gemmRows;
                int count = floats || !prompts ? (shared ? x.dotCount : 0) : shared ? x.rows : x.gemmCount;
                int floatCount = floats && prompts ? x.gemmCount : 0;
                for (int r = from; r < to; r += GEMM_TILE_ROWS) {
                    int n = Math.min(GEMM_TILE_ROWS, to - r);
                    if (wholePackedGroups(w, r, n)) {
                        long group = PackedBlocks.groupBytes(w) * (r / PackedBlocks.GROUP_ROWS);
                        kernels.gemmKQuantPacked(w.type(), w.packed(), group, n, x, ts, count, x.gemmRows, floatCount,
                                out, stride, r);
                    } else {
                        kernels.gemmKQuant(w.type(), ggufRows(w, r, n), ggufOffset(w, r), w.rowBytes(), n, x, ts, count,
                                x.gemmRows, floatCount, out, stride, r);
                    }
                }
                if (shared) {
                    return;
                }
            }
            int r = w.packed() != null ? packedRows(w, out, stride, from, to) : from;
            for (; r < to; r++) {
                for (int i = 0; i < x.dotCount; i++) {
                    int b = x.dotRows[i];
                    out[b * stride + r] = dotRow(w, r, x, b);
                }
            }
            return;
        }
        // (packed Q4_0 rows: the packed matrix-vector kernel per generated row beats the batched kernel at every
        // batch size measured, 2 to 64 rows; packed Q8_0 rows too: 4, 8 and 16 rows of 2048x2048 in 1.5, 2.8
        // and 6.2 ms against 2.0, 3.7 and 8.1 batched: below)
        if ((w.type() == GgmlType.Q8_0 || w.type() == GgmlType.Q4_0) && x.dotCount >= MIN_GEMM_DOTS
                && w.packed() == null) {
            // decoded tiles of about 128 KiB: they stay in L2 beside the activations of the rows passing them
            int tileRows = Math.clamp(32768 / x.cols, 2, GEMM_TILE_ROWS);
            for (int r = from; r < to; r += tileRows) {
                int n = Math.min(tileRows, to - r);
                kernels.gemmDots(w.type(), w.data(), w.rowBytes() * r, w.rowBytes(), n, x, out, stride, r);
            }
            if (x.gemmCount > 0) {
                promptRows(w, out, stride, from, to);
            }
            return;
        }
        if (shared) {
            // generated rows through the GEMM that equals their dot kernel; prompt rows from their panels when
            // made, as in a step without generated rows (a row's arithmetic never depends on its batch)
            if (x.panelsReady) {
                floatRows(w, out, stride, from, to, x.dotRows, x.dotCount, true);
            } else {
                floatRows(w, out, stride, from, to, x.allRows, x.rows, false);
            }
            return;
        }
        if (!floatGemm(w.type())) {
            for (int r = from; r < to; r++) {
                for (int b = 0; b < x.rows; b++) {
                    out[b * stride + r] = dotRow(w, r, x, b);
                }
            }
            return;
        }
        if (x.gemmCount > 0) {
            promptRows(w, out, stride, from, to);
        }
        int[] dots = x.dotRows;
        int r = from;
        if (w.packed() != null) {
            r = packedRows(w, out, stride, from, to);
        }
        for (; r < to; r++) {
            for (int i = 0; i < x.dotCount; i++) {
                int b = dots[i];
                out[b * stride + r] = dotRow(w, r, x, b);
            }
        }
    }

    /**
     * Rows per chunk of a multiply's job. A step of generated rows alone (dot kernels, bound by memory) takes
     * two chunks per thread, each a long stream of weights: finer chunks, which balance the threads better,
     * measured far slower (turn by turn, 1B Q4_K_M generation 36.1 t/s with the pool's 16 chunks per thread
     * against 40.5 with two; JMH MatVec Q4_0 8192x16384, 2 threads: 2.5 ms with 16 per thread, 2.1 with 8,
     * 1.4 with 2; row-lane chunks of one quad left 1B Q4_0 generation at 28-43 t/s against 40-53). Steps with
     * prompt rows keep the kernels' tiles as the unit and the pool's finer chunks.
     */
    private int chunkRows(int total, QuantizedRows x, boolean lanes) {
        int unit = lanes ? PackedBlocks.QUAD_ROWS : minRowsPerChunk(x);
        boolean dotsOnly = lanes ? !x.panels16Ready : x.gemmCount == 0 && x.dotFloatCount == 0 && !x.panels16Ready;
        if (!dotsOnly) {
            return unit;
        }
        return Math.max(unit, Math.ceilDiv(Math.ceilDiv(total, pool.threads() * GENERATED_CHUNKS_PER_THREAD), unit)
                * unit);
    }

    private static final int GENERATED_CHUNKS_PER_THREAD = 2;

    /**
     * Generated rows per 32-row panel of {@link Kernels#gemmPanels16} that cost what the panel does through
     * {@link Kernels#dotQ4_0RowLanes2} two by two (JMH MatMat, Q4_0 2048 x 8192, 2 threads: a panel 2.1-2.3 ms
     * whether it holds 4 or 32 rows; generated rows two by two 0.28 ms for 4, 1.09 for 16): a step of generated
     * rows alone takes them two by two, and they join a prompt's panels where those have room.
     */
    static final int LANE_ROWS_PER_PANEL = 32;

    /**
     * Whether a step's generated rows join its prompt rows in the 16-bit panels for row-lane weights: when the
     * panels they add cost less than taking them one by one. Both give the same bits.
     */
    private static boolean lanesBatch(QuantizedRows x) {
        if (x.dotCount == 0) {
            return false;
        }
        int panel = Int16Gemm.PANEL;
        int together = Math.ceilDiv(x.gemmCount + x.dotCount, panel) * LANE_ROWS_PER_PANEL;
        int apart = Math.ceilDiv(x.gemmCount, panel) * LANE_ROWS_PER_PANEL + x.dotCount;
        return together < apart;
    }

    /**
     * Rows [from, to) of row-lane Q4_0 weights: the rows in the 16-bit panels (prompt rows, or every row of a
     * batched step) through {@link Kernels#gemmPanels16}, the other generated rows a quad at a time through
     * {@link Kernels#dotQ4_0RowLanes}; rows past the last whole quad, from the GGUF bytes in the same arithmetic.
     */
    private void laneRows(Tensor w, float[] out, int stride, int from, int to) {
        QuantizedRows x = jobInput;
        boolean panels = x.panels16Ready && x.panel16Count > 0;
        if (panels) {
            laneInt16Rows(w, out, stride, from, to);
        }
        if (panels && x.panel16Rows == x.allRows) {
            return;
        }
        int[] dots = x.dotRows;
        int quadRows = PackedBlocks.QUAD_ROWS;
        int end = Math.min(to, PackedBlocks.laneRows(w));
        long quadBytes = PackedBlocks.quadBytes(w);
        int r = from;
        while (r < end) {
            int start = r / quadRows * quadRows;
            int stop = Math.min(end, start + quadRows);
            long quad = (start / quadRows) * quadBytes;
            if (r == start && stop == start + quadRows) {
                int i = 0;
                // two generated rows a pass: each load's nibbles pulled apart once for both
                for (; i + 1 < x.dotCount; i += 2) {
                    int a = dots[i], b = dots[i + 1];
                    kernels.dotQ4_0RowLanes2(w.packed(), quad, x, a, b, out, a * stride + r, b * stride + r);
                }
                if (i < x.dotCount) {
                    int b = dots[i];
                    kernels.dotQ4_0RowLanes(w.packed(), quad, x, b, out, b * stride + r);
                }
            } else {
                // part of a quad (a chunk starting or ending inside one: a weight of the job before this one
                // with rows not whole quads): the whole quad into scratch
                float[] scratch = laneScratch();
                for (int i = 0; i < x.dotCount; i++) {
                    int b = dots[i];
                    kernels.dotQ4_0RowLanes(w.packed(), quad, x, b, scratch, 0);
                    System.arraycopy(scratch, r - start, out, b * stride + r, stop - r);
                }
            }
            r = stop;
        }
        for (; r < to; r++) {
            for (int i = 0; i < x.dotCount; i++) {
                int b = dots[i];
                out[b * stride + r] = ScalarKernels.dotQ4_0Fused(w.data(), w.rowBytes() * r, x, b);
            }
        }
    }

    private static final ThreadLocal<float[]> LANE_SCRATCH = new ThreadLocal<>();
    private static final ThreadLocal<float[]> LANE_ROW_SCALES = new ThreadLocal<>();
    private static final ThreadLocal<int[]> LANE_TILE = new ThreadLocal<>();
    private static final ThreadLocal<float[]> LANE_SCALES = new ThreadLocal<>();

    private static float[] laneScratch() {
        float[] s = LANE_SCRATCH.get();
        if (s == null) {
            s = new float[PackedBlocks.QUAD_ROWS];
            LANE_SCRATCH.set(s);
        }
        return s;
    }

    /**
     * The panel rows of {@code x} times row-lane Q4_0 weight rows [from, to) in tiles of 16-bit weights:
     * whole groups of sixteen decoded from the row-lane copy, other rows from the GGUF bytes, and an odd last
     * row of a tile in the same arithmetic one output at a time.
     */
    private void laneInt16Rows(Tensor w, float[] out, int stride, int from, int to) {
        QuantizedRows x = jobInput;
        int cols = x.cols;
        // tiles of whole groups (a quad where it fits), 128-264 KiB, in L2 with a panel; past 4096 columns, where
        // a panel alone nearly fills L2, three groups: 48 rows are whole six-row tiles of the kernel, where 16
        // left a quarter to the two-row one, which reads the panel for two rows (8B pp512 36.6 -> 37.1-38.5 t/s)
        int tileRows = cols <= 2048 ? 64 : cols <= 4096 ? 32 : 48;
        // rows a cache line more than their length apart: the sixteen rows a group decode writes at once would
        // otherwise fall in one set of L1 (4 KiB apart at 2048 columns) and evict each other
        int rowInts = cols / 2 + 16;
        int[] tile = LANE_TILE.get();
        float[] scales = LANE_SCALES.get();
        if (tile == null || tile.length < tileRows * rowInts || scales.length < tileRows * (cols / 32)) {
            tile = new int[tileRows * rowInts];
            scales = new float[tileRows * (cols / 32)];
            LANE_TILE.set(tile);
            LANE_SCALES.set(scales);
        }
        int lanes = PackedBlocks.laneRows(w);
        long quadBytes = PackedBlocks.quadBytes(w);
        int r = from;
        while (r < to) {
            int n = Math.min(tileRows, to - r);
            if (r % 16 != 0) {
                n = Math.min(n, 16 - r % 16); // to the next group's start
            }
            for (int i = 0; i < n; ) {
                int row = r + i;
                if (row % 16 == 0 && row + 16 <= lanes && i + 16 <= n) {
                    // the tile's whole groups within this quad at once (a whole quad is read in address order)
                    int q = row / PackedBlocks.QUAD_ROWS;
                    int g = (row % PackedBlocks.QUAD_ROWS) / 16;
                    int groups = Math.min(Math.min(4 - g, (n - i) / 16), (lanes - row) / 16);
                    kernels.decodeRowLanesInt16(w.packed(), q * quadBytes, g, groups, tile, i * rowInts, rowInts,
                            scales, i, tileRows, cols);
                    i += 16 * groups;
                } else {
                    // a GGUF row's scales come out row-major: into place beside the groups' block-major ones
                    float[] rowScales = LANE_ROW_SCALES.get();
                    if (rowScales == null || rowScales.length < cols / 32) {
                        rowScales = new float[cols / 32];
                        LANE_ROW_SCALES.set(rowScales);
                    }
                    kernels.decodeQ4_0Int16(w.data(), w.rowBytes() * row, tile, i * rowInts, rowScales, 0, cols);
                    for (int b = 0; b < cols / 32; b++) {
                        scales[b * tileRows + i] = rowScales[b];
                    }
                    i++;
                }
            }
            int even = n & ~1;
            if (even > 0) {
                kernels.gemmPanels16(tile, rowInts, scales, 1, tileRows, null, even, x, out, stride, r);
            }
            if (even < n) {
                int row = r + even;
                for (int j = 0; j < x.panel16Count; j++) {
                    int b = x.panel16Rows[j];
                    out[b * stride + row] = ScalarKernels.dotQ4_0Fused(w.data(), w.rowBytes() * row, x, b);
                }
            }
            r += n;
        }
    }

    /** Whether weight rows [r, r + n) are whole groups of {@code w}'s packed copy. */
    private static boolean wholePackedGroups(Tensor w, int r, int n) {
        return w.packed() != null && r % PackedBlocks.GROUP_ROWS == 0 && n % PackedBlocks.GROUP_ROWS == 0
                && r + n <= PackedBlocks.packedRows(w);
    }

    /**
     * Generated rows times the packed groups of weight rows within [from, to); rows before the first whole
     * group are done one by one from the GGUF bytes. Returns the first row not done.
     */
    private int packedRows(Tensor w, float[] out, int stride, int from, int to) {
        QuantizedRows x = jobInput;
        int[] dots = x.dotRows;
        int r = from;
        for (; r < to && r % PackedBlocks.GROUP_ROWS != 0; r++) {
            for (int i = 0; i < x.dotCount; i++) {
                int b = dots[i];
                out[b * stride + r] = dotRow(w, r, x, b);
            }
        }
        int end = Math.min(to, PackedBlocks.packedRows(w));
        long groupBytes = PackedBlocks.groupBytes(w);
        GgmlType type = w.type();
        if (type == GgmlType.Q8_0 && x.dotCount == 1 && r < end) {
            // one generated row: every row pair of the range in one pass (see Kernels#dotQ8_0PackedPairs)
            int groups = (end - r) / PackedBlocks.GROUP_ROWS;
            int b = dots[0];
            kernels.dotQ8_0PackedPairs(w.packed(), groupBytes * (r / PackedBlocks.GROUP_ROWS), 2 * groups, x, b, out,
                    b * stride + r);
            r += groups * PackedBlocks.GROUP_ROWS;
        }
        if (type == GgmlType.Q4_0) {
            return packedQ4_0Rows(w, out, stride, r, end);
        }
        if (type == GgmlType.Q8_0 && x.dotFloatCount > 0) {
            // many generated rows: groups of them at once, 32 weight rows at a time, in float multiply-adds (the
            // same bits as the int8 kernel); a few left over take the int8 kernel
            for (; r % GENERATED_GEMM_ROWS == 0 && r + GENERATED_GEMM_ROWS <= end; r += GENERATED_GEMM_ROWS) {
                kernels.gemmQ8_0PackedGenerated(w.packed(), groupBytes * (r / PackedBlocks.GROUP_ROWS), groupBytes / 2,
                        x, out, stride, r);
                packedGroups(w, out, stride, r, r + GENERATED_GEMM_ROWS, x.dotFloatCount);
            }
        }
        return packedGroups(w, out, stride, r, end, 0);
    }

    /**
     * Generated rows {@code x.dotRows[fromDot ..]} times the packed groups of K-quant or Q8_0 weight rows from
     * {@code r} (a group's first) to {@code end}, through the matrix-vector kernels; returns the first row not
     * done.
     */
    private int packedGroups(Tensor w, float[] out, int stride, int r, int end, int fromDot) {
        QuantizedRows x = jobInput;
        int[] dots = x.dotRows;
        long groupBytes = PackedBlocks.groupBytes(w);
        GgmlType type = w.type();
        for (; r + PackedBlocks.GROUP_ROWS <= end; r += PackedBlocks.GROUP_ROWS) {
            long g = groupBytes * (r / PackedBlocks.GROUP_ROWS);
            for (int i = fromDot; i < x.dotCount; i++) {
                int b = dots[i];
                if (type == GgmlType.Q4_K) {
                    kernels.dotQ4_KPacked(w.packed(), g, 0, x, b, out, b * stride + r);
                    kernels.dotQ4_KPacked(w.packed(), g, 2, x, b, out, b * stride + r + 2);
                } else if (type == GgmlType.Q6_K) {
                    kernels.dotQ6_KPacked(w.packed(), g, 0, x, b, out, b * stride + r);
                    kernels.dotQ6_KPacked(w.packed(), g, 2, x, b, out, b * stride + r + 2);
                } else {
                    kernels.dotQ8_0Packed(w.packed(), g, 0, x, b, out, b * stride + r);
                    kernels.dotQ8_0Packed(w.packed(), g, 2, x, b, out, b * stride + r + 2);
                }
            }
        }
        return r;
    }

    /**
     * {@link #packedRows} for Q4_0 from row {@code r} (a group's first) to {@code end}: eight rows at a time where
     * they are one interleaved block of {@link PackedBlocks#q4_0Run} (four row pairs read as one stream), else a
     * group of four.
     */
    private int packedQ4_0Rows(Tensor w, float[] out, int stride, int r, int end) {
        QuantizedRows x = jobInput;
        if (x.dotFloatCount > 0) {
            // many generated rows: groups of them at once, 32 weight rows at a time, in float multiply-adds (the
            // same bits as the int8 kernels); a few left over take the int8 kernels
            long blockBytes = PackedBlocks.q4_0Run(w, PackedBlocks.Q4_0_INTERLEAVED_PAIRS);
            for (; r % GENERATED_GEMM_ROWS == 0 && r + GENERATED_GEMM_ROWS <= end; r += GENERATED_GEMM_ROWS) {
                int pair = r / 2;
                kernels.gemmQ4_0PackedGenerated(w.packed(), PackedBlocks.q4_0Run(w, pair), blockBytes,
                        PackedBlocks.q4_0Stride(w, pair), x, out, stride, r);
                packedQ4_0Int(w, out, stride, r, r + GENERATED_GEMM_ROWS, x.dotFloatCount);
            }
        }
        return packedQ4_0Int(w, out, stride, r, end, 0);
    }

    /** Generated rows {@code x.dotRows[fromDot ..]} through the int8 kernels, for {@link #packedQ4_0Rows}. */
    private int packedQ4_0Int(Tensor w, float[] out, int stride, int r, int end, int fromDot) {
        QuantizedRows x = jobInput;
        int[] dots = x.dotRows;
        long unit = PackedBlocks.unitBytes(GgmlType.Q4_0);
        while (r + PackedBlocks.GROUP_ROWS <= end) {
            int pair = r / 2;
            long run = PackedBlocks.q4_0Run(w, pair);
            long step = PackedBlocks.q4_0Stride(w, pair);
            if (kernels.wideInt8Kernels() && pair % PackedBlocks.Q4_0_INTERLEAVED_PAIRS == 0
                    && r + 2 * PackedBlocks.GROUP_ROWS <= end) {
                int i = fromDot;
                // generated rows two at a time: each pair's nibbles pulled apart once for both
                for (; i + 1 < x.dotCount; i += 2) {
                    int a = dots[i], b = dots[i + 1];
                    kernels.dotQ4_0PackedRunsTwoRows(w.packed(), run, run + unit, step, x, a, b, out, a * stride + r,
                            b * stride + r);
                    kernels.dotQ4_0PackedRunsTwoRows(w.packed(), run + 2 * unit, run + 3 * unit, step, x, a, b, out,
                            a * stride + r + 4, b * stride + r + 4);
                }
                for (; i < x.dotCount; i++) {
                    int b = dots[i];
                    kernels.dotQ4_0PackedGroups(w.packed(), run, step, x, b, out, b * stride + r);
                }
                r += 2 * PackedBlocks.GROUP_ROWS;
            } else {
                for (int i = fromDot; i < x.dotCount; i++) {
                    int b = dots[i];
                    kernels.dotQ4_0PackedGroup(w.packed(), run, step, x, b, out, b * stride + r);
                }
                r += PackedBlocks.GROUP_ROWS;
            }
        }
        return r;
    }

    /** Prompt rows of weight rows [from, to) through the float matrix-matrix kernel (Q4_0: in 16 bits). */
    private void promptRows(Tensor w, float[] out, int stride, int from, int to) {
        QuantizedRows x = jobInput;
        if (x.panels16Ready && int16Prompts(w, x)) {
            from = int16Rows(w, out, stride, from, to);
            if (from == to) {
                return;
            }
        }
        if (x.panelsReady) {
            floatRows(w, out, stride, from, to, x.gemmRows, 0, true);
        } else {
            floatRows(w, out, stride, from, to, x.gemmRows, x.gemmCount, false);
        }
    }

    /**
     * Prompt rows times Q4_0 or Q4_K weight rows [from, to) in tiles of 16-bit weights ({@link
     * Kernels#gemmPanels16}), Q4_0 decoded from the packed copy where rows are whole groups of it and from the
     * GGUF bytes elsewhere (Q4_K: always the GGUF bytes); returns the first row not done (an odd last row, left
     * to the float kernel).
     */
    private int int16Rows(Tensor w, float[] out, int stride, int from, int to) {
        QuantizedRows x = jobInput;
        int cols = x.cols;
        // tiles of 24 rows (a multiple of the kernel's six; 12 past 4096 columns): 96-344 KiB, in L2 with a panel
        int tileRows = cols <= 4096 ? INT16_TILE_ROWS : INT16_TILE_ROWS / 2;
        int[] tile = INT16_TILE.get();
        float[] scales = INT16_SCALES.get();
        float[] mins = INT16_MINS.get();
        if (tile == null || tile.length < tileRows * (cols / 2)) {
            tile = new int[tileRows * (cols / 2)];
            scales = new float[tileRows * (cols / 32)];
            mins = new float[tileRows * (cols / 32)];
            INT16_TILE.set(tile);
            INT16_SCALES.set(scales);
            INT16_MINS.set(mins);
        }
        boolean q4k = w.type() == GgmlType.Q4_K;
        int r = from;
        while (r + 1 < to) {
            int rows = Math.min(tileRows, to - r) & ~1;
            if (q4k) {
                // packed rows are unpacked to the GGUF layout first (a copy per 24 rows, spread over the prompt)
                MemorySegment data = ggufRows(w, r, rows);
                long off = ggufOffset(w, r);
                for (int i = 0; i < rows; i++) {
                    kernels.decodeQ4_KInt16(data, off + w.rowBytes() * i, tile, i * (cols / 2), scales, mins,
                            i * (cols / 32), cols);
                }
            } else if (wholePackedGroups(w, r, rows)) {
                for (int i = 0; i < rows; i += 2) {
                    int pair = (r + i) / 2;
                    kernels.decodePackedQ4_0PairInt16(w.packed(), PackedBlocks.q4_0Run(w, pair),
                            PackedBlocks.q4_0Stride(w, pair), tile, i * (cols / 2), cols / 2, scales,
                            i * (cols / 32), cols / 32, cols);
                }
            } else {
                MemorySegment data = ggufRows(w, r, rows);
                long off = ggufOffset(w, r);
                for (int i = 0; i < rows; i++) {
                    kernels.decodeQ4_0Int16(data, off + w.rowBytes() * i, tile, i * (cols / 2), scales,
                            i * (cols / 32), cols);
                }
            }
            kernels.gemmPanels16(tile, cols / 2, scales, cols / 32, 1, q4k ? mins : null, rows, x, out, stride, r);
            r += rows;
        }
        return r;
    }

    private static final ThreadLocal<int[]> INT16_TILE = new ThreadLocal<>();
    private static final ThreadLocal<float[]> INT16_SCALES = new ThreadLocal<>();
    private static final ThreadLocal<float[]> INT16_MINS = new ThreadLocal<>();

    /**
     * Activation rows {@code xRows[0 .. count)} times weight rows [from, to) through the float matrix-matrix
     * kernel, and with {@code panels} every prompt row from its panels, over the same decoded tile.
     */
    private void floatRows(Tensor w, float[] out, int stride, int from, int to, int[] xRows, int count,
                           boolean panels) {
        QuantizedRows x = jobInput;
        int cols = x.cols;
        float[] tile = gemmTile(cols);
        for (int r = from; r < to; r += GEMM_TILE_ROWS) {
            int rows = Math.min(GEMM_TILE_ROWS, to - r);
            if (wholePackedGroups(w, r, rows)) {
                long groupBytes = PackedBlocks.groupBytes(w);
                for (int i = 0; i < rows; i++) {
                    int row = r + i;
                    if (w.type() == GgmlType.Q4_0) {
                        kernels.decodePackedQ4_0ForGemm(w.packed(), PackedBlocks.q4_0Run(w, row / 2),
                                PackedBlocks.q4_0Stride(w, row / 2), row % 2, tile, i * cols, cols);
                    } else {
                        kernels.decodePackedForGemm(w.type(), w.packed(), groupBytes * (row / PackedBlocks.GROUP_ROWS),
                                row % PackedBlocks.GROUP_ROWS, tile, i * cols, cols);
                    }
                }
            } else {
                MemorySegment data = ggufRows(w, r, rows);
                long off = ggufOffset(w, r);
                for (int i = 0; i < rows; i++) {
                    kernels.decodeForGemm(w.type(), data, off + w.rowBytes() * i, tile, i * cols, cols);
                }
            }
            if (count > 0) {
                kernels.gemm(tile, rows, x.values, xRows, count, cols, out, stride, r);
            }
            if (panels) {
                kernels.gemmPanels(tile, rows, x, out, stride, r);
            }
        }
    }

    /**
     * A segment holding weight rows [r, r + n) in the GGUF layout, from {@link #ggufOffset}: the tensor's data,
     * or for a packed tensor this thread's scratch, into which they are unpacked now.
     */
    private static MemorySegment ggufRows(Tensor w, int r, int n) {
        if (w.packed() == null) {
            return w.data();
        }
        MemorySegment scratch = UNPACKED.get();
        if (scratch == null || scratch.byteSize() < n * w.rowBytes()) {
            scratch = java.lang.foreign.Arena.ofAuto().allocate(Math.max(n, GEMM_TILE_ROWS) * w.rowBytes(), 64);
            UNPACKED.set(scratch);
        }
        PackedBlocks.unpackRows(w, r, n, scratch);
        return scratch;
    }

    private static long ggufOffset(Tensor w, int r) {
        return w.packed() == null ? w.rowBytes() * r : 0;
    }

    private static final ThreadLocal<MemorySegment> UNPACKED = new ThreadLocal<>();

    /**
     * Weight types whose prompt rows take the float matrix-matrix kernel. Their decoded values and the
     * activations' ({@code q * d} with a half-precision d) are exact floats, so only summation order differs
     * from the integer kernels. K-quant rows stay on the integer kernels, which follow ggml's arithmetic.
     */
    private static boolean floatGemm(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0 -> true;
            default -> false;
        };
    }

    /** Rows of weights decoded to floats at a time for the matrix-matrix kernel (they stay in L2). */
    private static final int GEMM_TILE_ROWS = 16;
    private static final ThreadLocal<float[]> TILES = new ThreadLocal<>();

    private static float[] gemmTile(int cols) {
        float[] t = TILES.get();
        if (t == null || t.length < GEMM_TILE_ROWS * cols) {
            t = new float[GEMM_TILE_ROWS * cols];
            TILES.set(t);
        }
        return t;
    }

    /** One weight row times one prepared activation row. */
    public float dotRow(Tensor w, int row, QuantizedRows x, int b) {
        ensureDotExtras(x);
        MemorySegment seg = w.data();
        long off = w.rowBytes() * row;
        int n = x.cols;
        int xo = b * n;
        GgmlType type = w.type();
        return switch (type) {
            case F32 -> kernels.dotF32(seg, off, x.values, xo, n);
            case F16 -> kernels.dotF16(seg, off, x.values, xo, n);
            case BF16 -> kernels.dotBF16(seg, off, x.values, xo, n);
            case Q8_0 -> kernels.dotQ8_0(seg, off, x, b);
            case Q4_0 -> kernels.dotQ4_0(seg, off, x, b);
            case Q4_K -> kernels.dotQ4_K(seg, off, x, b);
            case Q5_K -> kernels.dotQ5_K(seg, off, x, b);
            case Q6_K -> kernels.dotQ6_K(seg, off, x, b);
            default -> throw new IllegalArgumentException("no kernels for " + type);
        };
    }
}
