package dev.djinn.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Q4_0 weights times Q8_0 prompt rows, and Q4_K weights times Q8_K ones, in 16-bit integer multiplies, at 512
 * bits: ggml's arithmetic (each block's exact integer dot product, then {@code sum = fma(dot, dw * dx, sum)}
 * block by block) at the rate of {@code vpmullw}, which runs two 32-lane multiplies a cycle where float
 * multiply-adds give two 16-lane ones.
 *
 * <p>A block's products fit 16 bits: a weight less 8 is -8..7 and an activation -127..127, so 32 of them sum to
 * at most 32512 in magnitude. Every 32-bit lane holds two 16-bit values: a weight lane two neighbours of a row
 * (broadcast to all sixteen lanes), an activation lane the same two of one prompt row, so one multiply and one
 * add take both; at the block's end the two 16-bit sums of a lane are added as 32-bit integers, converted and
 * scaled. Within a block the values go in the order the packed nibbles come out cheapest ({@link #lowValue});
 * the activations follow the same order, and an integer sum does not depend on it. Q4_K's values are 0..15 and
 * Q8_K's activations -128..127: each 16-bit half of a lane sums 16 products of a 32-value sub-block, at most
 * 30720, and each sub-block adds its min term ({@link #sixK}).
 *
 * <p>Tile: six weight rows by 32 prompt rows (a panel): twelve 16-bit sums and twelve float sums, 32 registers
 * with the two activation vectors and six broadcasts. A stand-alone loop at 2048 columns, one thread: 174
 * GMAC/s against 130 for the float multiply-adds' peak (see docs/BENCHMARKS.md).
 */
final class Int16Gemm {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Integer> I128 = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Prompt rows per panel: sixteen 32-bit lanes in each of two vectors. */
    static final int PANEL = 32;

    private Int16Gemm() {
    }

    /**
     * The value index (0-31) within its block of the low half of slot {@code s} (0-15); the high half holds
     * index + 2. Slot 4t + m takes, from 32-bit lane m of the block's 16 bytes (bytes 4m..4m+3: low nibbles
     * values 4m..4m+3, high nibbles 16 more), the nibbles at bits 8(t &amp; 1) + 4(t &gt;&gt; 1) and 16 above: one shift
     * and one mask per four slots.
     */
    static int lowValue(int s) {
        int t = s >> 2;
        return 4 * (s & 3) + (t & 1) + 16 * (t >> 1);
    }

    private static final int[] LOW_VALUE = new int[16];

    static {
        for (int s = 0; s < 16; s++) {
            LOW_VALUE[s] = lowValue(s);
        }
    }

    /**
     * Panel {@code p} of {@code x}'s panel rows ({@code x.panel16Rows[32p ..]}, zeros past {@code x.panel16Count}):
     * per column pair slot c (block c / 16, slot c % 16), the 32 rows' two values side by side as 16-bit halves
     * of an int, at {@code (p * cols / 2 + c) * 32 + j} of {@code x.panels16}; per block the rows' scales at
     * {@code (p * blocks + b) * 32 + j} of {@code x.panelScales16}.
     */
    static void panel(QuantizedRows x, int p) {
        int n = x.cols;
        int slots = n / 2;
        int blocks = n / 32;
        int[] dst = x.panels16;
        float[] ds = x.panelScales16;
        byte[] q = x.quants;
        int base = p * slots * PANEL;
        int sbase = p * blocks * PANEL;
        boolean superBlocks = x.format == ActivationFormat.Q8_K;
        for (int j = 0; j < PANEL; j++) {
            int slot = p * PANEL + j;
            if (slot >= x.panel16Count) {
                for (int c = 0; c < slots; c++) {
                    dst[base + c * PANEL + j] = 0;
                }
                for (int b = 0; b < blocks; b++) {
                    ds[sbase + b * PANEL + j] = 0f;
                    if (superBlocks) {
                        x.panelSums16[sbase + b * PANEL + j] = 0f;
                    }
                }
                continue;
            }
            int row = x.panel16Rows[slot];
            for (int b = 0; b < blocks; b++) {
                int from = row * n + 32 * b;
                int to = base + 16 * b * PANEL + j;
                for (int s = 0; s < 16; s++) {
                    int v = from + LOW_VALUE[s];
                    dst[to + s * PANEL] = (q[v] & 0xFFFF) | q[v + 2] << 16;
                }
                if (superBlocks) {
                    // Q8_K: a scale per 256 values, and the sub-block's sum for Q4_K's min term
                    ds[sbase + b * PANEL + j] = x.scales[row * (n / 256) + b / 8];
                    int sums = row * (n / 16) + 2 * b;
                    x.panelSums16[sbase + b * PANEL + j] = x.sums[sums] + x.sums[sums + 1];
                } else {
                    ds[sbase + b * PANEL + j] = x.scales[row * blocks + b];
                }
            }
        }
    }

    /**
     * Both rows of a packed Q4_0 row pair (its run from {@code run}, units {@code stride} apart), {@code n}
     * columns, in 512-bit lanes: weights less 8 two to an int in the slot order of {@link #lowValue}, row 0 into
     * {@code dst} from {@code o} and row 1 from {@code o + rowInts}, their block scales into {@code ds} from
     * {@code so} and {@code so + rowScales}.
     * One 64-byte load holds a unit's four blocks (row 0's two, then row 1's); the four nibble positions' values
     * come out a block per 128-bit lane and go back to a block per vector by a transpose of 128-bit lanes. Only
     * 512-bit vector classes here: the decode kernels' type profiles then name no 128-bit class (a
     * {@code Short128Vector} in a shared Vector API method's profile once had C2 box a shift of the four-pair
     * matrix-vector kernel).
     */
    static void decodePair(MemorySegment packed, long run, long stride, int[] dst, int o, int rowInts, float[] ds,
                           int so, int rowScales, int n) {
        int pairs = n / 64;
        for (int p = 0; p < pairs; p++, run += stride) {
            ds[so + 2 * p] = packed.get(F32, run);
            ds[so + 2 * p + 1] = packed.get(F32, run + 4);
            ds[so + rowScales + 2 * p] = packed.get(F32, run + 8);
            ds[so + rowScales + 2 * p + 1] = packed.get(F32, run + 12);
            IntVector v = IntVector.fromMemorySegment(I, packed, run + PackedBlocks.SCALE_BYTES, ByteOrder.LITTLE_ENDIAN);
            blocks(v, dst, o + 32 * p, o + 32 * p + 16, o + rowInts + 32 * p, o + rowInts + 32 * p + 16);
        }
    }

    /**
     * Four Q4_0 blocks' quant bytes, one per 128-bit lane of {@code v} (GGUF order), as 16-bit weights less 8
     * two to an int in {@link #lowValue}'s order: lane r's block to {@code dst[at_r ..]}. The four nibble
     * positions come out a block per 128-bit lane and go back to a block per vector by a 4 x 4 transpose of
     * 128-bit lanes (for {@link #decodePair} and the row-lane decode; inlined by bin/jit-directives).
     */
    static void blocks(IntVector v, int[] dst, int at0, int at1, int at2, int at3) {
        IntVector p0 = v.and(0x000F000F).reinterpretAsShorts().sub((short) 8).reinterpretAsInts();
        IntVector p1 = v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().sub((short) 8)
                .reinterpretAsInts();
        IntVector p2 = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().sub((short) 8)
                .reinterpretAsInts();
        IntVector p3 = v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().sub((short) 8)
                .reinterpretAsInts();
        IntVector a = LOW_QUARTERS.selectFrom(p0, p1);
        IntVector b = HIGH_QUARTERS.selectFrom(p0, p1);
        IntVector c = LOW_QUARTERS.selectFrom(p2, p3);
        IntVector d = HIGH_QUARTERS.selectFrom(p2, p3);
        LOW_HALVES.selectFrom(a, c).intoArray(dst, at0);
        HIGH_HALVES.selectFrom(a, c).intoArray(dst, at1);
        LOW_HALVES.selectFrom(b, d).intoArray(dst, at2);
        HIGH_HALVES.selectFrom(b, d).intoArray(dst, at3);
    }

    /** Two-vector selections of 128-bit lanes (indices past 15 pick from the second vector). */
    private static final IntVector LOW_QUARTERS = ints(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
    private static final IntVector HIGH_QUARTERS = ints(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
    private static final IntVector LOW_HALVES = ints(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    private static final IntVector HIGH_HALVES = ints(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);

    private static IntVector ints(int... values) {
        return IntVector.fromArray(I, values, 0);
    }

    /** {@link #decodePair} for one Q4_0 row in the GGUF layout at {@code off} of {@code data} ({@code n} columns). */
    static void decodeGgufRow(MemorySegment data, long off, int[] dst, int o, float[] ds, int so, int n) {
        for (int b = 0; b < n / 32; b++, off += 18) {
            ds[so + b] = Float.float16ToFloat(data.get(F16, off));
            IntVector v = IntVector.fromMemorySegment(I128, data, off + 2, ByteOrder.LITTLE_ENDIAN);
            int at = o + 16 * b;
            nibbles(v, 0, at, dst);
            nibbles(v.lanewise(VectorOperators.LSHR, 8), 4, at, dst);
            nibbles(v.lanewise(VectorOperators.LSHR, 4), 8, at, dst);
            nibbles(v.lanewise(VectorOperators.LSHR, 12), 12, at, dst);
        }
    }

    /**
     * {@link #decodeGgufRow} for a Q4_K row (144-byte super-blocks: d, dmin, twelve bytes of 6-bit scales and
     * mins, 128 bytes of nibbles): the weights 0..15 two to an int in {@link #lowValue}'s order per sub-block of
     * 32, and per sub-block {@code d * scale} into {@code wd} and {@code -dmin * min} into {@code wm} from {@code
     * so} (both exact: an 11-bit mantissa times a 6-bit integer).
     */
    static void decodeQ4KRow(MemorySegment data, long off, int[] dst, int o, float[] wd, float[] wm, int so, int n) {
        for (int b = 0; b < n / 256; b++, off += 144) {
            float d = Float.float16ToFloat(data.get(F16, off));
            float dmin = Float.float16ToFloat(data.get(F16, off + 2));
            for (int sb = 0; sb < 8; sb++) {
                wd[so + 8 * b + sb] = d * ScalarKernels.scaleMinK4(data, off + 4, sb, false);
                wm[so + 8 * b + sb] = -dmin * ScalarKernels.scaleMinK4(data, off + 4, sb, true);
            }
            for (int c = 0; c < 4; c += 2) {
                // 32 bytes per c: low nibbles sub-block 2c, high nibbles 2c + 1, byte i value i of each; one load
                // takes two such runs, and each sub-block's slots are two 128-bit lanes of two nibble positions
                IntVector v = IntVector.fromMemorySegment(I, data, off + 16 + 32L * c, ByteOrder.LITTLE_ENDIAN);
                IntVector p0 = v.and(0x000F000F);
                IntVector p1 = v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F);
                IntVector p2 = v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F);
                IntVector p3 = v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F);
                int sub = o + 16 * (8 * b + 2 * c);
                LOW_QUARTERS.selectFrom(p0, p1).intoArray(dst, sub);
                LOW_QUARTERS.selectFrom(p2, p3).intoArray(dst, sub + 16);
                HIGH_QUARTERS.selectFrom(p0, p1).intoArray(dst, sub + 32);
                HIGH_QUARTERS.selectFrom(p2, p3).intoArray(dst, sub + 48);
            }
        }
    }

    /** Bits 0-3 and 16-19 of each lane less 8, as two 16-bit values, to slots {@code first ..} of a block. */
    private static void nibbles(IntVector v, int first, int at, int[] dst) {
        v.and(0x000F000F).reinterpretAsShorts().sub((short) 8).reinterpretAsInts().intoArray(dst, at + first);
    }

    /**
     * The {@code rows} weight rows of {@code w} (row i's slots from {@code i * wRow}, its block scales in
     * {@code wd} from {@code i * cols / 32}; rows even) times every prompt row of {@code x} from its panels,
     * into {@code out[row * outStride + outCol + i]}. Each output is {@code sum = fma((float) dot, dw * dx, sum)}
     * over the blocks in order, whatever its tile; for Q4_K ({@code wm} not null: each sub-block's {@code -dmin
     * * min}) also {@code sum = fma(bsum, dx * wm, sum)} after each sub-block, bsum its activations' sum.
     */
    static void gemm(int[] w, int wRow, float[] wd, int dRow, int dBlock, float[] wm, int rows, QuantizedRows x,
                     float[] sums, float[] out, int outStride, int outCol) {
        int cols = x.cols;
        int panels = Math.ceilDiv(x.panel16Count, PANEL);
        for (int p = 0; p < panels; p++) {
            int r = 0;
            for (; r + 5 < rows; r += 6) {
                if (wm == null) {
                    six(w, wRow, wd, dRow, dBlock, r, x, p, cols, sums);
                } else {
                    sixK(w, wd, wm, r, x, p, cols, sums);
                }
                scatterSix(sums, r, p, x, out, outStride, outCol);
            }
            for (; r + 1 < rows; r += 2) {
                if (wm == null) {
                    two(w, wRow, wd, dRow, dBlock, r, x, p, cols, sums);
                } else {
                    twoK(w, wd, wm, r, x, p, cols, sums);
                }
                scatter(sums, 2, r, p, x, out, outStride, outCol);
            }
            if (r < rows) {
                throw new IllegalArgumentException("an odd number of rows: " + rows);
            }
        }
    }

    /** Sums (row i, prompt row j of panel p) at {@code i * 32 + j} of {@code sums} into their outputs. */
    private static void scatter(float[] sums, int rows, int r, int p, QuantizedRows x, float[] out, int outStride,
                                int outCol) {
        int first = p * PANEL;
        int n = Math.min(PANEL, x.panel16Count - first);
        for (int j = 0; j < n; j++) {
            int o = x.panel16Rows[first + j] * outStride + outCol + r;
            for (int i = 0; i < rows; i++) {
                out[o + i] = sums[i * PANEL + j];
            }
        }
    }

    /**
     * {@link #scatter} of six rows, written out (an eight-lane gather from the scratch took a 256-bit vector
     * class into the 512-bit kernels' type profiles: see {@code VectorKernels.F16S}).
     */
    private static void scatterSix(float[] sums, int r, int p, QuantizedRows x, float[] out, int outStride,
                                   int outCol) {
        int first = p * PANEL;
        int n = Math.min(PANEL, x.panel16Count - first);
        for (int j = 0; j < n; j++) {
            int o = x.panel16Rows[first + j] * outStride + outCol + r;
            out[o] = sums[j];
            out[o + 1] = sums[PANEL + j];
            out[o + 2] = sums[2 * PANEL + j];
            out[o + 3] = sums[3 * PANEL + j];
            out[o + 4] = sums[4 * PANEL + j];
            out[o + 5] = sums[5 * PANEL + j];
        }
    }

    /** Weight rows r .. r + 5 times panel p (the block-end conversion written out: a helper would box). */
    private static void six(int[] w, int wRow, float[] wd, int dRow, int dBlock, int r, QuantizedRows x, int p,
                            int cols, float[] sums) {
        int slots = cols / 2;
        int blocks = cols / 32;
        int[] xs = x.panels16;
        float[] xd = x.panelScales16;
        int xo = p * slots * PANEL;
        int xdo = p * blocks * PANEL;
        int w0 = r * wRow;
        int w1 = w0 + wRow;
        int w2 = w1 + wRow;
        int w3 = w2 + wRow;
        int w4 = w3 + wRow;
        int w5 = w4 + wRow;
        int d0 = r * dRow;
        FloatVector f00 = FloatVector.zero(F), f01 = f00, f10 = f00, f11 = f00, f20 = f00, f21 = f00;
        FloatVector f30 = f00, f31 = f00, f40 = f00, f41 = f00, f50 = f00, f51 = f00;
        for (int b = 0; b < blocks; b++) {
            ShortVector s00 = ShortVector.zero(S), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00;
            ShortVector s30 = s00, s31 = s00, s40 = s00, s41 = s00, s50 = s00, s51 = s00;
            int end = 16 * b + 16;
            for (int c = 16 * b; c < end; c++) {
                int xc = xo + c * PANEL;
                ShortVector x0 = IntVector.fromArray(I, xs, xc).reinterpretAsShorts();
                ShortVector x1 = IntVector.fromArray(I, xs, xc + 16).reinterpretAsShorts();
                ShortVector b0 = IntVector.broadcast(I, w[w0 + c]).reinterpretAsShorts();
                s00 = s00.add(x0.mul(b0));
                s01 = s01.add(x1.mul(b0));
                ShortVector b1 = IntVector.broadcast(I, w[w1 + c]).reinterpretAsShorts();
                s10 = s10.add(x0.mul(b1));
                s11 = s11.add(x1.mul(b1));
                ShortVector b2 = IntVector.broadcast(I, w[w2 + c]).reinterpretAsShorts();
                s20 = s20.add(x0.mul(b2));
                s21 = s21.add(x1.mul(b2));
                ShortVector b3 = IntVector.broadcast(I, w[w3 + c]).reinterpretAsShorts();
                s30 = s30.add(x0.mul(b3));
                s31 = s31.add(x1.mul(b3));
                ShortVector b4 = IntVector.broadcast(I, w[w4 + c]).reinterpretAsShorts();
                s40 = s40.add(x0.mul(b4));
                s41 = s41.add(x1.mul(b4));
                ShortVector b5 = IntVector.broadcast(I, w[w5 + c]).reinterpretAsShorts();
                s50 = s50.add(x0.mul(b5));
                s51 = s51.add(x1.mul(b5));
            }
            FloatVector e0 = FloatVector.fromArray(F, xd, xdo + b * PANEL);
            FloatVector e1 = FloatVector.fromArray(F, xd, xdo + b * PANEL + 16);
            IntVector t;
            int db = d0 + b * dBlock;
            float g = wd[db];
            t = s00.reinterpretAsInts();
            f00 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f00);
            t = s01.reinterpretAsInts();
            f01 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f01);
            g = wd[db + dRow];
            t = s10.reinterpretAsInts();
            f10 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f10);
            t = s11.reinterpretAsInts();
            f11 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f11);
            g = wd[db + 2 * dRow];
            t = s20.reinterpretAsInts();
            f20 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f20);
            t = s21.reinterpretAsInts();
            f21 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f21);
            g = wd[db + 3 * dRow];
            t = s30.reinterpretAsInts();
            f30 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f30);
            t = s31.reinterpretAsInts();
            f31 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f31);
            g = wd[db + 4 * dRow];
            t = s40.reinterpretAsInts();
            f40 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f40);
            t = s41.reinterpretAsInts();
            f41 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f41);
            g = wd[db + 5 * dRow];
            t = s50.reinterpretAsInts();
            f50 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f50);
            t = s51.reinterpretAsInts();
            f51 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f51);
        }
        f00.intoArray(sums, 0);
        f01.intoArray(sums, 16);
        f10.intoArray(sums, 32);
        f11.intoArray(sums, 48);
        f20.intoArray(sums, 64);
        f21.intoArray(sums, 80);
        f30.intoArray(sums, 96);
        f31.intoArray(sums, 112);
        f40.intoArray(sums, 128);
        f41.intoArray(sums, 144);
        f50.intoArray(sums, 160);
        f51.intoArray(sums, 176);
    }

    /** Weight rows r and r + 1 times panel p: {@link #six}'s arithmetic for the rows a tile has left over. */
    private static void two(int[] w, int wRow, float[] wd, int dRow, int dBlock, int r, QuantizedRows x, int p,
                            int cols, float[] sums) {
        int slots = cols / 2;
        int blocks = cols / 32;
        int[] xs = x.panels16;
        float[] xd = x.panelScales16;
        int xo = p * slots * PANEL;
        int xdo = p * blocks * PANEL;
        int w0 = r * wRow;
        int w1 = w0 + wRow;
        int d0 = r * dRow;
        FloatVector f00 = FloatVector.zero(F), f01 = f00, f10 = f00, f11 = f00;
        for (int b = 0; b < blocks; b++) {
            ShortVector s00 = ShortVector.zero(S), s01 = s00, s10 = s00, s11 = s00;
            int end = 16 * b + 16;
            for (int c = 16 * b; c < end; c++) {
                int xc = xo + c * PANEL;
                ShortVector x0 = IntVector.fromArray(I, xs, xc).reinterpretAsShorts();
                ShortVector x1 = IntVector.fromArray(I, xs, xc + 16).reinterpretAsShorts();
                ShortVector b0 = IntVector.broadcast(I, w[w0 + c]).reinterpretAsShorts();
                s00 = s00.add(x0.mul(b0));
                s01 = s01.add(x1.mul(b0));
                ShortVector b1 = IntVector.broadcast(I, w[w1 + c]).reinterpretAsShorts();
                s10 = s10.add(x0.mul(b1));
                s11 = s11.add(x1.mul(b1));
            }
            FloatVector e0 = FloatVector.fromArray(F, xd, xdo + b * PANEL);
            FloatVector e1 = FloatVector.fromArray(F, xd, xdo + b * PANEL + 16);
            IntVector t;
            int db = d0 + b * dBlock;
            float g = wd[db];
            t = s00.reinterpretAsInts();
            f00 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f00);
            t = s01.reinterpretAsInts();
            f01 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f01);
            g = wd[db + dRow];
            t = s10.reinterpretAsInts();
            f10 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f10);
            t = s11.reinterpretAsInts();
            f11 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f11);
        }
        f00.intoArray(sums, 0);
        f01.intoArray(sums, 16);
        f10.intoArray(sums, 32);
        f11.intoArray(sums, 48);
    }

    /**
     * {@link #six} for Q4_K: weights 0..15 with each sub-block's {@code d * scale} in {@code wd} and {@code -dmin *
     * min} in {@code wm}, the activations' sub-block sums from {@code x.panelSums16} for the min term.
     */
    private static void sixK(int[] w, float[] wd, float[] wm, int r, QuantizedRows x, int p, int cols, float[] sums) {
        int slots = cols / 2;
        int blocks = cols / 32;
        int[] xs = x.panels16;
        float[] xd = x.panelScales16;
        float[] xb = x.panelSums16;
        int xo = p * slots * PANEL;
        int xdo = p * blocks * PANEL;
        int w0 = r * slots;
        int w1 = w0 + slots;
        int w2 = w1 + slots;
        int w3 = w2 + slots;
        int w4 = w3 + slots;
        int w5 = w4 + slots;
        int d0 = r * blocks;
        FloatVector f00 = FloatVector.zero(F), f01 = f00, f10 = f00, f11 = f00, f20 = f00, f21 = f00;
        FloatVector f30 = f00, f31 = f00, f40 = f00, f41 = f00, f50 = f00, f51 = f00;
        for (int b = 0; b < blocks; b++) {
            ShortVector s00 = ShortVector.zero(S), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00;
            ShortVector s30 = s00, s31 = s00, s40 = s00, s41 = s00, s50 = s00, s51 = s00;
            int end = 16 * b + 16;
            for (int c = 16 * b; c < end; c++) {
                int xc = xo + c * PANEL;
                ShortVector x0 = IntVector.fromArray(I, xs, xc).reinterpretAsShorts();
                ShortVector x1 = IntVector.fromArray(I, xs, xc + 16).reinterpretAsShorts();
                ShortVector b0 = IntVector.broadcast(I, w[w0 + c]).reinterpretAsShorts();
                s00 = s00.add(x0.mul(b0));
                s01 = s01.add(x1.mul(b0));
                ShortVector b1 = IntVector.broadcast(I, w[w1 + c]).reinterpretAsShorts();
                s10 = s10.add(x0.mul(b1));
                s11 = s11.add(x1.mul(b1));
                ShortVector b2 = IntVector.broadcast(I, w[w2 + c]).reinterpretAsShorts();
                s20 = s20.add(x0.mul(b2));
                s21 = s21.add(x1.mul(b2));
                ShortVector b3 = IntVector.broadcast(I, w[w3 + c]).reinterpretAsShorts();
                s30 = s30.add(x0.mul(b3));
                s31 = s31.add(x1.mul(b3));
                ShortVector b4 = IntVector.broadcast(I, w[w4 + c]).reinterpretAsShorts();
                s40 = s40.add(x0.mul(b4));
                s41 = s41.add(x1.mul(b4));
                ShortVector b5 = IntVector.broadcast(I, w[w5 + c]).reinterpretAsShorts();
                s50 = s50.add(x0.mul(b5));
                s51 = s51.add(x1.mul(b5));
            }
            FloatVector e0 = FloatVector.fromArray(F, xd, xdo + b * PANEL);
            FloatVector e1 = FloatVector.fromArray(F, xd, xdo + b * PANEL + 16);
            FloatVector z0 = FloatVector.fromArray(F, xb, xdo + b * PANEL);
            FloatVector z1 = FloatVector.fromArray(F, xb, xdo + b * PANEL + 16);
            IntVector t;
            float g = wd[d0 + b];
            float h = wm[d0 + b];
            t = s00.reinterpretAsInts();
            f00 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f00);
            f00 = z0.fma(e0.mul(h), f00);
            t = s01.reinterpretAsInts();
            f01 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f01);
            f01 = z1.fma(e1.mul(h), f01);
            g = wd[d0 + blocks + b];
            h = wm[d0 + blocks + b];
            t = s10.reinterpretAsInts();
            f10 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f10);
            f10 = z0.fma(e0.mul(h), f10);
            t = s11.reinterpretAsInts();
            f11 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f11);
            f11 = z1.fma(e1.mul(h), f11);
            g = wd[d0 + 2 * blocks + b];
            h = wm[d0 + 2 * blocks + b];
            t = s20.reinterpretAsInts();
            f20 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f20);
            f20 = z0.fma(e0.mul(h), f20);
            t = s21.reinterpretAsInts();
            f21 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f21);
            f21 = z1.fma(e1.mul(h), f21);
            g = wd[d0 + 3 * blocks + b];
            h = wm[d0 + 3 * blocks + b];
            t = s30.reinterpretAsInts();
            f30 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f30);
            f30 = z0.fma(e0.mul(h), f30);
            t = s31.reinterpretAsInts();
            f31 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f31);
            f31 = z1.fma(e1.mul(h), f31);
            g = wd[d0 + 4 * blocks + b];
            h = wm[d0 + 4 * blocks + b];
            t = s40.reinterpretAsInts();
            f40 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f40);
            f40 = z0.fma(e0.mul(h), f40);
            t = s41.reinterpretAsInts();
            f41 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f41);
            f41 = z1.fma(e1.mul(h), f41);
            g = wd[d0 + 5 * blocks + b];
            h = wm[d0 + 5 * blocks + b];
            t = s50.reinterpretAsInts();
            f50 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f50);
            f50 = z0.fma(e0.mul(h), f50);
            t = s51.reinterpretAsInts();
            f51 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f51);
            f51 = z1.fma(e1.mul(h), f51);
        }
        f00.intoArray(sums, 0);
        f01.intoArray(sums, 16);
        f10.intoArray(sums, 32);
        f11.intoArray(sums, 48);
        f20.intoArray(sums, 64);
        f21.intoArray(sums, 80);
        f30.intoArray(sums, 96);
        f31.intoArray(sums, 112);
        f40.intoArray(sums, 128);
        f41.intoArray(sums, 144);
        f50.intoArray(sums, 160);
        f51.intoArray(sums, 176);
    }

    /**
     * {@link #two} for Q4_K: weights 0..15 with each sub-block's {@code d * scale} in {@code wd} and {@code -dmin *
     * min} in {@code wm}, the activations' sub-block sums from {@code x.panelSums16} for the min term.
     */
    private static void twoK(int[] w, float[] wd, float[] wm, int r, QuantizedRows x, int p, int cols, float[] sums) {
        int slots = cols / 2;
        int blocks = cols / 32;
        int[] xs = x.panels16;
        float[] xd = x.panelScales16;
        float[] xb = x.panelSums16;
        int xo = p * slots * PANEL;
        int xdo = p * blocks * PANEL;
        int w0 = r * slots;
        int w1 = w0 + slots;
        int d0 = r * blocks;
        FloatVector f00 = FloatVector.zero(F), f01 = f00, f10 = f00, f11 = f00;
        for (int b = 0; b < blocks; b++) {
            ShortVector s00 = ShortVector.zero(S), s01 = s00, s10 = s00, s11 = s00;
            int end = 16 * b + 16;
            for (int c = 16 * b; c < end; c++) {
                int xc = xo + c * PANEL;
                ShortVector x0 = IntVector.fromArray(I, xs, xc).reinterpretAsShorts();
                ShortVector x1 = IntVector.fromArray(I, xs, xc + 16).reinterpretAsShorts();
                ShortVector b0 = IntVector.broadcast(I, w[w0 + c]).reinterpretAsShorts();
                s00 = s00.add(x0.mul(b0));
                s01 = s01.add(x1.mul(b0));
                ShortVector b1 = IntVector.broadcast(I, w[w1 + c]).reinterpretAsShorts();
                s10 = s10.add(x0.mul(b1));
                s11 = s11.add(x1.mul(b1));
            }
            FloatVector e0 = FloatVector.fromArray(F, xd, xdo + b * PANEL);
            FloatVector e1 = FloatVector.fromArray(F, xd, xdo + b * PANEL + 16);
            FloatVector z0 = FloatVector.fromArray(F, xb, xdo + b * PANEL);
            FloatVector z1 = FloatVector.fromArray(F, xb, xdo + b * PANEL + 16);
            IntVector t;
            float g = wd[d0 + b];
            float h = wm[d0 + b];
            t = s00.reinterpretAsInts();
            f00 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f00);
            f00 = z0.fma(e0.mul(h), f00);
            t = s01.reinterpretAsInts();
            f01 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f01);
            f01 = z1.fma(e1.mul(h), f01);
            g = wd[d0 + blocks + b];
            h = wm[d0 + blocks + b];
            t = s10.reinterpretAsInts();
            f10 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e0.mul(g), f10);
            f10 = z0.fma(e0.mul(h), f10);
            t = s11.reinterpretAsInts();
            f11 = ((FloatVector) t.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(t.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(e1.mul(g), f11);
            f11 = z1.fma(e1.mul(h), f11);
        }
        f00.intoArray(sums, 0);
        f01.intoArray(sums, 16);
        f10.intoArray(sums, 32);
        f11.intoArray(sums, 48);
    }
}
