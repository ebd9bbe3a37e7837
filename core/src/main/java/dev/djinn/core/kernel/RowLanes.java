package dev.djinn.core.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Q4_0 weights in the row-lane layout ({@link PackedBlocks#packRowLanes}) times Q8_0 activation rows at 512
 * bits, in ggml's arithmetic: per row and block the exact integer dot product, then {@code sum = fma(dot, dw *
 * dx, sum)} block by block, which is {@link Int16Gemm}'s too, so a row's result is the same bits whether it is
 * generated alone, generated among many (which then take {@code Int16Gemm}) or part of a prompt.
 *
 * <p>Each 16-bit lane of a load holds four nibbles of one row (lane 2i + h: row i, quant bytes 4t + 2h and 4t +
 * 2h + 1 of run t); nibble k meets an activation broadcast two to an int ({@link #pairs}), so one multiply and
 * one add take sixteen rows times two values. The weights are unsigned (0..15): {@code 8 * sum(x)} of the
 * block comes off at its end, and 16 products per 16-bit half stay within 16 * 15 * 127.
 */
final class RowLanes {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final long RUN = 256;
    private static final long BLOCK = PackedBlocks.LANE_BLOCK_BYTES;
    private static final long SCALES = PackedBlocks.LANE_SCALES;
    private static final ShortVector NIBBLE = ShortVector.broadcast(S, (short) 0x000F);
    private static final ShortVector SHIFT_4 = ShortVector.broadcast(S, (short) 4);
    private static final IntVector SHIFT_16 = IntVector.broadcast(I, 16);
    /**
     * Half-precision scales to floats: a sign-extended half shifted up by 13 and masked to its sign and its 15
     * low bits is the float of value x 2^-112 (exactly, subnormal halves included), then times 2^112.
     */
    private static final IntVector SHIFT_13 = IntVector.broadcast(I, 13);
    private static final IntVector HALF_BITS = IntVector.broadcast(I, 0x8FFFE000);
    private static final FloatVector TWO_112 = FloatVector.broadcast(F, 0x1p112f);

    private RowLanes() {
    }

    /**
     * Where nibble k (bits 4k..4k+3) of a 16-bit lane of run t comes from, as an offset from the block's value
     * 4t + 2h: low nibble of the lane's low byte (value j), its high nibble (j + 16), then the high byte's (j + 1,
     * j + 17).
     */
    private static final int[] NIBBLE_VALUE = {0, 16, 1, 17};

    /**
     * Activation row {@code row}'s quantized values for {@link #dot}, into {@code x.lanePairs}: per block and
     * slot 4t + k, the value nibble k of a lane of run t meets in a row's even lane (h = 0) in the low 16 bits,
     * and in its odd lane (h = 1) in the high 16 bits.
     */
    static void pairs(QuantizedRows x, int row) {
        int n = x.cols;
        byte[] q = x.quants;
        int[] dst = x.lanePairs;
        int blocks = n / 32;
        // per block: its 32 values widened to 16 bits, then picked into slot order (value, value + 2); two blocks
        // a load, so that no vector here is narrower than the kernels' (see VectorKernels.F16S)
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            ByteVector two = ByteVector.fromArray(B, q, row * n + 32 * b);
            ((ShortVector) two.convertShape(VectorOperators.B2S, S, 0)).rearrange(PAIR_ORDER).reinterpretAsInts()
                    .intoArray(dst, row * (n / 2) + 16 * b);
            ((ShortVector) two.convertShape(VectorOperators.B2S, S, 1)).rearrange(PAIR_ORDER).reinterpretAsInts()
                    .intoArray(dst, row * (n / 2) + 16 * b + 16);
        }
        for (; b < blocks; b++) {
            int from = row * n + 32 * b;
            int to = row * (n / 2) + 16 * b;
            for (int s = 0; s < 16; s++) {
                int v = from + slotValue(s);
                dst[to + s] = (q[v] & 0xFFFF) | q[v + 2] << 16;
            }
        }
    }

    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_512;

    /** The block value (of its first pair) that slot s = 4t + k meets: 4t + {@link #NIBBLE_VALUE}[k]. */
    private static int slotValue(int s) {
        return 4 * (s >> 2) + NIBBLE_VALUE[s & 3];
    }

    /** Short lane 2s + h of a block's slots takes value 4t + {@link #NIBBLE_VALUE}[k] + 2h (s = 4t + k). */
    private static final VectorShuffle<Short> PAIR_ORDER;

    static {
        int[] order = new int[32];
        for (int s = 0; s < 16; s++) {
            int v = slotValue(s);
            order[2 * s] = v;
            order[2 * s + 1] = v + 2;
        }
        PAIR_ORDER = VectorShuffle.fromArray(S, order, 0);
    }

    /**
     * The quad of 64 weight rows at {@code quad} ({@code blocks} blocks per row) times activation row {@code
     * row} (its {@link #pairs} made), into {@code out[outOff .. outOff + 64)}: the four groups of sixteen rows
     * side by side, sharing each broadcast activation.
     */
    static void dot(MemorySegment packed, long quad, int blocks, QuantizedRows x, int row, float[] out, int outOff) {
        int[] xp = x.lanePairs;
        float[] xd = x.scales;
        short[] sums = x.sums;
        int xo = row * (x.cols / 2);
        int so = row * blocks;
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            long b0 = quad + b * BLOCK;
            int xi = xo + 16 * b;
            ShortVector s0 = ShortVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int t = 0; t < 4; t++) {
                long r = b0 + RUN * t;
                ShortVector v0 = ShortVector.fromMemorySegment(S, packed, r, LE);
                ShortVector v1 = ShortVector.fromMemorySegment(S, packed, r + 64, LE);
                ShortVector v2 = ShortVector.fromMemorySegment(S, packed, r + 128, LE);
                ShortVector v3 = ShortVector.fromMemorySegment(S, packed, r + 192, LE);
                // nibble k, then the lanes shifted down by four: a loop small enough that C2 always inlines
                // every vector operation in it (the four nibbles written out sometimes left some as calls)
                for (int k = 0; k < 3; k++) {
                    ShortVector a = IntVector.broadcast(I, xp[xi + 4 * t + k]).reinterpretAsShorts();
                    s0 = s0.add(v0.and(NIBBLE).mul(a));
                    s1 = s1.add(v1.and(NIBBLE).mul(a));
                    s2 = s2.add(v2.and(NIBBLE).mul(a));
                    s3 = s3.add(v3.and(NIBBLE).mul(a));
                    v0 = v0.lanewise(VectorOperators.LSHR, SHIFT_4);
                    v1 = v1.lanewise(VectorOperators.LSHR, SHIFT_4);
                    v2 = v2.lanewise(VectorOperators.LSHR, SHIFT_4);
                    v3 = v3.lanewise(VectorOperators.LSHR, SHIFT_4);
                }
                // the top nibble, shifted down three times, needs no mask
                ShortVector a = IntVector.broadcast(I, xp[xi + 4 * t + 3]).reinterpretAsShorts();
                s0 = s0.add(v0.mul(a));
                s1 = s1.add(v1.mul(a));
                s2 = s2.add(v2.mul(a));
                s3 = s3.add(v3.mul(a));
            }
            // the two 16-bit sums of each row added as 32-bit integers, less 8 times the activations' sum; the
            // groups' scales from half precision (see SHIFT_13). Written out, here and in dot2: a helper method
            // is inlined only while the compilation is small, and one left as a call boxes its vectors
            long sc = b0 + SCALES;
            ShortVector h01 = ShortVector.fromMemorySegment(S, packed, sc, LE);
            ShortVector h23 = ShortVector.fromMemorySegment(S, packed, sc + 64, LE);
            FloatVector d0 = ((IntVector) h01.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL,
                    SHIFT_13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
            FloatVector d1 = ((IntVector) h01.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL,
                    SHIFT_13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
            FloatVector d2 = ((IntVector) h23.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL,
                    SHIFT_13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
            FloatVector d3 = ((IntVector) h23.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL,
                    SHIFT_13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
            float dx = xd[so + b];
            int offset = 8 * sums[so + b];
            IntVector w;
            w = s0.reinterpretAsInts();
            acc0 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d0.mul(dx), acc0);
            w = s1.reinterpretAsInts();
            acc1 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d1.mul(dx), acc1);
            w = s2.reinterpretAsInts();
            acc2 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d2.mul(dx), acc2);
            w = s3.reinterpretAsInts();
            acc3 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d3.mul(dx), acc3);
        }
        acc0.intoArray(out, outOff);
        acc1.intoArray(out, outOff + 16);
        acc2.intoArray(out, outOff + 32);
        acc3.intoArray(out, outOff + 48);
    }

    /**
     * {@link #dot} for two activation rows at once ({@code rowA} into {@code out[outA ..]}, {@code rowB} into
     * {@code out[outB ..]}): each load's nibbles pulled apart once for both, and each row's lanes see exactly
     * {@link #dot}'s operations, so its results are that kernel's bits.
     */
    static void dot2(MemorySegment packed, long quad, int blocks, QuantizedRows x, int rowA, int rowB, float[] out,
                     int outA, int outB) {
        int[] xp = x.lanePairs;
        float[] xd = x.scales;
        short[] sums = x.sums;
        int xa = rowA * (x.cols / 2), xb = rowB * (x.cols / 2);
        int sa = rowA * blocks, sb = rowB * blocks;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        for (int b = 0; b < blocks; b++) {
            long b0 = quad + b * BLOCK;
            ShortVector s0 = ShortVector.zero(S), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
            for (int t = 0; t < 4; t++) {
                long r = b0 + RUN * t;
                ShortVector v0 = ShortVector.fromMemorySegment(S, packed, r, LE);
                ShortVector v1 = ShortVector.fromMemorySegment(S, packed, r + 64, LE);
                ShortVector v2 = ShortVector.fromMemorySegment(S, packed, r + 128, LE);
                ShortVector v3 = ShortVector.fromMemorySegment(S, packed, r + 192, LE);
                for (int k = 0; k < 4; k++) {
                    int slot = 16 * b + 4 * t + k;
                    ShortVector n0 = v0.and(NIBBLE), n1 = v1.and(NIBBLE), n2 = v2.and(NIBBLE), n3 = v3.and(NIBBLE);
                    ShortVector p = IntVector.broadcast(I, xp[xa + slot]).reinterpretAsShorts();
                    s0 = s0.add(n0.mul(p));
                    s1 = s1.add(n1.mul(p));
                    s2 = s2.add(n2.mul(p));
                    s3 = s3.add(n3.mul(p));
                    ShortVector q = IntVector.broadcast(I, xp[xb + slot]).reinterpretAsShorts();
                    t0 = t0.add(n0.mul(q));
                    t1 = t1.add(n1.mul(q));
                    t2 = t2.add(n2.mul(q));
                    t3 = t3.add(n3.mul(q));
                    v0 = v0.lanewise(VectorOperators.LSHR, SHIFT_4);
                    v1 = v1.lanewise(VectorOperators.LSHR, SHIFT_4);
                    v2 = v2.lanewise(VectorOperators.LSHR, SHIFT_4);
                    v3 = v3.lanewise(VectorOperators.LSHR, SHIFT_4);
                }
            }
            // each row's two 16-bit sums added as 32-bit integers, less 8 times its activations' sum (as in dot)
            long sc = b0 + SCALES;
            ShortVector h01 = ShortVector.fromMemorySegment(S, packed, sc, LE);
            ShortVector h23 = ShortVector.fromMemorySegment(S, packed, sc + 64, LE);
            FloatVector d0 = ((IntVector) h01.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL,
                    SHIFT_13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
            FloatVector d1 = ((IntVector) h01.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL,
                    SHIFT_13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
            FloatVector d2 = ((IntVector) h23.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL,
                    SHIFT_13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
            FloatVector d3 = ((IntVector) h23.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL,
                    SHIFT_13).and(HALF_BITS).reinterpretAsFloats().mul(TWO_112);
            float dx = xd[sa + b];
            int offset = 8 * sums[sa + b];
            IntVector w;
            w = s0.reinterpretAsInts();
            a0 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d0.mul(dx), a0);
            w = s1.reinterpretAsInts();
            a1 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d1.mul(dx), a1);
            w = s2.reinterpretAsInts();
            a2 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d2.mul(dx), a2);
            w = s3.reinterpretAsInts();
            a3 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d3.mul(dx), a3);
            dx = xd[sb + b];
            offset = 8 * sums[sb + b];
            w = t0.reinterpretAsInts();
            c0 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d0.mul(dx), c0);
            w = t1.reinterpretAsInts();
            c1 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d1.mul(dx), c1);
            w = t2.reinterpretAsInts();
            c2 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d2.mul(dx), c2);
            w = t3.reinterpretAsInts();
            c3 = ((FloatVector) w.lanewise(VectorOperators.LSHL, SHIFT_16).lanewise(VectorOperators.ASHR, SHIFT_16)
                    .add(w.lanewise(VectorOperators.ASHR, SHIFT_16)).sub(offset).convert(VectorOperators.I2F, 0))
                    .fma(d3.mul(dx), c3);
        }
        a0.intoArray(out, outA);
        a1.intoArray(out, outA + 16);
        a2.intoArray(out, outA + 32);
        a3.intoArray(out, outA + 48);
        c0.intoArray(out, outB);
        c1.intoArray(out, outB + 16);
        c2.intoArray(out, outB + 32);
        c3.intoArray(out, outB + 48);
    }

    /**
     * Groups {@code g .. g + groups - 1} (rows 16g ..) of the quad at {@code quad}, {@code n} columns, decoded for
     * {@link Int16Gemm} as {@link Int16Gemm#decodeGgufRow} decodes a GGUF row: row i (counted from the first
     * group's first) weights less 8 from {@code dst[o + i * rowInts]}, its scale of block b at {@code ds[so + i +
     * b * blockScales]}. Block by block, every group of the range, so that a quad decoded whole is read in
     * address order. Per block and group, the four runs' lanes (one row each) are picked into four vectors of
     * four rows' sixteen quant bytes (a row per 128-bit lane), whose nibble positions then come out as {@link
     * Int16Gemm#decodePair}'s do (one loop over the four: written out, the method outgrew C2's inlining and
     * boxed its vectors).
     */
    static void decodeGroups(MemorySegment packed, long quad, int g, int groups, int[] dst, int o, int rowInts,
                             float[] ds, int so, int blockScales, int n) {
        int blocks = n / 32;
        for (int b = 0; b < blocks; b++) {
            for (int k = 0; k < groups; k++) {
                long b0 = quad + b * BLOCK + 64L * (g + k);
                int at = o + 16 * k * rowInts + 16 * b;
                // the group's sixteen scales: half of a load of two groups' (a whole 512-bit load stays in the block)
                int pair = (g + k) >> 1;
                ((IntVector) ShortVector.fromMemorySegment(S, packed, quad + b * BLOCK + SCALES + 64L * pair, LE)
                        .convertShape(VectorOperators.S2I, I, (g + k) & 1)).lanewise(VectorOperators.LSHL, SHIFT_13)
                        .and(HALF_BITS).reinterpretAsFloats().mul(TWO_112).intoArray(ds, so + 16 * k + b * blockScales);
                IntVector l0 = IntVector.fromMemorySegment(I, packed, b0, LE);
                IntVector l1 = IntVector.fromMemorySegment(I, packed, b0 + RUN, LE);
                IntVector l2 = IntVector.fromMemorySegment(I, packed, b0 + 2 * RUN, LE);
                IntVector l3 = IntVector.fromMemorySegment(I, packed, b0 + 3 * RUN, LE);
                for (int m = 0; m < 4; m++) {
                    // rows 4m .. 4m + 3, each its four runs' lanes in one 128-bit lane
                    IntVector pick = PICK.add(4 * m);
                    IntVector v = JOIN.selectFrom(pick.selectFrom(l0, l1), pick.selectFrom(l2, l3));
                    int row = at + 4 * m * rowInts;
                    Int16Gemm.blocks(v, dst, row, row + rowInts, row + 2 * rowInts, row + 3 * rowInts);
                }
            }
        }
    }

    // two-vector selections (indices past 15 pick from the second vector); PICK lane 4r + t: row r of a group's
    // four, from the first (t even) or second (t odd) of two runs
    private static final IntVector PICK = ints(0, 16, 0, 16, 1, 17, 1, 17, 2, 18, 2, 18, 3, 19, 3, 19);
    // JOIN lane 4r + t: run t of row r, from the picks of runs 0-1 (t < 2) and 2-3
    private static final IntVector JOIN = ints(0, 1, 18, 19, 4, 5, 22, 23, 8, 9, 26, 27, 12, 13, 30, 31);

    private static IntVector ints(int... values) {
        return IntVector.fromArray(I, values, 0);
    }
}
