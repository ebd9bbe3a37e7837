package dev.djinn.core.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Kernels on the Vector API. Float dots use the configured width with four accumulators combined the way
 * ggml's SIMD code combines them. Integer dots avoid the Vector API's byte conversions (slow on AVX2): they
 * load weight bytes as 16-bit lanes, pull out the low and high byte (or nibble) with shifts, multiply in
 * 16 bits against activations pre-split into even and odd positions ({@link QuantizedRows#wide}), and widen
 * pairs to 32 bits with shifts again; their integer part is exact. Int8 kernels use at most 256-bit vectors.
 *
 * <p>Every species is a static final so C2 compiles Vector API calls into plain SIMD instructions; the width
 * is fixed per JVM by {@link KernelProvider}'s property, read once when this class initialises.
 */
final class VectorKernels extends ScalarKernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static final int BITS = KernelProvider.vectorBits();
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));
    private static final int LANES = FS.length();
    /**
     * Half-precision values for F16 weights and caches: two float vectors' worth a load, each half widened on
     * its own (part 0, part 1), so that every vector in a kernel has the kernels' one width (a half-width short
     * class beside it put a second receiver into the Vector API's shared methods' type profiles, and C2 then
     * sometimes left the decode kernels' vector operations as calls: see docs/BENCHMARKS.md).
     */
    private static final VectorSpecies<Short> F16S = ShortVector.SPECIES_64.withShape(VectorShape.forBitSize(BITS));
    /** The first {@link #LANES} lanes of an {@link #F16S} load: a last single float vector's worth. */
    private static final jdk.incubator.vector.VectorMask<Short> F16_FIRST_HALF = F16S.indexInRange(0, LANES);
    private static final VectorSpecies<Integer> FIS = IntVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(BITS));

    /** Width of the int8 kernels: 128 or 256 bits. */
    private static final int QBITS = Math.min(BITS, 256);
    private static final VectorSpecies<Short> QS = ShortVector.SPECIES_128.withShape(VectorShape.forBitSize(QBITS));
    private static final VectorSpecies<Integer> QI = IntVector.SPECIES_128.withShape(VectorShape.forBitSize(QBITS));
    private static final VectorSpecies<Float> QF = FloatVector.SPECIES_128.withShape(VectorShape.forBitSize(QBITS));
    /** Shorts per int8 load: 16 (a whole Q8_0 block) at 256 bits, 8 at 128. */
    private static final int QSHORTS = QS.length();
    /** Nibble kernels read 16 bytes at a time: 8 shorts. */
    private static final VectorSpecies<Short> NS = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> NI = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> NF = FloatVector.SPECIES_128;

    VectorKernels() {
    }

    @Override
    public String name() {
        return "vector-" + BITS;
    }

    // ---------------------------------------------------------------- floats

    /** ggml's reduction of four accumulators: (s0 + s2) + (s1 + s3), then across lanes. */
    private static float reduce4(FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3) {
        return sumF(s0.add(s2).add(s1.add(s3)));
    }

    /*
     * Lane sums by repeated halving (lane i + lane i + half), the order GCC gives _mm512_reduce_add_ps. Unlike
     * reduceLanes, whose order differs between the interpreter and compiled code, this gives the same bits every
     * time. There is one copy per vector shape on purpose: a helper that sees two shapes gets a polymorphic
     * profile, and C2 then stops compiling its Vector API calls into SIMD instructions (they allocate instead).
     */

    /** Lane sum of a {@link #FS}-shaped vector. */
    static float sumF(FloatVector v) {
        if (LANES == 4) {
            return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
        }
        if (LANES == 8) {
            return ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6))) + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
        }
        return ((((v.lane(0) + v.lane(8)) + (v.lane(4) + v.lane(12))) + ((v.lane(2) + v.lane(10)) + (v.lane(6) + v.lane(14))))
                + (((v.lane(1) + v.lane(9)) + (v.lane(5) + v.lane(13))) + ((v.lane(3) + v.lane(11)) + (v.lane(7) + v.lane(15)))));
    }

    /** Lane sum of a {@link #QF}-shaped vector (4 or 8 lanes). */
    static float sumQ(FloatVector v) {
        if (QF.length() == 4) {
            return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
        }
        return ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6))) + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
    }

    /** Lane sum of a {@link #NF}-shaped (4-lane) vector. */
    static float sumN(FloatVector v) {
        return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
    }

    @Override
    public float dotF32(MemorySegment w, long wOff, float[] x, int xOff, int n) {
        int step = 4 * LANES;
        int np = n - n % step;
        FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < np; i += step) {
            long o = wOff + 4L * i;
            s0 = FloatVector.fromMemorySegment(FS, w, o, LE).fma(FloatVector.fromArray(FS, x, xOff + i), s0);
            s1 = FloatVector.fromMemorySegment(FS, w, o + 4L * LANES, LE)
                    .fma(FloatVector.fromArray(FS, x, xOff + i + LANES), s1);
            s2 = FloatVector.fromMemorySegment(FS, w, o + 8L * LANES, LE)
                    .fma(FloatVector.fromArray(FS, x, xOff + i + 2 * LANES), s2);
            s3 = FloatVector.fromMemorySegment(FS, w, o + 12L * LANES, LE)
                    .fma(FloatVector.fromArray(FS, x, xOff + i + 3 * LANES), s3);
        }
        float sum = np == 0 ? 0f : reduce4(s0, s1, s2, s3);
        for (int i = np; i < n; i++) {
            sum += w.get(F32, wOff + 4L * i) * x[xOff + i];
        }
        return sum;
    }


    @Override
    public float dotF16(MemorySegment w, long wOff, float[] x, int xOff, int n) {
        // one accumulator: with more, the unrolled body outgrows C2's inlining budget and vectors get boxed
        int np = n - n % LANES;
        int pairs = n - n % (2 * LANES);
        FloatVector acc = FloatVector.zero(FS);
        for (int i = 0; i < pairs; i += 2 * LANES) {
            ShortVector h = ShortVector.fromMemorySegment(F16S, w, wOff + 2L * i, LE);
            acc = halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 0))
                    .fma(FloatVector.fromArray(FS, x, xOff + i), acc);
            acc = halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 1))
                    .fma(FloatVector.fromArray(FS, x, xOff + i + LANES), acc);
        }
        if (pairs < np) {
            ShortVector h = ShortVector.fromMemorySegment(F16S, w, wOff + 2L * pairs, LE, F16_FIRST_HALF);
            acc = halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 0))
                    .fma(FloatVector.fromArray(FS, x, xOff + pairs), acc);
        }
        // ggml sums the leftovers in double
        double sum = np == 0 ? 0.0 : sumF(acc);
        for (int i = np; i < n; i++) {
            sum += f16(w, wOff + 2L * i) * x[xOff + i];
        }
        return (float) sum;
    }

    /** Half-precision bit patterns (zero-extended in int lanes) to floats, exactly for finite values. */
    private static FloatVector halfToFloat(IntVector h) {
        FloatVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
        return magnitude.reinterpretAsInts().or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int step = 4 * LANES;
        int np = n - n % step;
        FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < np; i += step) {
            s0 = FloatVector.fromArray(FS, a, aOff + i).fma(FloatVector.fromArray(FS, b, bOff + i), s0);
            s1 = FloatVector.fromArray(FS, a, aOff + i + LANES).fma(FloatVector.fromArray(FS, b, bOff + i + LANES), s1);
            s2 = FloatVector.fromArray(FS, a, aOff + i + 2 * LANES)
                    .fma(FloatVector.fromArray(FS, b, bOff + i + 2 * LANES), s2);
            s3 = FloatVector.fromArray(FS, a, aOff + i + 3 * LANES)
                    .fma(FloatVector.fromArray(FS, b, bOff + i + 3 * LANES), s3);
        }
        float sum = np == 0 ? 0f : reduce4(s0, s1, s2, s3);
        for (int i = np; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpy(float a, float[] v, int vOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(FS, a);
        for (int up = FS.loopBound(n); i < up; i += LANES) {
            FloatVector.fromArray(FS, v, vOff + i).fma(av, FloatVector.fromArray(FS, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * v[vOff + i];
        }
    }

    /** {@link #dot} over consecutive key rows, two at a time so that each query load serves both. */
    @Override
    public void dotRows(float[] keys, int kOff, int count, float[] q, int qOff, int n, float scale, float[] out,
                        int outOff) {
        int step = 4 * LANES;
        if (n % step != 0) {
            super.dotRows(keys, kOff, count, q, qOff, n, scale, out, outOff);
            return;
        }
        int t = 0;
        for (; t + 1 < count; t += 2) {
            int k0 = kOff + t * n;
            int k1 = k0 + n;
            FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
            FloatVector u0 = s0, u1 = s0, u2 = s0, u3 = s0;
            for (int i = 0; i < n; i += step) {
                FloatVector x0 = FloatVector.fromArray(FS, q, qOff + i);
                FloatVector x1 = FloatVector.fromArray(FS, q, qOff + i + LANES);
                s0 = FloatVector.fromArray(FS, keys, k0 + i).fma(x0, s0);
                u0 = FloatVector.fromArray(FS, keys, k1 + i).fma(x0, u0);
                s1 = FloatVector.fromArray(FS, keys, k0 + i + LANES).fma(x1, s1);
                u1 = FloatVector.fromArray(FS, keys, k1 + i + LANES).fma(x1, u1);
                FloatVector x2 = FloatVector.fromArray(FS, q, qOff + i + 2 * LANES);
                FloatVector x3 = FloatVector.fromArray(FS, q, qOff + i + 3 * LANES);
                s2 = FloatVector.fromArray(FS, keys, k0 + i + 2 * LANES).fma(x2, s2);
                u2 = FloatVector.fromArray(FS, keys, k1 + i + 2 * LANES).fma(x2, u2);
                s3 = FloatVector.fromArray(FS, keys, k0 + i + 3 * LANES).fma(x3, s3);
                u3 = FloatVector.fromArray(FS, keys, k1 + i + 3 * LANES).fma(x3, u3);
            }
            out[outOff + t] = reduce4(s0, s1, s2, s3) * scale;
            out[outOff + t + 1] = reduce4(u0, u1, u2, u3) * scale;
        }
        if (t < count) {
            out[outOff + t] = dot(keys, kOff + t * n, q, qOff, n) * scale;
        }
    }

    /**
     * {@link #axpy} over consecutive value rows, with a chunk of {@code y} held in registers across all of them:
     * each element still sees the same fused multiply-adds in the same order.
     */
    @Override
    public void axpyRows(float[] p, int pOff, int count, float[] v, int vOff, int n, float[] y, int yOff) {
        int c = 0;
        for (; c + 8 * LANES <= n; c += 8 * LANES) {
            axpyRowsChunk8(p, pOff, count, v, vOff + c, n, y, yOff + c);
        }
        // four chains at once (a 64-wide head at 512 bits): one chain alone waits on each FMA's latency
        for (; c + 4 * LANES <= n; c += 4 * LANES) {
            axpyRowsChunk4(p, pOff, count, v, vOff + c, n, y, yOff + c);
        }
        for (; c + LANES <= n; c += LANES) {
            FloatVector acc = FloatVector.fromArray(FS, y, yOff + c);
            for (int t = 0; t < count; t++) {
                acc = FloatVector.fromArray(FS, v, vOff + c + t * n).fma(FloatVector.broadcast(FS, p[pOff + t]), acc);
            }
            acc.intoArray(y, yOff + c);
        }
        for (; c < n; c++) {
            float acc = y[yOff + c];
            for (int t = 0; t < count; t++) {
                acc += p[pOff + t] * v[vOff + c + t * n];
            }
            y[yOff + c] = acc;
        }
    }

    private static void axpyRowsChunk4(float[] p, int pOff, int count, float[] v, int vOff, int n, float[] y,
                                       int yOff) {
        FloatVector a0 = FloatVector.fromArray(FS, y, yOff), a1 = FloatVector.fromArray(FS, y, yOff + LANES);
        FloatVector a2 = FloatVector.fromArray(FS, y, yOff + 2 * LANES);
        FloatVector a3 = FloatVector.fromArray(FS, y, yOff + 3 * LANES);
        for (int t = 0; t < count; t++) {
            FloatVector w = FloatVector.broadcast(FS, p[pOff + t]);
            int r = vOff + t * n;
            a0 = FloatVector.fromArray(FS, v, r).fma(w, a0);
            a1 = FloatVector.fromArray(FS, v, r + LANES).fma(w, a1);
            a2 = FloatVector.fromArray(FS, v, r + 2 * LANES).fma(w, a2);
            a3 = FloatVector.fromArray(FS, v, r + 3 * LANES).fma(w, a3);
        }
        a0.intoArray(y, yOff);
        a1.intoArray(y, yOff + LANES);
        a2.intoArray(y, yOff + 2 * LANES);
        a3.intoArray(y, yOff + 3 * LANES);
    }

    private static void axpyRowsChunk8(float[] p, int pOff, int count, float[] v, int vOff, int n, float[] y,
                                       int yOff) {
        FloatVector a0 = FloatVector.fromArray(FS, y, yOff), a1 = FloatVector.fromArray(FS, y, yOff + LANES);
        FloatVector a2 = FloatVector.fromArray(FS, y, yOff + 2 * LANES);
        FloatVector a3 = FloatVector.fromArray(FS, y, yOff + 3 * LANES);
        FloatVector a4 = FloatVector.fromArray(FS, y, yOff + 4 * LANES);
        FloatVector a5 = FloatVector.fromArray(FS, y, yOff + 5 * LANES);
        FloatVector a6 = FloatVector.fromArray(FS, y, yOff + 6 * LANES);
        FloatVector a7 = FloatVector.fromArray(FS, y, yOff + 7 * LANES);
        for (int t = 0; t < count; t++) {
            FloatVector w = FloatVector.broadcast(FS, p[pOff + t]);
            int r = vOff + t * n;
            a0 = FloatVector.fromArray(FS, v, r).fma(w, a0);
            a1 = FloatVector.fromArray(FS, v, r + LANES).fma(w, a1);
            a2 = FloatVector.fromArray(FS, v, r + 2 * LANES).fma(w, a2);
            a3 = FloatVector.fromArray(FS, v, r + 3 * LANES).fma(w, a3);
            a4 = FloatVector.fromArray(FS, v, r + 4 * LANES).fma(w, a4);
            a5 = FloatVector.fromArray(FS, v, r + 5 * LANES).fma(w, a5);
            a6 = FloatVector.fromArray(FS, v, r + 6 * LANES).fma(w, a6);
            a7 = FloatVector.fromArray(FS, v, r + 7 * LANES).fma(w, a7);
        }
        a0.intoArray(y, yOff);
        a1.intoArray(y, yOff + LANES);
        a2.intoArray(y, yOff + 2 * LANES);
        a3.intoArray(y, yOff + 3 * LANES);
        a4.intoArray(y, yOff + 4 * LANES);
        a5.intoArray(y, yOff + 5 * LANES);
        a6.intoArray(y, yOff + 6 * LANES);
        a7.intoArray(y, yOff + 7 * LANES);
    }

    @Override
    public void axpyF32(float a, MemorySegment v, long vOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(FS, a);
        for (int up = FS.loopBound(n); i < up; i += LANES) {
            FloatVector.fromMemorySegment(FS, v, vOff + 4L * i, LE).fma(av, FloatVector.fromArray(FS, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * v.get(F32, vOff + 4L * i);
        }
    }

    @Override
    public void axpyF16(float a, MemorySegment v, long vOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector av = FloatVector.broadcast(FS, a);
        for (int up = n - n % (2 * LANES); i < up; i += 2 * LANES) {
            ShortVector h = ShortVector.fromMemorySegment(F16S, v, vOff + 2L * i, LE);
            halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 0))
                    .fma(av, FloatVector.fromArray(FS, y, yOff + i)).intoArray(y, yOff + i);
            halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 1))
                    .fma(av, FloatVector.fromArray(FS, y, yOff + i + LANES)).intoArray(y, yOff + i + LANES);
        }
        if (i < FS.loopBound(n)) {
            ShortVector h = ShortVector.fromMemorySegment(F16S, v, vOff + 2L * i, LE, F16_FIRST_HALF);
            halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 0))
                    .fma(av, FloatVector.fromArray(FS, y, yOff + i)).intoArray(y, yOff + i);
            i += LANES;
        }
        for (; i < n; i++) {
            y[yOff + i] += a * f16(v, vOff + 2L * i);
        }
    }

    // ---------------------------------------------------------------- int8

    /**
     * Sum of products of one 16-bit-lane load of weight bytes (signed) with the matching even and odd
     * activations, as 32-bit lanes each summing four products.
     */
    private static IntVector bytePairsDot(ShortVector v, ShortVector even, ShortVector odd) {
        ShortVector lo = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
        ShortVector hi = v.lanewise(VectorOperators.ASHR, 8);
        return widenPairsQ(lo.mul(even).add(hi.mul(odd)));
    }

    /** Adds each pair of 16-bit lanes of a {@link #QS} vector into one 32-bit lane. */
    private static IntVector widenPairsQ(ShortVector p) {
        IntVector pi = p.reinterpretAsInts();
        return pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(pi.lanewise(VectorOperators.ASHR, 16));
    }

    /** The same for a 128-bit {@link #NS} vector (a separate copy: see {@link #sumF}). */
    private static IntVector widenPairsN(ShortVector p) {
        IntVector pi = p.reinterpretAsInts();
        return pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(pi.lanewise(VectorOperators.ASHR, 16));
    }

    @Override
    public float dotQ8_0(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 32;
        short[] wide = x.wide;
        float[] xd = x.scales;
        int xo = row * x.cols;
        int xdo = row * blocks;
        // one accumulator, block after block, as ggml's AVX2 kernel (whose 32-bit lanes are these at 256 bits)
        FloatVector acc = FloatVector.zero(QF);
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 34L * b;
            acc = ((FloatVector) q8Block(w, blk, wide, xo + 32 * b).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(QF, f16(w, blk) * xd[xdo + b]), acc);
        }
        return sumQ(acc);
    }

    /** Integer dot of one Q8_0 weight block (at {@code blk}) with the activations at {@code q}, as int lanes. */
    private static IntVector q8Block(MemorySegment w, long blk, short[] wide, int q) {
        IntVector sum = bytePairsDot(ShortVector.fromMemorySegment(QS, w, blk + 2, LE),
                ShortVector.fromArray(QS, wide, q), ShortVector.fromArray(QS, wide, q + 16));
        if (QSHORTS == 8) {
            sum = sum.add(bytePairsDot(ShortVector.fromMemorySegment(QS, w, blk + 18, LE),
                    ShortVector.fromArray(QS, wide, q + 8), ShortVector.fromArray(QS, wide, q + 24)));
        }
        return sum;
    }

    /**
     * A Q4_0 block's nibbles (lane k holds bytes 2k and 2k+1: low nibbles are values 2k and 2k+1, high ones
     * 2k+16 and 2k+17) times the matching activations, as 16-bit lanes each summing four products.
     */
    private static ShortVector nibbleDot(MemorySegment w, long blk, ShortVector x0, ShortVector x1, ShortVector x2,
                                         ShortVector x3) {
        ShortVector v = ShortVector.fromMemorySegment(NS, w, blk + 2, LE);
        return v.and((short) 0x000F).mul(x0)
                .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F).mul(x2))
                .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F).mul(x1))
                .add(v.lanewise(VectorOperators.LSHR, 12).mul(x3));
    }

    @Override
    public float dotQ4_0(MemorySegment w, long wOff, QuantizedRows x, int row) {
        return QSHORTS == 16 ? dotQ4_0Pairs(w, wOff, x, row) : dotQ4_0Blocks(w, wOff, x, row);
    }

    /** Upper half of 16 short lanes; of 8 int lanes. */
    private static final jdk.incubator.vector.VectorMask<Short> HIGH_SHORTS = QS.indexInRange(-QSHORTS / 2, QSHORTS / 2);
    private static final jdk.incubator.vector.VectorMask<Float> HIGH_FLOATS =
            QF.indexInRange(-QF.length() / 2, QF.length() / 2);

    /**
     * Q4_0 at 256 bits: blocks b and b+1 in one vector (b's 16 quant bytes from one load, b+1's from another
     * 2 bytes further, blended), so each instruction works on 32 nibbles. The nibbles are stored +8: each
     * 32-bit lane subtracts 8 times the sum of its activations ({@link QuantizedRows#laneSums}), so its integer
     * is the exact sum of (q - 8) * x over the lane's eight values, which {@link #gemmDots} reproduces.
     */
    private float dotQ4_0Pairs(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 32;
        short[] pairs = x.pairs;
        float[] xd = x.scales;
        int[] laneSums = x.laneSums;
        int xo = row * x.cols;
        int xdo = row * blocks;
        int lso = row * (x.cols / 8);
        FloatVector acc = FloatVector.zero(QF);
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            long blk = wOff + 18L * b;
            int q = xo + 32 * b;
            ShortVector v = ShortVector.fromMemorySegment(QS, w, blk + 2, LE)
                    .blend(ShortVector.fromMemorySegment(QS, w, blk + 4, LE), HIGH_SHORTS);
            ShortVector p = v.and((short) 0x000F).mul(ShortVector.fromArray(QS, pairs, q))
                    .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F).mul(ShortVector.fromArray(QS, pairs, q + 16)))
                    .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F).mul(ShortVector.fromArray(QS, pairs, q + 32)))
                    .add(v.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(QS, pairs, q + 48)));
            float d0 = f16(w, blk) * xd[xdo + b];
            float d1 = f16(w, blk + 18) * xd[xdo + b + 1];
            FloatVector d = FloatVector.broadcast(QF, d0).blend(FloatVector.broadcast(QF, d1), HIGH_FLOATS);
            IntVector lanes = widenPairsQ(p).sub(IntVector.fromArray(QI, laneSums, lso + 4 * b));
            acc = ((FloatVector) lanes.convert(VectorOperators.I2F, 0)).fma(d, acc);
        }
        float tail = 0f;
        if (b < blocks) {
            tail = q4_0Block(w, wOff + 18L * b, x, xo + 32 * b, xdo + b);
        }
        return sumQ(acc) + tail;
    }

    @Override
    public boolean packs(dev.djinn.core.tensor.GgmlType type) {
        return QSHORTS == 16 && switch (type) {
            case Q4_0, Q8_0, Q4_K, Q6_K -> true;
            default -> false;
        };
    }

    private static final long Q4_0_PAIR_BYTES = PackedBlocks.unitBytes(dev.djinn.core.tensor.GgmlType.Q4_0);

    /**
     * For {@link #dotQ4_0Packed}: lanes 0-3 take a row's first scale of a pair of blocks, lanes 4-7 its second
     * (row A's scales are lanes 0 and 1 of the eight loaded, row B's 2 and 3; 4-7 are quant bytes).
     */
    private static final jdk.incubator.vector.VectorShuffle<Float> ROW0_SCALES = rowScales(0);
    private static final jdk.incubator.vector.VectorShuffle<Float> ROW1_SCALES = rowScales(1);

    private static jdk.incubator.vector.VectorShuffle<Float> rowScales(int r) {
        return jdk.incubator.vector.VectorShuffle.fromArray(QF, pairLanes(r, QF.length()), 0);
    }

    /**
     * Shuffle indices taking lane 2k into the low half of {@code lanes} lanes and lane 2k + 1 into the high
     * half, clamped so that narrower species (where the kernels using them do not run) still initialise.
     */
    private static int[] pairLanes(int k, int lanes) {
        int[] idx = new int[lanes];
        for (int i = 0; i < lanes; i++) {
            idx[i] = Math.min(2 * k + (i < lanes / 2 ? 0 : 1), lanes - 1);
        }
        return idx;
    }

    /**
     * Two rows ({@code firstRow} and the next, {@code firstRow} 0 or 2) of a packed Q4_0 group ({@link
     * PackedBlocks}, at {@code groupOff}) times activation row {@code row}, into {@code out[outOff]} and {@code
     * out[outOff + 1]}: per row exactly {@link #dotQ4_0Pairs}'s arithmetic, so the same bits. The rows share
     * the activation loads and one load of the scales per pair of blocks, and each row's nibbles
     * come from one load. Each 32-bit lane's two 16-bit sums add up in its upper half ((p + (p << 16)) >> 16:
     * the sum fits 16 bits, and the lower half carries nothing into it). Nibbles are pulled out with 32-bit
     * shifts, which x86 has with immediate counts (C2 gives 16-bit vector shifts a count register each). The
     * two rows are written out, and a call covers two rows, not four: past a size C2 stops inlining into a
     * method, and Vector API calls left out of line allocate.
     */
    @Override
    public void dotQ4_0Packed(MemorySegment packed, long run, long stride, QuantizedRows x, int row, float[] out,
                              int outOff) {
        if (ROW_PAIRS_AT_ONCE) {
            dotQ4_0RowPair(packed, run, stride, x, row, out, outOff);
            return;
        }
        int npairs = x.cols / 64;
        short[] pairs = x.pairs;
        int[] laneSums = x.laneSums;
        float[] pairDx = x.pairDx;
        int xo = row * x.cols;
        int lso = row * (x.cols / 8);
        // the row pair's run: per pair of blocks its four scales (row A's two, row B's two), then A's and B's quants
        long base = run;
        long quants = base + PackedBlocks.SCALE_BYTES;
        FloatVector acc0 = FloatVector.zero(QF), acc1 = acc0;
        for (int p = 0; p < npairs; p++) {
            long g = stride * p;
            int q = xo + 64 * p;
            ShortVector x0 = ShortVector.fromArray(QS, pairs, q);
            ShortVector x1 = ShortVector.fromArray(QS, pairs, q + 16);
            ShortVector x2 = ShortVector.fromArray(QS, pairs, q + 32);
            ShortVector x3 = ShortVector.fromArray(QS, pairs, q + 48);
            IntVector ls = IntVector.fromArray(QI, laneSums, lso + 8 * p);
            // the four scales (lanes 4-7 are quant bytes, unused) times the activations'
            FloatVector scales = FloatVector.fromMemorySegment(QF, packed, base + g, LE)
                    .mul(FloatVector.fromArray(QF, pairDx, lso + 8 * p));

            IntVector v = IntVector.fromMemorySegment(QI, packed, quants + g, LE);
            IntVector pi = v.and(0x000F000F).reinterpretAsShorts().mul(x0)
                    .add(v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(x1))
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(x2))
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(x3))
                    .reinterpretAsInts();
            IntVector lanes = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).sub(ls);
            acc0 = ((FloatVector) lanes.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(ROW0_SCALES), acc0);

            v = IntVector.fromMemorySegment(QI, packed, quants + 32 + g, LE);
            pi = v.and(0x000F000F).reinterpretAsShorts().mul(x0)
                    .add(v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(x1))
                    .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(x2))
                    .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(x3))
                    .reinterpretAsInts();
            lanes = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).sub(ls);
            acc1 = ((FloatVector) lanes.convert(VectorOperators.I2F, 0)).fma(scales.rearrange(ROW1_SCALES), acc1);
        }
        // sumQ's order, written out: a call here might not be inlined, and its vector argument would be boxed
        FloatVector h0 = acc0.add(acc0.rearrange(SWAP_HALVES));
        FloatVector h1 = acc1.add(acc1.rearrange(SWAP_HALVES));
        out[outOff] = (h0.lane(0) + h0.lane(2)) + (h0.lane(1) + h0.lane(3));
        out[outOff + 1] = (h1.lane(0) + h1.lane(2)) + (h1.lane(1) + h1.lane(3));
    }

    /**
     * 512-bit vectors: {@link #dotQ4_0Packed} takes a row pair's two runs of nibbles (adjacent in the packed
     * layout) in one load, the lower half row A's, the upper row B's, against the activations doubled.
     */
    private static final boolean ROW_PAIRS_AT_ONCE = BITS == 512;
    private static final VectorSpecies<Short> WS = ShortVector.SPECIES_512;
    private static final VectorSpecies<Integer> WI = IntVector.SPECIES_512;
    private static final VectorSpecies<Float> WF = FloatVector.SPECIES_512;
    /** The four scales [A0, A1, B0, B1] spread as lanes 0-3 A0, 4-7 A1, 8-11 B0, 12-15 B1. */
    private static final jdk.incubator.vector.VectorShuffle<Float> ROW_PAIR_SCALES =
            jdk.incubator.vector.VectorShuffle.fromOp(WF, i -> i / 4);

    @Override
    public boolean wideInt8Kernels() {
        return ROW_PAIRS_AT_ONCE;
    }

    /**
     * {@link #dotQ4_0Packed} with both rows in one 512-bit vector: lane for lane the arithmetic of the 256-bit
     * kernel, row A in lanes 0-7 and row B in 8-15, so the same bits. At 256 bits each pair of blocks costs
     * two rows' worth of shifts, masks and multiplies; here one. The 512-bit kernels shift the nibbles out of
     * 16-bit lanes (same bits as 32-bit shifts and masks, measured as fast): after a prompt, C2 left one of the
     * 32-bit shifts of {@link #dotQ4_0PackedGroups} out of line in about half the starts, boxing it.
     */
    private static void dotQ4_0RowPair(MemorySegment packed, long run, long stride, QuantizedRows x, int row,
                                       float[] out, int outOff) {
        int npairs = x.cols / 64;
        short[] pairs = x.pairShortsTwice;
        int[] laneSums = x.laneSumsTwice;
        float[] xScales = x.scales;
        int xo = 2 * row * x.cols;
        int lso = 2 * row * (x.cols / 8);
        long base = run;
        long quants = base + PackedBlocks.SCALE_BYTES;
        FloatVector acc = FloatVector.zero(WF);
        for (int p = 0; p < npairs; p++) {
            long g = stride * p;
            int q = xo + 128 * p;
            ShortVector x01 = ShortVector.fromArray(WS, pairs, (q) / 2);
            ShortVector x0 = x01.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector x1 = x01.lanewise(VectorOperators.ASHR, 8);
            ShortVector x23 = ShortVector.fromArray(WS, pairs, (q) / 2 + 32);
            ShortVector x2 = x23.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector x3 = x23.lanewise(VectorOperators.ASHR, 8);
            IntVector ls = IntVector.fromArray(WI, laneSums, lso + 16 * p);
            // lanes 0-3 of the 64 bytes at the pair are its four scales; the rest are quant bytes, unused
            FloatVector scales = FloatVector.fromMemorySegment(WF, packed, base + g, LE).rearrange(ROW_PAIR_SCALES)
                    .mul(pairScales(xScales, row * (x.cols / 32) + 2 * p));
            ShortVector v = ShortVector.fromMemorySegment(WS, packed, quants + g, LE);
            IntVector pi = v.and((short) 0x000F).mul(x0)
                    .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F).mul(x1))
                    .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F).mul(x2))
                    .add(v.lanewise(VectorOperators.LSHR, 12).mul(x3))
                    .reinterpretAsInts();
            IntVector lanes = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).sub(ls);
            acc = ((FloatVector) lanes.convert(VectorOperators.I2F, 0)).fma(scales, acc);
        }
        // the 256-bit kernel's final sums, per half
        out[outOff] = ((acc.lane(0) + acc.lane(4)) + (acc.lane(2) + acc.lane(6)))
                + ((acc.lane(1) + acc.lane(5)) + (acc.lane(3) + acc.lane(7)));
        out[outOff + 1] = ((acc.lane(8) + acc.lane(12)) + (acc.lane(10) + acc.lane(14)))
                + ((acc.lane(9) + acc.lane(13)) + (acc.lane(11) + acc.lane(15)));
    }

    /**
     * At 512 bits, the group's two row pairs in one pass ({@link #dotQ4_0RowPair}'s arithmetic for each): the
     * activations load once for four rows, and the two runs stream from memory side by side.
     */
    @Override
    public void dotQ4_0PackedGroup(MemorySegment packed, long run, long stride, QuantizedRows x, int row, float[] out,
                                   int outOff) {
        if (!ROW_PAIRS_AT_ONCE) {
            super.dotQ4_0PackedGroup(packed, run, stride, x, row, out, outOff);
            return;
        }
        int npairs = x.cols / 64;
        short[] pairs = x.pairShortsTwice;
        int[] laneSums = x.laneSumsTwice;
        float[] xScales = x.scales;
        int xo = 2 * row * x.cols;
        int lso = 2 * row * (x.cols / 8);
        long base0 = run;
        long base1 = run + Q4_0_PAIR_BYTES;
        long quants0 = base0 + PackedBlocks.SCALE_BYTES;
        long quants1 = base1 + PackedBlocks.SCALE_BYTES;
        FloatVector acc0 = FloatVector.zero(WF), acc1 = acc0;
        for (int p = 0; p < npairs; p++) {
            long g = stride * p;
            int q = xo + 128 * p;
            ShortVector x01 = ShortVector.fromArray(WS, pairs, (q) / 2);
            ShortVector x0 = x01.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector x1 = x01.lanewise(VectorOperators.ASHR, 8);
            ShortVector x23 = ShortVector.fromArray(WS, pairs, (q) / 2 + 32);
            ShortVector x2 = x23.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector x3 = x23.lanewise(VectorOperators.ASHR, 8);
            IntVector ls = IntVector.fromArray(WI, laneSums, lso + 16 * p);
            FloatVector dx = pairScales(xScales, row * (x.cols / 32) + 2 * p);

            FloatVector scales = FloatVector.fromMemorySegment(WF, packed, base0 + g, LE).rearrange(ROW_PAIR_SCALES).mul(dx);
            ShortVector v = ShortVector.fromMemorySegment(WS, packed, quants0 + g, LE);
            IntVector pi = v.and((short) 0x000F).mul(x0)
                    .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F).mul(x1))
                    .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F).mul(x2))
                    .add(v.lanewise(VectorOperators.LSHR, 12).mul(x3))
                    .reinterpretAsInts();
            IntVector lanes = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).sub(ls);
            acc0 = ((FloatVector) lanes.convert(VectorOperators.I2F, 0)).fma(scales, acc0);

            scales = FloatVector.fromMemorySegment(WF, packed, base1 + g, LE).rearrange(ROW_PAIR_SCALES).mul(dx);
            v = ShortVector.fromMemorySegment(WS, packed, quants1 + g, LE);
            pi = v.and((short) 0x000F).mul(x0)
                    .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F).mul(x1))
                    .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F).mul(x2))
                    .add(v.lanewise(VectorOperators.LSHR, 12).mul(x3))
                    .reinterpretAsInts();
            lanes = pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16).sub(ls);
            acc1 = ((FloatVector) lanes.convert(VectorOperators.I2F, 0)).fma(scales, acc1);
        }
        out[outOff] = ((acc0.lane(0) + acc0.lane(4)) + (acc0.lane(2) + acc0.lane(6)))
                + ((acc0.lane(1) + acc0.lane(5)) + (acc0.lane(3) + acc0.lane(7)));
        out[outOff + 1] = ((acc0.lane(8) + acc0.lane(12)) + (acc0.lane(10) + acc0.lane(14)))
                + ((acc0.lane(9) + acc0.lane(13)) + (acc0.lane(11) + acc0.lane(15)));
        out[outOff + 2] = ((acc1.lane(0) + acc1.lane(4)) + (acc1.lane(2) + acc1.lane(6)))
                + ((acc1.lane(1) + acc1.lane(5)) + (acc1.lane(3) + acc1.lane(7)));
        out[outOff + 3] = ((acc1.lane(8) + acc1.lane(12)) + (acc1.lane(10) + acc1.lane(14)))
                + ((acc1.lane(9) + acc1.lane(13)) + (acc1.lane(11) + acc1.lane(15)));
    }

    /**
     * Shift counts as vectors for {@link #dotQ4_0PackedGroups}: a shift by a scalar goes through the Vector API's
     * scalar broadcast, which some C2 compiles of that kernel left out of line (boxing, young GCs in decode).
     */
    private static final ShortVector SHIFT_4 = ShortVector.broadcast(WS, (short) 4);
    private static final ShortVector SHIFT_8 = ShortVector.broadcast(WS, (short) 8);
    private static final ShortVector SHIFT_12 = ShortVector.broadcast(WS, (short) 12);
    private static final IntVector SHIFT_16 = IntVector.broadcast(WI, 16);

    @Override
    public void dotQ4_0PackedGroups(MemorySegment packed, long run, long stride, QuantizedRows x, int row,
                                    float[] out, int outOff) {
        int npairs = x.cols / 64;
        short[] pairs = x.pairShortsTwice;
        int[] laneSums = x.laneSumsTwice;
        float[] xScales = x.scales;
        int xo = 2 * row * x.cols;
        int lso = 2 * row * (x.cols / 8);
        long b0 = run, b1 = b0 + Q4_0_PAIR_BYTES, b2 = b1 + Q4_0_PAIR_BYTES, b3 = b2 + Q4_0_PAIR_BYTES;
        FloatVector acc0 = FloatVector.zero(WF), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int p = 0; p < npairs; p++) {
            long g = stride * p;
            int q = xo + 128 * p;
            ShortVector x01 = ShortVector.fromArray(WS, pairs, (q) / 2);
            ShortVector x0 = x01.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector x1 = x01.lanewise(VectorOperators.ASHR, 8);
            ShortVector x23 = ShortVector.fromArray(WS, pairs, (q) / 2 + 32);
            ShortVector x2 = x23.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector x3 = x23.lanewise(VectorOperators.ASHR, 8);
            IntVector ls = IntVector.fromArray(WI, laneSums, lso + 16 * p);
            FloatVector dx = pairScales(xScales, row * (x.cols / 32) + 2 * p);
            FloatVector sc0 = FloatVector.fromMemorySegment(WF, packed, b0 + g, LE).rearrange(ROW_PAIR_SCALES).mul(dx);
            ShortVector v0 = ShortVector.fromMemorySegment(WS, packed, b0 + g + PackedBlocks.SCALE_BYTES, LE);
            IntVector p0 = v0.and((short) 0x000F).mul(x0)
                    .add(v0.lanewise(VectorOperators.LSHR, SHIFT_4).and((short) 0x000F).mul(x1))
                    .add(v0.lanewise(VectorOperators.LSHR, SHIFT_8).and((short) 0x000F).mul(x2))
                    .add(v0.lanewise(VectorOperators.LSHR, SHIFT_12).mul(x3))
                    .reinterpretAsInts();
            acc0 = ((FloatVector) p0.add(p0.lanewise(VectorOperators.LSHL, SHIFT_16)).lanewise(VectorOperators.ASHR, SHIFT_16).sub(ls)
                    .convert(VectorOperators.I2F, 0)).fma(sc0, acc0);
            FloatVector sc1 = FloatVector.fromMemorySegment(WF, packed, b1 + g, LE).rearrange(ROW_PAIR_SCALES).mul(dx);
            ShortVector v1 = ShortVector.fromMemorySegment(WS, packed, b1 + g + PackedBlocks.SCALE_BYTES, LE);
            IntVector p1 = v1.and((short) 0x000F).mul(x0)
                    .add(v1.lanewise(VectorOperators.LSHR, SHIFT_4).and((short) 0x000F).mul(x1))
                    .add(v1.lanewise(VectorOperators.LSHR, SHIFT_8).and((short) 0x000F).mul(x2))
                    .add(v1.lanewise(VectorOperators.LSHR, SHIFT_12).mul(x3))
                    .reinterpretAsInts();
            acc1 = ((FloatVector) p1.add(p1.lanewise(VectorOperators.LSHL, SHIFT_16)).lanewise(VectorOperators.ASHR, SHIFT_16).sub(ls)
                    .convert(VectorOperators.I2F, 0)).fma(sc1, acc1);
            FloatVector sc2 = FloatVector.fromMemorySegment(WF, packed, b2 + g, LE).rearrange(ROW_PAIR_SCALES).mul(dx);
            ShortVector v2 = ShortVector.fromMemorySegment(WS, packed, b2 + g + PackedBlocks.SCALE_BYTES, LE);
            IntVector p2 = v2.and((short) 0x000F).mul(x0)
                    .add(v2.lanewise(VectorOperators.LSHR, SHIFT_4).and((short) 0x000F).mul(x1))
                    .add(v2.lanewise(VectorOperators.LSHR, SHIFT_8).and((short) 0x000F).mul(x2))
                    .add(v2.lanewise(VectorOperators.LSHR, SHIFT_12).mul(x3))
                    .reinterpretAsInts();
            acc2 = ((FloatVector) p2.add(p2.lanewise(VectorOperators.LSHL, SHIFT_16)).lanewise(VectorOperators.ASHR, SHIFT_16).sub(ls)
                    .convert(VectorOperators.I2F, 0)).fma(sc2, acc2);
            FloatVector sc3 = FloatVector.fromMemorySegment(WF, packed, b3 + g, LE).rearrange(ROW_PAIR_SCALES).mul(dx);
            ShortVector v3 = ShortVector.fromMemorySegment(WS, packed, b3 + g + PackedBlocks.SCALE_BYTES, LE);
            IntVector p3 = v3.and((short) 0x000F).mul(x0)
                    .add(v3.lanewise(VectorOperators.LSHR, SHIFT_4).and((short) 0x000F).mul(x1))
                    .add(v3.lanewise(VectorOperators.LSHR, SHIFT_8).and((short) 0x000F).mul(x2))
                    .add(v3.lanewise(VectorOperators.LSHR, SHIFT_12).mul(x3))
                    .reinterpretAsInts();
            acc3 = ((FloatVector) p3.add(p3.lanewise(VectorOperators.LSHL, SHIFT_16)).lanewise(VectorOperators.ASHR, SHIFT_16).sub(ls)
                    .convert(VectorOperators.I2F, 0)).fma(sc3, acc3);
        }
        out[outOff + 0] = ((acc0.lane(0) + acc0.lane(4)) + (acc0.lane(2) + acc0.lane(6)))
                + ((acc0.lane(1) + acc0.lane(5)) + (acc0.lane(3) + acc0.lane(7)));
        out[outOff + 1] = ((acc0.lane(8) + acc0.lane(12)) + (acc0.lane(10) + acc0.lane(14)))
                + ((acc0.lane(9) + acc0.lane(13)) + (acc0.lane(11) + acc0.lane(15)));
        out[outOff + 2] = ((acc1.lane(0) + acc1.lane(4)) + (acc1.lane(2) + acc1.lane(6)))
                + ((acc1.lane(1) + acc1.lane(5)) + (acc1.lane(3) + acc1.lane(7)));
        out[outOff + 3] = ((acc1.lane(8) + acc1.lane(12)) + (acc1.lane(10) + acc1.lane(14)))
                + ((acc1.lane(9) + acc1.lane(13)) + (acc1.lane(11) + acc1.lane(15)));
        out[outOff + 4] = ((acc2.lane(0) + acc2.lane(4)) + (acc2.lane(2) + acc2.lane(6)))
                + ((acc2.lane(1) + acc2.lane(5)) + (acc2.lane(3) + acc2.lane(7)));
        out[outOff + 5] = ((acc2.lane(8) + acc2.lane(12)) + (acc2.lane(10) + acc2.lane(14)))
                + ((acc2.lane(9) + acc2.lane(13)) + (acc2.lane(11) + acc2.lane(15)));
        out[outOff + 6] = ((acc3.lane(0) + acc3.lane(4)) + (acc3.lane(2) + acc3.lane(6)))
                + ((acc3.lane(1) + acc3.lane(5)) + (acc3.lane(3) + acc3.lane(7)));
        out[outOff + 7] = ((acc3.lane(8) + acc3.lane(12)) + (acc3.lane(10) + acc3.lane(14)))
                + ((acc3.lane(9) + acc3.lane(13)) + (acc3.lane(11) + acc3.lane(15)));
    }

    /**
     * Two row-pair runs of packed Q4_0 weights ({@code b0}, {@code b1}: four weight rows) times two generated
     * rows {@code rowA} and {@code rowB} at once: each run's nibbles are pulled apart once for both rows, and
     * each row's lanes see exactly the operations of {@link #dotQ4_0PackedGroups}, so its four results are that
     * kernel's bits. Results for row A go to {@code out[outA ..]}, for row B to {@code out[outB ..]}.
     */
    @Override
    public void dotQ4_0PackedRunsTwoRows(MemorySegment packed, long b0, long b1, long stride, QuantizedRows x, int rowA,
                                         int rowB, float[] out, int outA, int outB) {
        int npairs = x.cols / 64;
        short[] pairs = x.pairShortsTwice;
        int[] laneSums = x.laneSumsTwice;
        float[] xScales = x.scales;
        int xa = 2 * rowA * x.cols, xb = 2 * rowB * x.cols;
        int la = 2 * rowA * (x.cols / 8), lb = 2 * rowB * (x.cols / 8);
        FloatVector acc0A = FloatVector.zero(WF), acc1A = acc0A, acc0B = acc0A, acc1B = acc0A;
        for (int p = 0; p < npairs; p++) {
            long g = stride * p;
            ShortVector xA01 = ShortVector.fromArray(WS, pairs, (xa + 128 * p) / 2);
            ShortVector xA0 = xA01.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector xA1 = xA01.lanewise(VectorOperators.ASHR, 8);
            ShortVector xA23 = ShortVector.fromArray(WS, pairs, (xa + 128 * p) / 2 + 32);
            ShortVector xA2 = xA23.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector xA3 = xA23.lanewise(VectorOperators.ASHR, 8);
            ShortVector xB01 = ShortVector.fromArray(WS, pairs, (xb + 128 * p) / 2);
            ShortVector xB0 = xB01.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector xB1 = xB01.lanewise(VectorOperators.ASHR, 8);
            ShortVector xB23 = ShortVector.fromArray(WS, pairs, (xb + 128 * p) / 2 + 32);
            ShortVector xB2 = xB23.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector xB3 = xB23.lanewise(VectorOperators.ASHR, 8);
            IntVector lsA = IntVector.fromArray(WI, laneSums, la + 16 * p);
            IntVector lsB = IntVector.fromArray(WI, laneSums, lb + 16 * p);
            FloatVector dxA = pairScales(xScales, rowA * (x.cols / 32) + 2 * p);
            FloatVector dxB = pairScales(xScales, rowB * (x.cols / 32) + 2 * p);
            FloatVector w0 = FloatVector.fromMemorySegment(WF, packed, b0 + g, LE).rearrange(ROW_PAIR_SCALES);
            ShortVector v0 = ShortVector.fromMemorySegment(WS, packed, b0 + g + PackedBlocks.SCALE_BYTES, LE);
            ShortVector n00 = v0.and((short) 0x000F);
            ShortVector n01 = v0.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F);
            ShortVector n02 = v0.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F);
            ShortVector n03 = v0.lanewise(VectorOperators.LSHR, 12);
            IntVector p0A = n00.mul(xA0).add(n01.mul(xA1)).add(n02.mul(xA2)).add(n03.mul(xA3))
                    .reinterpretAsInts();
            acc0A = ((FloatVector) p0A.add(p0A.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                    .sub(lsA).convert(VectorOperators.I2F, 0)).fma(w0.mul(dxA), acc0A);
            IntVector p0B = n00.mul(xB0).add(n01.mul(xB1)).add(n02.mul(xB2)).add(n03.mul(xB3))
                    .reinterpretAsInts();
            acc0B = ((FloatVector) p0B.add(p0B.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                    .sub(lsB).convert(VectorOperators.I2F, 0)).fma(w0.mul(dxB), acc0B);
            FloatVector w1 = FloatVector.fromMemorySegment(WF, packed, b1 + g, LE).rearrange(ROW_PAIR_SCALES);
            ShortVector v1 = ShortVector.fromMemorySegment(WS, packed, b1 + g + PackedBlocks.SCALE_BYTES, LE);
            ShortVector n10 = v1.and((short) 0x000F);
            ShortVector n11 = v1.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F);
            ShortVector n12 = v1.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F);
            ShortVector n13 = v1.lanewise(VectorOperators.LSHR, 12);
            IntVector p1A = n10.mul(xA0).add(n11.mul(xA1)).add(n12.mul(xA2)).add(n13.mul(xA3))
                    .reinterpretAsInts();
            acc1A = ((FloatVector) p1A.add(p1A.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                    .sub(lsA).convert(VectorOperators.I2F, 0)).fma(w1.mul(dxA), acc1A);
            IntVector p1B = n10.mul(xB0).add(n11.mul(xB1)).add(n12.mul(xB2)).add(n13.mul(xB3))
                    .reinterpretAsInts();
            acc1B = ((FloatVector) p1B.add(p1B.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                    .sub(lsB).convert(VectorOperators.I2F, 0)).fma(w1.mul(dxB), acc1B);
        }
        // written out: a helper for these sums, even with an inline directive, made the kernel 3-5x slower in
        // most JVM starts (JMH MatMat, 16 generated rows)
        out[outA] = ((acc0A.lane(0) + acc0A.lane(4)) + (acc0A.lane(2) + acc0A.lane(6)))
                + ((acc0A.lane(1) + acc0A.lane(5)) + (acc0A.lane(3) + acc0A.lane(7)));
        out[outA + 1] = ((acc0A.lane(8) + acc0A.lane(12)) + (acc0A.lane(10) + acc0A.lane(14)))
                + ((acc0A.lane(9) + acc0A.lane(13)) + (acc0A.lane(11) + acc0A.lane(15)));
        out[outA + 2] = ((acc1A.lane(0) + acc1A.lane(4)) + (acc1A.lane(2) + acc1A.lane(6)))
                + ((acc1A.lane(1) + acc1A.lane(5)) + (acc1A.lane(3) + acc1A.lane(7)));
        out[outA + 2 + 1] = ((acc1A.lane(8) + acc1A.lane(12)) + (acc1A.lane(10) + acc1A.lane(14)))
                + ((acc1A.lane(9) + acc1A.lane(13)) + (acc1A.lane(11) + acc1A.lane(15)));
        out[outB] = ((acc0B.lane(0) + acc0B.lane(4)) + (acc0B.lane(2) + acc0B.lane(6)))
                + ((acc0B.lane(1) + acc0B.lane(5)) + (acc0B.lane(3) + acc0B.lane(7)));
        out[outB + 1] = ((acc0B.lane(8) + acc0B.lane(12)) + (acc0B.lane(10) + acc0B.lane(14)))
                + ((acc0B.lane(9) + acc0B.lane(13)) + (acc0B.lane(11) + acc0B.lane(15)));
        out[outB + 2] = ((acc1B.lane(0) + acc1B.lane(4)) + (acc1B.lane(2) + acc1B.lane(6)))
                + ((acc1B.lane(1) + acc1B.lane(5)) + (acc1B.lane(3) + acc1B.lane(7)));
        out[outB + 2 + 1] = ((acc1B.lane(8) + acc1B.lane(12)) + (acc1B.lane(10) + acc1B.lane(14)))
                + ((acc1B.lane(9) + acc1B.lane(13)) + (acc1B.lane(11) + acc1B.lane(15)));
    }

    @Override
    public int generatedGemmTokens() {
        return ROW_PAIRS_AT_ONCE ? GENERATED_GROUP : 0;
    }

    /**
     * Generated rows per pass of {@link #generatedPass}: their 16 running sums and 16 partial sums per lane
     * (measured: 5 to 8 rows run at the same rate, 4 at 80% of it).
     */
    private static final int GENERATED_GROUP = 8;
    /** Pairs of blocks per chunk: 32 KiB of quant words for 32 weight rows, which stay in L1 while passes run. */
    private static final int GENERATED_CHUNK = 32;

    /**
     * The value of a pair of blocks that the Q4_0 pair kernel's 32-bit lane j multiplies in step s of {@link
     * #generatedPass} (j &lt; 4: values 4j..4j+3 and 4j+16..4j+19 of the first block, j &gt;= 4 the same of the
     * second): the nibble at bits 4s..4s+3 of the lane's word, byte s / 2, high nibble when s is odd.
     */
    private static int laneValue(int j, int s) {
        return 32 * (j / 4) + 4 * (j % 4) + s / 2 + 16 * (s % 2);
    }

    @Override
    public void prepareGeneratedGemm(QuantizedRows x, int group) {
        int n = x.cols;
        int npairs = n / 64;
        // per lane j and pair, the group's rows side by side per step (see laneValue), and -8 times the sum of
        // each row's eight (the scales: MatMul.prepare)
        for (int i = 0; i < GENERATED_GROUP; i++) {
            int slot = group * GENERATED_GROUP + i;
            boolean present = slot < x.dotFloatCount;
            int t = present ? x.dotRows[slot] : 0;
            for (int j = 0; j < 8; j++) {
                for (int p = 0; p < npairs; p++) {
                    int pass = (group * 8 + j) * npairs + p;
                    int sum = 0;
                    for (int step = 0; step < 8; step++) {
                        int q = present ? x.quants[t * n + 64 * p + laneValue(j, step)] : 0;
                        x.dotFloats[(pass * 8 + step) * GENERATED_GROUP + i] = q;
                        sum += q;
                    }
                    x.dotFloatSums[pass * GENERATED_GROUP + i] = -8 * sum;
                }
            }
        }
    }

    /** Per thread, for {@link #gemmQ4_0PackedGenerated}: the chunk's row scales, then the running sums. */
    private static final ThreadLocal<float[]> GENERATED_SCRATCH = new ThreadLocal<>();
    /** Per thread: the chunk's quant words, per lane j and pair the 32 rows' side by side. */
    private static final ThreadLocal<int[]> GENERATED_WORDS =
            ThreadLocal.withInitial(() -> new int[GENERATED_CHUNK * 8 * 32]);
    private static final ThreadLocal<int[]> GENERATED_UNITS =
            ThreadLocal.withInitial(() -> new int[4 * GENERATED_CHUNK * 80]);
    private static final int GENERATED_SUMS = GENERATED_CHUNK * 2 * 32;
    /**
     * In a chunk's units of four interleaved blocks copied as ints (block after block, pair 0's units first):
     * lane l's row's quants in pair 0, for rows 0-15 then 16-31.
     */
    private static final int[] GENERATED_QUANTS = new int[32];
    /** The same for the row's first scale. */
    private static final int[] GENERATED_SCALE = new int[32];

    static {
        for (int l = 0; l < 32; l++) {
            int block = l / 8;
            int pair = (l % 8) / 2;
            int half = l % 2;
            GENERATED_SCALE[l] = block * GENERATED_CHUNK * 80 + pair * 20 + 2 * half;
            GENERATED_QUANTS[l] = block * GENERATED_CHUNK * 80 + pair * 20 + 4 + 8 * half;
        }
    }

    /**
     * The 512-bit Q4_0 kernel's arithmetic ({@link #dotQ4_0PackedGroups}) with 32 weight rows in the lanes of two
     * vectors and the generated rows broadcast, eight at a time: that kernel's 32-bit lane j of a row holds, per
     * pair of blocks, the exact integer sum of eight products ((q - 8) times the activation, see {@link
     * #laneValue}), converted to float and added to its running sum by {@code fma(lane, dw * dx, sum)}, and at
     * the end the row's result is {@code ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7))}. Here each integer
     * sum is float multiply-adds of integer-valued floats (at most 8 * 8 * 127 + 8 * 15 * 127 in magnitude, so
     * exact): the same numbers, the same roundings, the same bits, at the rate of float multiply-adds (each
     * broadcast feeds two, each weight vector eight) rather than the int8 kernels'.
     */
    @Override
    public void gemmQ4_0PackedGenerated(MemorySegment packed, long run, long blockBytes, long stride, QuantizedRows x,
                                        float[] out, int outStride, int outCol) {
        int cols = x.cols;
        int npairs = cols / 64;
        int blocks = cols / 32;
        int groups = Math.ceilDiv(x.dotFloatCount, GENERATED_GROUP);
        int size = GENERATED_SUMS + groups * GENERATED_GROUP * 2 * 8 * 16;
        float[] t = GENERATED_SCRATCH.get();
        if (t == null || t.length < size) {
            t = new float[size];
            GENERATED_SCRATCH.set(t);
        }
        int[] words = GENERATED_WORDS.get();
        int[] units = GENERATED_UNITS.get();
        java.util.Arrays.fill(t, GENERATED_SUMS, size, 0f);
        for (int c0 = 0; c0 < npairs; c0 += GENERATED_CHUNK) {
            int pairs = Math.min(GENERATED_CHUNK, npairs - c0);
            for (int b = 0; b < 4; b++) {
                // each block's units for the chunk lie side by side: one bulk copy each
                MemorySegment.copy(packed, I32LE, run + b * blockBytes + stride * c0, units,
                        b * GENERATED_CHUNK * 80, pairs * 80);
            }
            for (int p = 0; p < pairs; p++) {
                decodeGeneratedPair(units, words, t, p, pairs);
            }
            for (int g = 0; g < groups; g++) {
                for (int j = 0; j < 8; j++) {
                    int pass = (g * 8 + j) * npairs + c0;
                    generatedPass(words, t, x.dotFloats, pass * 8 * GENERATED_GROUP, x.dotFloatSums,
                            pass * GENERATED_GROUP, x.dotFloatScales, (g * blocks + 2 * c0 + (j >> 2)) * GENERATED_GROUP,
                            j, pairs, GENERATED_SUMS + (g * GENERATED_GROUP * 2 * 8 + j) * 16);
                }
            }
        }
        storeGeneratedSums(t, GENERATED_SUMS, x, out, outStride, outCol);
    }

    /**
     * Eight row pairs' words into eight word vectors, the transpose the generated-row GEMMs need (where sixteen
     * gathers cost more): input i (its 16 ints at {@code first + (i % 4) * strideLow + (i / 4) * strideHigh} of
     * {@code src}: the pair's first row's words 0-7, then its second row's) gives lanes 2i and 2i + 1 of output j
     * (at {@code to + j * step} of {@code dst}) their word j. Each input's halves are interleaved so that word j
     * of both rows makes one 64-bit lane j, then the 8 x 8 transpose of 64-bit lanes takes three rounds of
     * two-vector selections.
     */
    private static void transposeWords(int[] src, int first, int strideLow, int strideHigh, int[] dst, int to,
                                       int step) {
        LongVector w0 = words(src, first);
        LongVector w1 = words(src, first + strideLow);
        LongVector w2 = words(src, first + 2 * strideLow);
        LongVector w3 = words(src, first + 3 * strideLow);
        LongVector w4 = words(src, first + strideHigh);
        LongVector w5 = words(src, first + strideHigh + strideLow);
        LongVector w6 = words(src, first + strideHigh + 2 * strideLow);
        LongVector w7 = words(src, first + strideHigh + 3 * strideLow);
        LongVector t0 = EVEN_PAIRS.selectFrom(w0, w1), t1 = ODD_PAIRS.selectFrom(w0, w1);
        LongVector t2 = EVEN_PAIRS.selectFrom(w2, w3), t3 = ODD_PAIRS.selectFrom(w2, w3);
        LongVector t4 = EVEN_PAIRS.selectFrom(w4, w5), t5 = ODD_PAIRS.selectFrom(w4, w5);
        LongVector t6 = EVEN_PAIRS.selectFrom(w6, w7), t7 = ODD_PAIRS.selectFrom(w6, w7);
        LongVector u0 = LOW_PAIRS.selectFrom(t0, t2), u2 = HIGH_PAIRS.selectFrom(t0, t2);
        LongVector u1 = LOW_PAIRS.selectFrom(t1, t3), u3 = HIGH_PAIRS.selectFrom(t1, t3);
        LongVector u4 = LOW_PAIRS.selectFrom(t4, t6), u6 = HIGH_PAIRS.selectFrom(t4, t6);
        LongVector u5 = LOW_PAIRS.selectFrom(t5, t7), u7 = HIGH_PAIRS.selectFrom(t5, t7);
        LOW_QUADS.selectFrom(u0, u4).reinterpretAsInts().intoArray(dst, to);
        LOW_QUADS.selectFrom(u1, u5).reinterpretAsInts().intoArray(dst, to + step);
        LOW_QUADS.selectFrom(u2, u6).reinterpretAsInts().intoArray(dst, to + 2 * step);
        LOW_QUADS.selectFrom(u3, u7).reinterpretAsInts().intoArray(dst, to + 3 * step);
        HIGH_QUADS.selectFrom(u0, u4).reinterpretAsInts().intoArray(dst, to + 4 * step);
        HIGH_QUADS.selectFrom(u1, u5).reinterpretAsInts().intoArray(dst, to + 5 * step);
        HIGH_QUADS.selectFrom(u2, u6).reinterpretAsInts().intoArray(dst, to + 6 * step);
        HIGH_QUADS.selectFrom(u3, u7).reinterpretAsInts().intoArray(dst, to + 7 * step);
    }

    /** A row pair's 16 words with its rows' halves interleaved: 64-bit lane j holds word j of both rows. */
    private static LongVector words(int[] src, int at) {
        return IntVector.fromArray(WI, src, at).rearrange(HALVES_INTERLEAVED).reinterpretAsLongs();
    }

    private static final jdk.incubator.vector.VectorShuffle<Integer> HALVES_INTERLEAVED =
            jdk.incubator.vector.VectorShuffle.fromOp(IntVector.SPECIES_512, k -> 8 * (k % 2) + k / 2);
    private static final LongVector EVEN_PAIRS = longs(0, 8, 2, 10, 4, 12, 6, 14);
    private static final LongVector ODD_PAIRS = longs(1, 9, 3, 11, 5, 13, 7, 15);
    private static final LongVector LOW_PAIRS = longs(0, 1, 8, 9, 4, 5, 12, 13);
    private static final LongVector HIGH_PAIRS = longs(2, 3, 10, 11, 6, 7, 14, 15);
    private static final LongVector LOW_QUADS = longs(0, 1, 2, 3, 8, 9, 10, 11);
    private static final LongVector HIGH_QUADS = longs(4, 5, 6, 7, 12, 13, 14, 15);

    private static LongVector longs(long... values) {
        return LongVector.fromArray(LongVector.SPECIES_512, values, 0);
    }

    /**
     * The generated-row GEMMs' results: per generated row and 16 weight rows, the int8 kernel's final sum of its
     * eight lanes' running sums (at {@code sums + 16 * (8 * (2 slot + v) + j)} of {@code t}), {@code ((s0 + s4) +
     * (s2 + s6)) + ((s1 + s5) + (s3 + s7))}, into {@code out}.
     */
    private static void storeGeneratedSums(float[] t, int sums, QuantizedRows x, float[] out, int outStride,
                                           int outCol) {
        for (int slot = 0; slot < x.dotFloatCount; slot++) {
            int o = x.dotRows[slot] * outStride + outCol;
            for (int v = 0; v < 2; v++) {
                int a = sums + (slot * 2 + v) * 8 * 16;
                FloatVector s0 = FloatVector.fromArray(WF, t, a);
                FloatVector s1 = FloatVector.fromArray(WF, t, a + 16);
                FloatVector s2 = FloatVector.fromArray(WF, t, a + 32);
                FloatVector s3 = FloatVector.fromArray(WF, t, a + 48);
                FloatVector s4 = FloatVector.fromArray(WF, t, a + 64);
                FloatVector s5 = FloatVector.fromArray(WF, t, a + 80);
                FloatVector s6 = FloatVector.fromArray(WF, t, a + 96);
                FloatVector s7 = FloatVector.fromArray(WF, t, a + 112);
                s0.add(s4).add(s2.add(s6)).add(s1.add(s5).add(s3.add(s7))).intoArray(out, o + 16 * v);
            }
        }
    }

    private static final java.lang.foreign.ValueLayout.OfInt I32LE =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    /**
     * Pair {@code p} of a chunk of {@code pairs} for 32 rows ({@code units}: the chunk's four interleaved blocks
     * of four row pairs, as ints, see {@link #GENERATED_QUANTS}): per lane j the 32 rows' words (lane j's eight
     * nibbles, see {@link #laneValue}) at {@code (j * pairs + p) * 32} of {@code words}, and the rows' scales at
     * {@code (2 p + block) * 32} of {@code t}.
     */
    private static void decodeGeneratedPair(int[] units, int[] words, float[] t, int p, int pairs) {
        for (int v = 0; v < 2; v++) {
            transposeWords(units, 80 * p + GENERATED_QUANTS[16 * v], 20, GENERATED_CHUNK * 80, words,
                    p * 32 + 16 * v, pairs * 32);
            for (int bb = 0; bb < 2; bb++) {
                IntVector.fromArray(WI, units, 80 * p + bb, GENERATED_SCALE, 16 * v).reinterpretAsFloats()
                        .intoArray(t, (2 * p + bb) * 32 + 16 * v);
            }
        }
    }

    /**
     * Lane j of a chunk ({@code pairs} pairs of blocks) times a group of eight generated rows: the weights'
     * nibbles pulled out of their words step by step, the rows' values for each step from {@code xf[xo ..]} (the
     * eight side by side), -8 times each row's sum from {@code xz[zo ..]}, their scales from {@code xs[so ..]}
     * (per block the eight side by side), added to the running sums at {@code ao} (row i's for weight rows
     * 16v..16v+15 at {@code ao + 16 * 8 * (2i + v)}). One base plus a constant per access (eight bases ran out
     * of registers), and the steps a loop (unrolled, C2 hoisted every load and spilled the running sums).
     */
    private static void generatedPass(int[] words, float[] t, float[] xf, int xo, float[] xz, int zo, float[] xs,
                                      int so, int j, int pairs, int ao) {
        int bb = j >> 2;
        FloatVector a00 = FloatVector.fromArray(WF, t, ao + 0);
        FloatVector a01 = FloatVector.fromArray(WF, t, ao + 128);
        FloatVector a10 = FloatVector.fromArray(WF, t, ao + 256);
        FloatVector a11 = FloatVector.fromArray(WF, t, ao + 384);
        FloatVector a20 = FloatVector.fromArray(WF, t, ao + 512);
        FloatVector a21 = FloatVector.fromArray(WF, t, ao + 640);
        FloatVector a30 = FloatVector.fromArray(WF, t, ao + 768);
        FloatVector a31 = FloatVector.fromArray(WF, t, ao + 896);
        FloatVector a40 = FloatVector.fromArray(WF, t, ao + 1024);
        FloatVector a41 = FloatVector.fromArray(WF, t, ao + 1152);
        FloatVector a50 = FloatVector.fromArray(WF, t, ao + 1280);
        FloatVector a51 = FloatVector.fromArray(WF, t, ao + 1408);
        FloatVector a60 = FloatVector.fromArray(WF, t, ao + 1536);
        FloatVector a61 = FloatVector.fromArray(WF, t, ao + 1664);
        FloatVector a70 = FloatVector.fromArray(WF, t, ao + 1792);
        FloatVector a71 = FloatVector.fromArray(WF, t, ao + 1920);
        for (int p = 0; p < pairs; p++) {
            IntVector q0 = IntVector.fromArray(WI, words, ((j * pairs + p) * 2) * 16);
            IntVector q1 = IntVector.fromArray(WI, words, ((j * pairs + p) * 2) * 16 + 16);
            int xp = xo + 64 * p;
            int zp = zo + 8 * p;
            // each partial sum starts at -8 times its activations' sum, the Q4_0 offset
            FloatVector p00 = FloatVector.broadcast(WF, xz[zp + 0]), p01 = p00;
            FloatVector p10 = FloatVector.broadcast(WF, xz[zp + 1]), p11 = p10;
            FloatVector p20 = FloatVector.broadcast(WF, xz[zp + 2]), p21 = p20;
            FloatVector p30 = FloatVector.broadcast(WF, xz[zp + 3]), p31 = p30;
            FloatVector p40 = FloatVector.broadcast(WF, xz[zp + 4]), p41 = p40;
            FloatVector p50 = FloatVector.broadcast(WF, xz[zp + 5]), p51 = p50;
            FloatVector p60 = FloatVector.broadcast(WF, xz[zp + 6]), p61 = p60;
            FloatVector p70 = FloatVector.broadcast(WF, xz[zp + 7]), p71 = p70;
            for (int step = 0; step < 8; step++) {
                FloatVector w0 = (FloatVector) q0.and(0xF).convert(VectorOperators.I2F, 0);
                FloatVector w1 = (FloatVector) q1.and(0xF).convert(VectorOperators.I2F, 0);
                q0 = q0.lanewise(VectorOperators.LSHR, 4);
                q1 = q1.lanewise(VectorOperators.LSHR, 4);
                FloatVector b0 = FloatVector.broadcast(WF, xf[xp + 8 * step + 0]);
                p00 = w0.fma(b0, p00);
                p01 = w1.fma(b0, p01);
                FloatVector b1 = FloatVector.broadcast(WF, xf[xp + 8 * step + 1]);
                p10 = w0.fma(b1, p10);
                p11 = w1.fma(b1, p11);
                FloatVector b2 = FloatVector.broadcast(WF, xf[xp + 8 * step + 2]);
                p20 = w0.fma(b2, p20);
                p21 = w1.fma(b2, p21);
                FloatVector b3 = FloatVector.broadcast(WF, xf[xp + 8 * step + 3]);
                p30 = w0.fma(b3, p30);
                p31 = w1.fma(b3, p31);
                FloatVector b4 = FloatVector.broadcast(WF, xf[xp + 8 * step + 4]);
                p40 = w0.fma(b4, p40);
                p41 = w1.fma(b4, p41);
                FloatVector b5 = FloatVector.broadcast(WF, xf[xp + 8 * step + 5]);
                p50 = w0.fma(b5, p50);
                p51 = w1.fma(b5, p51);
                FloatVector b6 = FloatVector.broadcast(WF, xf[xp + 8 * step + 6]);
                p60 = w0.fma(b6, p60);
                p61 = w1.fma(b6, p61);
                FloatVector b7 = FloatVector.broadcast(WF, xf[xp + 8 * step + 7]);
                p70 = w0.fma(b7, p70);
                p71 = w1.fma(b7, p71);
            }
            FloatVector d0 = FloatVector.fromArray(WF, t, (2 * p + bb) * 32);
            FloatVector d1 = FloatVector.fromArray(WF, t, (2 * p + bb) * 32 + 16);
            int sp = so + 16 * p;
            float e0 = xs[sp + 0];
            a00 = p00.fma(d0.mul(e0), a00);
            a01 = p01.fma(d1.mul(e0), a01);
            float e1 = xs[sp + 1];
            a10 = p10.fma(d0.mul(e1), a10);
            a11 = p11.fma(d1.mul(e1), a11);
            float e2 = xs[sp + 2];
            a20 = p20.fma(d0.mul(e2), a20);
            a21 = p21.fma(d1.mul(e2), a21);
            float e3 = xs[sp + 3];
            a30 = p30.fma(d0.mul(e3), a30);
            a31 = p31.fma(d1.mul(e3), a31);
            float e4 = xs[sp + 4];
            a40 = p40.fma(d0.mul(e4), a40);
            a41 = p41.fma(d1.mul(e4), a41);
            float e5 = xs[sp + 5];
            a50 = p50.fma(d0.mul(e5), a50);
            a51 = p51.fma(d1.mul(e5), a51);
            float e6 = xs[sp + 6];
            a60 = p60.fma(d0.mul(e6), a60);
            a61 = p61.fma(d1.mul(e6), a61);
            float e7 = xs[sp + 7];
            a70 = p70.fma(d0.mul(e7), a70);
            a71 = p71.fma(d1.mul(e7), a71);
        }
        a00.intoArray(t, ao + 0);
        a01.intoArray(t, ao + 128);
        a10.intoArray(t, ao + 256);
        a11.intoArray(t, ao + 384);
        a20.intoArray(t, ao + 512);
        a21.intoArray(t, ao + 640);
        a30.intoArray(t, ao + 768);
        a31.intoArray(t, ao + 896);
        a40.intoArray(t, ao + 1024);
        a41.intoArray(t, ao + 1152);
        a50.intoArray(t, ao + 1280);
        a51.intoArray(t, ao + 1408);
        a60.intoArray(t, ao + 1536);
        a61.intoArray(t, ao + 1664);
        a70.intoArray(t, ao + 1792);
        a71.intoArray(t, ao + 1920);
    }

    private static final long Q8_0_UNIT_BYTES = PackedBlocks.unitBytes(dev.djinn.core.tensor.GgmlType.Q8_0);

    @Override
    public void prepareGeneratedGemmQ8_0(QuantizedRows x, int group) {
        int n = x.cols;
        int blocks = n / 32;
        // per lane j and block, the group's rows side by side per byte m of the lane's word: value 4j + m
        for (int i = 0; i < GENERATED_GROUP; i++) {
            int slot = group * GENERATED_GROUP + i;
            boolean present = slot < x.dotFloatCount;
            int t = present ? x.dotRows[slot] : 0;
            for (int j = 0; j < 8; j++) {
                for (int b = 0; b < blocks; b++) {
                    int o = (((group * 8 + j) * blocks + b) * 4) * GENERATED_GROUP + i;
                    for (int m = 0; m < 4; m++) {
                        x.dotFloatsQ8_0[o + m * GENERATED_GROUP] = present ? x.quants[t * n + 32 * b + 4 * j + m] : 0;
                    }
                }
            }
        }
    }

    /** Blocks per chunk of {@link #gemmQ8_0PackedGenerated}: 32 KiB of quant words for 32 weight rows. */
    private static final int Q8_CHUNK = 32;
    /** Q8_0 unit (a row pair's block: two float scales, then 32 quant bytes per row) in ints. */
    private static final int Q8_UNIT_INTS = (int) (Q8_0_UNIT_BYTES / 4);
    private static final ThreadLocal<int[]> Q8_UNITS = ThreadLocal.withInitial(() -> new int[16 * Q8_CHUNK * Q8_UNIT_INTS]);
    private static final ThreadLocal<float[]> Q8_SCRATCH = new ThreadLocal<>();
    /** In a chunk's units of 16 row pairs copied as ints (pair after pair): lane l's row's quants, block 0. */
    private static final int[] Q8_QUANTS = new int[32];
    /** The same for the row's scale. */
    private static final int[] Q8_SCALE = new int[32];

    static {
        for (int l = 0; l < 32; l++) {
            Q8_SCALE[l] = (l / 2) * Q8_CHUNK * Q8_UNIT_INTS + l % 2;
            Q8_QUANTS[l] = (l / 2) * Q8_CHUNK * Q8_UNIT_INTS + 2 + 8 * (l % 2);
        }
    }

    /**
     * {@link #gemmQ4_0PackedGenerated} for packed Q8_0 ({@link #dotQ8_0PackedPairs}'s arithmetic): that kernel's
     * 32-bit lane j of a row holds, per block, the exact sum of the four products of values 4j..4j+3, converted
     * to float and added by {@code fma(lane, dw * dx, sum)}, and the row's result is {@code ((s0 + s4) + (s2 +
     * s6)) + ((s1 + s5) + (s3 + s7))}. Here each lane's sum is four float multiply-adds of integer-valued floats
     * (at most 4 * 127 * 127, exact), each byte of the lane's word pulled out by two shifts in the loop, with 32
     * weight rows (16 row pairs from {@code tile}, each pair's run {@code runBytes} long) in the lanes and eight
     * generated rows broadcast; the products dw * dx are made once per block and generated row.
     */
    @Override
    public void gemmQ8_0PackedGenerated(MemorySegment packed, long tile, long runBytes, QuantizedRows x, float[] out,
                                        int outStride, int outCol) {
        int cols = x.cols;
        int blocks = cols / 32;
        int groups = Math.ceilDiv(x.dotFloatCount, GENERATED_GROUP);
        int prods = Q8_CHUNK * 32;
        int sums = prods + Q8_CHUNK * GENERATED_GROUP * 32;
        int size = sums + groups * GENERATED_GROUP * 2 * 8 * 16;
        float[] t = Q8_SCRATCH.get();
        if (t == null || t.length < size) {
            t = new float[size];
            Q8_SCRATCH.set(t);
        }
        int[] words = GENERATED_WORDS.get();
        int[] units = Q8_UNITS.get();
        java.util.Arrays.fill(t, sums, size, 0f);
        for (int c0 = 0; c0 < blocks; c0 += Q8_CHUNK) {
            int nb = Math.min(Q8_CHUNK, blocks - c0);
            for (int pair = 0; pair < 16; pair++) {
                // a row pair's units for the chunk lie side by side: one bulk copy each
                MemorySegment.copy(packed, I32LE, tile + pair * runBytes + c0 * Q8_0_UNIT_BYTES, units,
                        pair * Q8_CHUNK * Q8_UNIT_INTS, nb * Q8_UNIT_INTS);
            }
            for (int b = 0; b < nb; b++) {
                for (int v = 0; v < 2; v++) {
                    transposeWords(units, Q8_UNIT_INTS * b + Q8_QUANTS[16 * v], Q8_CHUNK * Q8_UNIT_INTS,
                            4 * Q8_CHUNK * Q8_UNIT_INTS, words, b * 32 + 16 * v, nb * 32);
                    IntVector.fromArray(WI, units, Q8_UNIT_INTS * b, Q8_SCALE, 16 * v).reinterpretAsFloats()
                            .intoArray(t, b * 32 + 16 * v);
                }
            }
            for (int g = 0; g < groups; g++) {
                // the kernel's dw * dx per weight row, generated row and block: shared by the eight lanes
                for (int b = 0; b < nb; b++) {
                    FloatVector d0 = FloatVector.fromArray(WF, t, b * 32);
                    FloatVector d1 = FloatVector.fromArray(WF, t, b * 32 + 16);
                    int so = (g * blocks + c0 + b) * GENERATED_GROUP;
                    for (int i = 0; i < GENERATED_GROUP; i++) {
                        float dx = x.dotFloatScales[so + i];
                        d0.mul(dx).intoArray(t, prods + (b * GENERATED_GROUP + i) * 32);
                        d1.mul(dx).intoArray(t, prods + (b * GENERATED_GROUP + i) * 32 + 16);
                    }
                }
                for (int j = 0; j < 8; j++) {
                    generatedPassQ8(words, t, x.dotFloatsQ8_0, (((g * 8 + j) * blocks + c0) * 4) * GENERATED_GROUP,
                            prods, j, nb, sums + (g * GENERATED_GROUP * 2 * 8 + j) * 16);
                }
            }
        }
        storeGeneratedSums(t, sums, x, out, outStride, outCol);
    }

    /**
     * Lane j of a Q8_0 chunk ({@code blocks} blocks) times a group of eight generated rows: bytes pulled out of
     * the words step by step, the rows' values from {@code xf[xo ..]} (per block and byte the eight side by
     * side), the products dw * dx from {@code t[pro ..]} (per block and generated row the 32 weight rows'), added
     * to the running sums at {@code ao}, as {@link #generatedPass}.
     */
    private static void generatedPassQ8(int[] words, float[] t, float[] xf, int xo, int pro, int j, int blocks,
                                        int ao) {
        FloatVector a00 = FloatVector.fromArray(WF, t, ao + 0);
        FloatVector a01 = FloatVector.fromArray(WF, t, ao + 128);
        FloatVector a10 = FloatVector.fromArray(WF, t, ao + 256);
        FloatVector a11 = FloatVector.fromArray(WF, t, ao + 384);
        FloatVector a20 = FloatVector.fromArray(WF, t, ao + 512);
        FloatVector a21 = FloatVector.fromArray(WF, t, ao + 640);
        FloatVector a30 = FloatVector.fromArray(WF, t, ao + 768);
        FloatVector a31 = FloatVector.fromArray(WF, t, ao + 896);
        FloatVector a40 = FloatVector.fromArray(WF, t, ao + 1024);
        FloatVector a41 = FloatVector.fromArray(WF, t, ao + 1152);
        FloatVector a50 = FloatVector.fromArray(WF, t, ao + 1280);
        FloatVector a51 = FloatVector.fromArray(WF, t, ao + 1408);
        FloatVector a60 = FloatVector.fromArray(WF, t, ao + 1536);
        FloatVector a61 = FloatVector.fromArray(WF, t, ao + 1664);
        FloatVector a70 = FloatVector.fromArray(WF, t, ao + 1792);
        FloatVector a71 = FloatVector.fromArray(WF, t, ao + 1920);
        FloatVector zero = FloatVector.zero(WF);
        for (int b = 0; b < blocks; b++) {
            IntVector q0 = IntVector.fromArray(WI, words, ((j * blocks + b) * 2) * 16);
            IntVector q1 = IntVector.fromArray(WI, words, ((j * blocks + b) * 2) * 16 + 16);
            int xp = xo + 32 * b;
            FloatVector p00 = zero, p01 = zero, p10 = zero, p11 = zero, p20 = zero, p21 = zero, p30 = zero, p31 = zero, p40 = zero, p41 = zero, p50 = zero, p51 = zero, p60 = zero, p61 = zero, p70 = zero, p71 = zero;
            for (int m = 0; m < 4; m++) {
                // byte m of each word, sign-extended
                FloatVector w0 = (FloatVector) q0.lanewise(VectorOperators.LSHL, 24 - 8 * m)
                        .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
                FloatVector w1 = (FloatVector) q1.lanewise(VectorOperators.LSHL, 24 - 8 * m)
                        .lanewise(VectorOperators.ASHR, 24).convert(VectorOperators.I2F, 0);
                FloatVector b0 = FloatVector.broadcast(WF, xf[xp + 8 * m + 0]);
                p00 = w0.fma(b0, p00);
                p01 = w1.fma(b0, p01);
                FloatVector b1 = FloatVector.broadcast(WF, xf[xp + 8 * m + 1]);
                p10 = w0.fma(b1, p10);
                p11 = w1.fma(b1, p11);
                FloatVector b2 = FloatVector.broadcast(WF, xf[xp + 8 * m + 2]);
                p20 = w0.fma(b2, p20);
                p21 = w1.fma(b2, p21);
                FloatVector b3 = FloatVector.broadcast(WF, xf[xp + 8 * m + 3]);
                p30 = w0.fma(b3, p30);
                p31 = w1.fma(b3, p31);
                FloatVector b4 = FloatVector.broadcast(WF, xf[xp + 8 * m + 4]);
                p40 = w0.fma(b4, p40);
                p41 = w1.fma(b4, p41);
                FloatVector b5 = FloatVector.broadcast(WF, xf[xp + 8 * m + 5]);
                p50 = w0.fma(b5, p50);
                p51 = w1.fma(b5, p51);
                FloatVector b6 = FloatVector.broadcast(WF, xf[xp + 8 * m + 6]);
                p60 = w0.fma(b6, p60);
                p61 = w1.fma(b6, p61);
                FloatVector b7 = FloatVector.broadcast(WF, xf[xp + 8 * m + 7]);
                p70 = w0.fma(b7, p70);
                p71 = w1.fma(b7, p71);
            }
            int sp = pro + 256 * b;
            a00 = p00.fma(FloatVector.fromArray(WF, t, sp + 0), a00);
            a01 = p01.fma(FloatVector.fromArray(WF, t, sp + 16), a01);
            a10 = p10.fma(FloatVector.fromArray(WF, t, sp + 32), a10);
            a11 = p11.fma(FloatVector.fromArray(WF, t, sp + 48), a11);
            a20 = p20.fma(FloatVector.fromArray(WF, t, sp + 64), a20);
            a21 = p21.fma(FloatVector.fromArray(WF, t, sp + 80), a21);
            a30 = p30.fma(FloatVector.fromArray(WF, t, sp + 96), a30);
            a31 = p31.fma(FloatVector.fromArray(WF, t, sp + 112), a31);
            a40 = p40.fma(FloatVector.fromArray(WF, t, sp + 128), a40);
            a41 = p41.fma(FloatVector.fromArray(WF, t, sp + 144), a41);
            a50 = p50.fma(FloatVector.fromArray(WF, t, sp + 160), a50);
            a51 = p51.fma(FloatVector.fromArray(WF, t, sp + 176), a51);
            a60 = p60.fma(FloatVector.fromArray(WF, t, sp + 192), a60);
            a61 = p61.fma(FloatVector.fromArray(WF, t, sp + 208), a61);
            a70 = p70.fma(FloatVector.fromArray(WF, t, sp + 224), a70);
            a71 = p71.fma(FloatVector.fromArray(WF, t, sp + 240), a71);
        }
        a00.intoArray(t, ao + 0);
        a01.intoArray(t, ao + 128);
        a10.intoArray(t, ao + 256);
        a11.intoArray(t, ao + 384);
        a20.intoArray(t, ao + 512);
        a21.intoArray(t, ao + 640);
        a30.intoArray(t, ao + 768);
        a31.intoArray(t, ao + 896);
        a40.intoArray(t, ao + 1024);
        a41.intoArray(t, ao + 1152);
        a50.intoArray(t, ao + 1280);
        a51.intoArray(t, ao + 1408);
        a60.intoArray(t, ao + 1536);
        a61.intoArray(t, ao + 1664);
        a70.intoArray(t, ao + 1792);
        a71.intoArray(t, ao + 1920);
    }


    /**
     * Two rows ({@code firstRow} and the next) of a packed Q8_0 group times activation row {@code row}: per row
     * exactly {@link #dotQ8_0}'s arithmetic (the same 32-bit lanes, scales, accumulation order and final sum),
     * so the same bits. The rows share the activation loads, the scales are floats read without conversion,
     * and each weight byte is sign-extended from a 16-bit lane by one shift: lane k of a load at the block's
     * quants holds bytes 2k and 2k + 1, of a load one byte earlier bytes 2k - 1 and 2k, so an arithmetic shift
     * right by 8 gives byte 2k + 1 from the first and byte 2k from the second (the GGUF layout needs a left
     * and a right shift for byte 2k). A block a step: with a pair of blocks a step C2 stopped inlining.
     */
    @Override
    public void dotQ8_0Packed(MemorySegment packed, long groupOff, int firstRow, QuantizedRows x, int row, float[] out,
                              int outOff) {
        if (ROW_PAIRS_AT_ONCE) {
            // one row pair of the flat kernel: the same arithmetic
            dotQ8_0PackedPairs(packed, groupOff + (firstRow / 2) * (long) (x.cols / 32) * Q8_0_UNIT_BYTES, 1, x, row,
                    out, outOff);
            return;
        }
        int blocks = x.cols / 32;
        short[] wide = x.wide;
        float[] xd = x.scales;
        int xo = row * x.cols;
        int xdo = row * blocks;
        // the row pair's run: per block the two rows' scales (A, B), A's 32 quants, B's 32
        long u = groupOff + (firstRow / 2) * (long) blocks * Q8_0_UNIT_BYTES;
        FloatVector acc0 = FloatVector.zero(QF), acc1 = acc0;
        for (int b = 0; b < blocks; b++, u += Q8_0_UNIT_BYTES) {
            int q = xo + 32 * b;
            float dx = xd[xdo + b];
            ShortVector even = ShortVector.fromArray(QS, wide, q);
            ShortVector odd = ShortVector.fromArray(QS, wide, q + 16);
            acc0 = q8PackedLanes(packed, u + 8, even, odd).fma(FloatVector.broadcast(QF, packed.get(F32, u) * dx), acc0);
            acc1 = q8PackedLanes(packed, u + 40, even, odd).fma(FloatVector.broadcast(QF, packed.get(F32, u + 4) * dx), acc1);
        }
        // sumQ's order, written out: a call here might not be inlined, and its vector argument would be boxed
        FloatVector h0 = acc0.add(acc0.rearrange(SWAP_HALVES));
        FloatVector h1 = acc1.add(acc1.rearrange(SWAP_HALVES));
        out[outOff] = (h0.lane(0) + h0.lane(2)) + (h0.lane(1) + h0.lane(3));
        out[outOff + 1] = (h1.lane(0) + h1.lane(2)) + (h1.lane(1) + h1.lane(3));
    }

    /**
     * Activations for the 512-bit Q8_0 row-pair kernels, kept small so that they stay in L1 next to the weights
     * streaming through: 32 values of {@link QuantizedRows#wideBytesTwice} widened to shorts.
     */
    private static ShortVector pairsAt(byte[] pairs, int i) {
        return (ShortVector) ByteVector.fromArray(ByteVector.SPECIES_256, pairs, i).convertShape(VectorOperators.B2S, WS, 0);
    }

    /** Lane j: a pair of blocks' scale {@code (j / 4) % 2} ({@code scales[i]} or {@code scales[i + 1]}). */
    private static FloatVector pairScales(float[] scales, int i) {
        return FloatVector.broadcast(WF, scales[i]).blend(FloatVector.broadcast(WF, scales[i + 1]), SECOND_OF_PAIR);
    }

    private static final jdk.incubator.vector.VectorMask<Float> SECOND_OF_PAIR =
            jdk.incubator.vector.VectorMask.fromLong(WF, 0xF0F0L);

    private static final jdk.incubator.vector.VectorMask<Float> HIGH_HALF_WF = WF.indexInRange(-8, 8);

    /**
     * At 512 bits, both rows of a pair in one vector (row A in lanes 0-7, row B in 8-15, each lane's arithmetic
     * that of the 256-bit kernel, so the same bits): a pair's 64 quants are adjacent in a unit, so one load, shift,
     * multiply, widening and conversion cover both rows, against the activations doubled ({@link
     * QuantizedRows#wideBytesTwice}). All the pairs go through one loop over their units rather than a loop per
     * pair. Streaming from memory, a loop of one pair's 64 blocks ran at about half the
     * bandwidth of one loop over the same bytes (measured on Zen 5: 16 against 28 GB/s on one thread, 26
     * against 44 on two; in cache the short loops are faster): the processor keeps fetching ahead within a
     * loop, and every restart of a short loop stalls that.
     */
    @Override
    public void dotQ8_0PackedPairs(MemorySegment packed, long runOff, int pairs, QuantizedRows x, int row,
                                   float[] out, int outOff) {
        if (!ROW_PAIRS_AT_ONCE) {
            super.dotQ8_0PackedPairs(packed, runOff, pairs, x, row, out, outOff);
            return;
        }
        int blocks = x.cols / 32;
        byte[] wide = x.wideBytesTwice;
        float[] xd = x.scales;
        int xo = 2 * row * x.cols;
        int xdo = row * blocks;
        long end = runOff + pairs * (long) blocks * Q8_0_UNIT_BYTES;
        FloatVector acc = FloatVector.zero(WF);
        int b = 0;
        int o = outOff;
        for (long u = runOff; u < end; u += Q8_0_UNIT_BYTES) {
            float dx = xd[xdo + b];
            FloatVector scales = FloatVector.broadcast(WF, packed.get(F32, u) * dx)
                    .blend(FloatVector.broadcast(WF, packed.get(F32, u + 4) * dx), HIGH_HALF_WF);
            ShortVector v = ShortVector.fromMemorySegment(WS, packed, u + 8, LE);
            ShortVector lo = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
            ShortVector hi = v.lanewise(VectorOperators.ASHR, 8);
            int q = xo + 64 * b;
            IntVector pi = lo.mul(pairsAt(wide, q))
                    .add(hi.mul(pairsAt(wide, q + 32))).reinterpretAsInts();
            IntVector lanes = pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(pi.lanewise(VectorOperators.ASHR, 16));
            acc = ((FloatVector) lanes.convert(VectorOperators.I2F, 0)).fma(scales, acc);
            if (++b == blocks) {
                out[o] = ((acc.lane(0) + acc.lane(4)) + (acc.lane(2) + acc.lane(6)))
                        + ((acc.lane(1) + acc.lane(5)) + (acc.lane(3) + acc.lane(7)));
                out[o + 1] = ((acc.lane(8) + acc.lane(12)) + (acc.lane(10) + acc.lane(14)))
                        + ((acc.lane(9) + acc.lane(13)) + (acc.lane(11) + acc.lane(15)));
                o += 2;
                b = 0;
                acc = FloatVector.zero(WF);
            }
        }
    }

    /** One packed Q8_0 block (quants at {@code quants}) times its even and odd activations, as float lanes. */
    private static FloatVector q8PackedLanes(MemorySegment packed, long quants, ShortVector even, ShortVector odd) {
        ShortVector lo = ShortVector.fromMemorySegment(QS, packed, quants - 1, LE).lanewise(VectorOperators.ASHR, 8);
        ShortVector hi = ShortVector.fromMemorySegment(QS, packed, quants, LE).lanewise(VectorOperators.ASHR, 8);
        return (FloatVector) widenPairsQ(lo.mul(even).add(hi.mul(odd))).convert(VectorOperators.I2F, 0);
    }

    /** Lane i and lane i + 4 swapped (eight lanes). */
    private static final jdk.incubator.vector.VectorShuffle<Float> SWAP_HALVES =
            jdk.incubator.vector.VectorShuffle.fromOp(QF, i -> (i + QF.length() / 2) % QF.length());

    /** One Q4_0 block at 128 bits (the odd block out of {@link #dotQ4_0Pairs}). */
    private static float q4_0Block(MemorySegment w, long blk, QuantizedRows x, int q, int xdi) {
        short[] wide = x.wide;
        ShortVector p = nibbleDot(w, blk, ShortVector.fromArray(NS, wide, q), ShortVector.fromArray(NS, wide, q + 8),
                ShortVector.fromArray(NS, wide, q + 16), ShortVector.fromArray(NS, wide, q + 24));
        float d = f16(w, blk) * x.scales[xdi];
        return sumN(((FloatVector) widenPairsN(p).convert(VectorOperators.I2F, 0)).mul(d)) - 8f * d * (int) x.sums[xdi];
    }

    private float dotQ4_0Blocks(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 32;
        short[] wide = x.wide;
        float[] xd = x.scales;
        short[] sums = x.sums;
        int xo = row * x.cols;
        int xdo = row * blocks;
        FloatVector acc = FloatVector.zero(NF);
        float offset = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 18L * b;
            int q = xo + 32 * b;
            ShortVector p = nibbleDot(w, blk, ShortVector.fromArray(NS, wide, q), ShortVector.fromArray(NS, wide, q + 8),
                    ShortVector.fromArray(NS, wide, q + 16), ShortVector.fromArray(NS, wide, q + 24));
            float d = f16(w, blk) * xd[xdo + b];
            acc = ((FloatVector) widenPairsN(p).convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(NF, d), acc);
            offset += d * (int) sums[xdo + b]; // the nibbles are stored +8: subtract 8 * sum(x) * d
        }
        return sumN(acc) - 8f * offset;
    }

    // ---------------------------------------------------------------- batched generated rows, Q8_0 / Q4_0

    /*
     * gemmDots reproduces dotQ8_0 and dotQ4_0Pairs lane by lane. Each 32-bit lane of those kernels holds the
     * exact integer sum of a fixed set of weight-activation products (Q8_0: values 4j..4j+3 of a block; Q4_0:
     * values 4j..4j+3 and 4j+16..4j+19 of block b for lanes j < 4, of block b+1 for j >= 4). In float lanes
     * those integers are exact too (|sum| < 2^24), so computing them with float FMAs over weights decoded once
     * per tile and activations laid out to match gives the same lane values; the scale multiply, the
     * accumulation across blocks and the final lane sum are then the same operations in the same order.
     * Position 8m + j of a block's (Q8_0) or block pair's (Q4_0) layout holds product m of lane j.
     */
    private static final int[] Q8_DOTS_ORDER = new int[32];
    private static final int[] Q4_DOTS_ORDER = new int[64];

    static {
        for (int m = 0; m < 4; m++) {
            for (int j = 0; j < 8; j++) {
                Q8_DOTS_ORDER[8 * m + j] = 4 * j + m;
            }
        }
        for (int m = 0; m < 8; m++) {
            for (int j = 0; j < 8; j++) {
                Q4_DOTS_ORDER[8 * m + j] = 32 * (j / 4) + 4 * (j % 4) + (m < 4 ? m : 16 + m - 4);
            }
        }
    }

    /** Per-thread scratch for {@link #gemmDots}: weight rows decoded to integer-valued floats, then their scales. */
    private static final ThreadLocal<float[]> DOTS_TILE = new ThreadLocal<>();

    @Override
    public void prepareGemmDots(QuantizedRows x, int row) {
        if (QSHORTS != 16) {
            return;
        }
        int n = x.cols;
        int base = row * n;
        byte[] q = x.quants;
        for (int b = 0; b < n; b += 32) {
            for (int p = 0; p < 32; p++) {
                x.values[base + b + p] = q[base + b + Q8_DOTS_ORDER[p]];
            }
        }
        if (x.exactQ4 == null) {
            x.exactQ4 = new float[x.capacity * n];
            x.pairScales = new float[x.capacity * (n / 8)];
        }
        int blocks = n / 32;
        for (int b = 0; b + 1 < blocks; b += 2) {
            for (int p = 0; p < 64; p++) {
                x.exactQ4[base + 32 * b + p] = q[base + 32 * b + Q4_DOTS_ORDER[p]];
            }
            for (int j = 0; j < 8; j++) {
                x.pairScales[row * (n / 8) + 4 * b + j] = x.scales[row * blocks + b + j / 4];
            }
        }
    }

    @Override
    public void gemmDots(dev.djinn.core.tensor.GgmlType type, MemorySegment w, long wOff, long rowBytes, int rows,
                         QuantizedRows x, float[] out, int outStride, int outCol) {
        if (QSHORTS != 16) {
            super.gemmDots(type, w, wOff, rowBytes, rows, x, out, outStride, outCol);
            return;
        }
        gemmDotsTile(type, w, wOff, rowBytes, rows, x, out, outStride, outCol);
    }

    /** {@link #gemmDots} over {@code rows} weight rows in the GGUF layout, {@code rowBytes} apart from {@code wOff}. */
    private void gemmDotsTile(dev.djinn.core.tensor.GgmlType type, MemorySegment w, long wOff, long rowBytes, int rows,
                              QuantizedRows x, float[] out, int outStride, int outCol) {
        int n = x.cols;
        int blocks = n / 32;
        boolean q4 = type == dev.djinn.core.tensor.GgmlType.Q4_0; // else Q8_0
        // layout: rows * n weights, then per row the scales (Q8_0: one per block; Q4_0: eight per block pair)
        int scaleOff = rows * n;
        int scalesPerRow = q4 ? n / 8 : blocks;
        float[] tile = DOTS_TILE.get();
        int size = rows * (n + scalesPerRow);
        if (tile == null || tile.length < size) {
            tile = new float[size];
            DOTS_TILE.set(tile);
        }
        for (int r = 0; r < rows; r++) {
            if (q4) {
                decodeQ4_0Dots(w, wOff + r * rowBytes, blocks, tile, r * n, scaleOff + r * scalesPerRow);
            } else {
                decodeQ8_0Dots(w, wOff + r * rowBytes, blocks, tile, r * n, scaleOff + r * scalesPerRow);
            }
        }
        int span = tokenSpan(n);
        for (int g = 0; g < x.dotCount; g += span) {
            int end = Math.min(x.dotCount, g + span);
            for (int r = 0; r < rows; r++) {
                int so = scaleOff + r * scalesPerRow;
                long rowOff = wOff + r * rowBytes;
                int i = g;
                for (; i + 3 < end; i += 4) {
                    if (q4) {
                        q4_0Dots4(tile, r, n, so, x, x.dotRows, i, w, rowOff, out, outStride, outCol + r);
                    } else {
                        q8_0Dots4(tile, r, n, so, x, x.dotRows, i, out, outStride, outCol + r);
                    }
                }
                for (; i < end; i++) {
                    int t = x.dotRows[i];
                    out[t * outStride + outCol + r] = q4 ? q4_0DotsOne(tile, r, n, so, x, t, w, rowOff)
                            : q8_0DotsOne(tile, r, n, so, x, t);
                }
            }
        }
    }

    /**
     * Generated rows that pass a tile's weight rows together: their activations (about 128 KiB) stay in L2
     * while the rows go by, however many rows the step holds.
     */
    private static int tokenSpan(int n) {
        return Math.max(4, (32768 / n) & ~3);
    }

    /** One Q8_0 row: per block, byte m of 32-bit lane j at position 8m + j; then the block scales. */
    private static void decodeQ8_0Dots(MemorySegment w, long rowOff, int blocks, float[] tile, int wo, int so) {
        for (int b = 0; b < blocks; b++) {
            long blk = rowOff + 34L * b;
            IntVector v = IntVector.fromMemorySegment(QI, w, blk + 2, LE);
            int o = wo + 32 * b;
            byteLaneQ(v, 24).intoArray(tile, o);
            byteLaneQ(v, 16).intoArray(tile, o + 8);
            byteLaneQ(v, 8).intoArray(tile, o + 16);
            byteLaneQ(v, 0).intoArray(tile, o + 24);
            tile[so + b] = f16(w, blk);
        }
    }

    /** The signed byte at bit {@code 24 - shift} of each 32-bit {@link #QI} lane, as floats. */
    private static FloatVector byteLaneQ(IntVector v, int shift) {
        return (FloatVector) v.lanewise(VectorOperators.LSHL, shift).lanewise(VectorOperators.ASHR, 24)
                .convert(VectorOperators.I2F, 0);
    }

    /** Q8_0 weight row r times one generated row, as {@link #dotQ8_0} computes it. */
    private static float q8_0DotsOne(float[] tile, int r, int n, int so, QuantizedRows x, int t) {
        int blocks = n / 32;
        int wo = r * n;
        int xo = t * n;
        float[] xv = x.values;
        FloatVector acc = FloatVector.zero(QF);
        for (int b = 0; b < blocks; b++) {
            acc = q8Lanes(tile, wo + 32 * b, xv, xo + 32 * b)
                    .fma(FloatVector.broadcast(QF, tile[so + b] * x.scales[t * blocks + b]), acc);
        }
        return sumQ(acc);
    }

    /** A Q8_0 block's lane integers, as floats. */
    private static FloatVector q8Lanes(float[] tile, int wo, float[] xv, int xo) {
        FloatVector s = FloatVector.fromArray(QF, tile, wo).mul(FloatVector.fromArray(QF, xv, xo));
        s = FloatVector.fromArray(QF, tile, wo + 8).fma(FloatVector.fromArray(QF, xv, xo + 8), s);
        s = FloatVector.fromArray(QF, tile, wo + 16).fma(FloatVector.fromArray(QF, xv, xo + 16), s);
        return FloatVector.fromArray(QF, tile, wo + 24).fma(FloatVector.fromArray(QF, xv, xo + 24), s);
    }

    /** Q8_0 weight row r times four generated rows. */
    private static void q8_0Dots4(float[] tile, int r, int n, int so, QuantizedRows x, int[] ts, int i, float[] out,
                                  int stride, int col) {
        int blocks = n / 32;
        int wo = r * n;
        int t0 = ts[i], t1 = ts[i + 1], t2 = ts[i + 2], t3 = ts[i + 3];
        int x0 = t0 * n, x1 = t1 * n, x2 = t2 * n, x3 = t3 * n;
        float[] xv = x.values;
        float[] xd = x.scales;
        FloatVector a0 = FloatVector.zero(QF), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < blocks; b++) {
            int o = 32 * b;
            FloatVector wv = FloatVector.fromArray(QF, tile, wo + o);
            FloatVector s0 = wv.mul(FloatVector.fromArray(QF, xv, x0 + o));
            FloatVector s1 = wv.mul(FloatVector.fromArray(QF, xv, x1 + o));
            FloatVector s2 = wv.mul(FloatVector.fromArray(QF, xv, x2 + o));
            FloatVector s3 = wv.mul(FloatVector.fromArray(QF, xv, x3 + o));
            for (int m = 8; m < 32; m += 8) {
                wv = FloatVector.fromArray(QF, tile, wo + o + m);
                s0 = wv.fma(FloatVector.fromArray(QF, xv, x0 + o + m), s0);
                s1 = wv.fma(FloatVector.fromArray(QF, xv, x1 + o + m), s1);
                s2 = wv.fma(FloatVector.fromArray(QF, xv, x2 + o + m), s2);
                s3 = wv.fma(FloatVector.fromArray(QF, xv, x3 + o + m), s3);
            }
            float dw = tile[so + b];
            a0 = s0.fma(FloatVector.broadcast(QF, dw * xd[t0 * blocks + b]), a0);
            a1 = s1.fma(FloatVector.broadcast(QF, dw * xd[t1 * blocks + b]), a1);
            a2 = s2.fma(FloatVector.broadcast(QF, dw * xd[t2 * blocks + b]), a2);
            a3 = s3.fma(FloatVector.broadcast(QF, dw * xd[t3 * blocks + b]), a3);
        }
        out[t0 * stride + col] = sumQ(a0);
        out[t1 * stride + col] = sumQ(a1);
        out[t2 * stride + col] = sumQ(a2);
        out[t3 * stride + col] = sumQ(a3);
    }

    /**
     * One Q4_0 row: per block pair, nibble m of 32-bit lane j minus 8 at position 8m + j (lanes 0-3 block b,
     * 4-7 block b+1; nibbles 0-3 the low halves of bytes 0-3, 4-7 the high halves); then per pair the two
     * scales over their lanes.
     */
    /**
     * Writes a pair of Q4_0 blocks ({@code v}: both blocks' 32 quant bytes) into a {@link #gemmDots} tile as
     * integer-valued floats at {@code o}, and their two scales spread over the lanes they scale at {@code s}.
     */
    private static void q4_0PairToTile(IntVector v, float d0, float d1, float[] tile, int o, int s) {
        for (int m = 0; m < 4; m++) {
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 8 * m).and(0xF).sub(8)
                    .convert(VectorOperators.I2F, 0)).intoArray(tile, o + 8 * m);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 8 * m + 4).and(0xF).sub(8)
                    .convert(VectorOperators.I2F, 0)).intoArray(tile, o + 32 + 8 * m);
        }
        FloatVector.broadcast(QF, d0).blend(FloatVector.broadcast(QF, d1), HIGH_FLOATS).intoArray(tile, s);
    }

    private static void decodeQ4_0Dots(MemorySegment w, long rowOff, int blocks, float[] tile, int wo, int so) {
        for (int b = 0; b + 1 < blocks; b += 2) {
            long blk = rowOff + 18L * b;
            IntVector v = IntVector.fromMemorySegment(QI, w, blk + 2, LE)
                    .blend(IntVector.fromMemorySegment(QI, w, blk + 4, LE), HIGH_INTS);
            q4_0PairToTile(v, f16(w, blk), f16(w, blk + 18), tile, wo + 32 * b, so + 4 * b);
        }
    }

    private static final jdk.incubator.vector.VectorMask<Integer> HIGH_INTS = QI.indexInRange(-QI.length() / 2, QI.length() / 2);

    /** A Q4_0 block pair's lane integers, as floats. */
    private static FloatVector q4Lanes(float[] tile, int wo, float[] xv, int xo) {
        FloatVector s = FloatVector.fromArray(QF, tile, wo).mul(FloatVector.fromArray(QF, xv, xo));
        for (int m = 8; m < 64; m += 8) {
            s = FloatVector.fromArray(QF, tile, wo + m).fma(FloatVector.fromArray(QF, xv, xo + m), s);
        }
        return s;
    }

    /** Q4_0 weight row r times one generated row, as {@link #dotQ4_0Pairs} computes it. */
    private static float q4_0DotsOne(float[] tile, int r, int n, int so, QuantizedRows x, int t, MemorySegment w,
                                     long rowOff) {
        int blocks = n / 32;
        int wo = r * n;
        int xo = t * n;
        int po = t * (n / 8);
        FloatVector acc = FloatVector.zero(QF);
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            FloatVector d = FloatVector.fromArray(QF, tile, so + 4 * b).mul(FloatVector.fromArray(QF, x.pairScales, po + 4 * b));
            acc = q4Lanes(tile, wo + 32 * b, x.exactQ4, xo + 32 * b).fma(d, acc);
        }
        float tail = 0f;
        if (b < blocks) {
            tail = q4_0Block(w, rowOff + 18L * b, x, xo + 32 * b, t * blocks + b);
        }
        return sumQ(acc) + tail;
    }

    /** Q4_0 weight row r times four generated rows. */
    private static void q4_0Dots4(float[] tile, int r, int n, int so, QuantizedRows x, int[] ts, int i,
                                  MemorySegment w, long rowOff, float[] out, int stride, int col) {
        int blocks = n / 32;
        int wo = r * n;
        int t0 = ts[i], t1 = ts[i + 1], t2 = ts[i + 2], t3 = ts[i + 3];
        int x0 = t0 * n, x1 = t1 * n, x2 = t2 * n, x3 = t3 * n;
        float[] xv = x.exactQ4;
        float[] ps = x.pairScales;
        int p0 = t0 * (n / 8), p1 = t1 * (n / 8), p2 = t2 * (n / 8), p3 = t3 * (n / 8);
        FloatVector a0 = FloatVector.zero(QF), a1 = a0, a2 = a0, a3 = a0;
        int b = 0;
        for (; b + 1 < blocks; b += 2) {
            int o = 32 * b;
            FloatVector wv = FloatVector.fromArray(QF, tile, wo + o);
            FloatVector s0 = wv.mul(FloatVector.fromArray(QF, xv, x0 + o));
            FloatVector s1 = wv.mul(FloatVector.fromArray(QF, xv, x1 + o));
            FloatVector s2 = wv.mul(FloatVector.fromArray(QF, xv, x2 + o));
            FloatVector s3 = wv.mul(FloatVector.fromArray(QF, xv, x3 + o));
            for (int m = 8; m < 64; m += 8) {
                wv = FloatVector.fromArray(QF, tile, wo + o + m);
                s0 = wv.fma(FloatVector.fromArray(QF, xv, x0 + o + m), s0);
                s1 = wv.fma(FloatVector.fromArray(QF, xv, x1 + o + m), s1);
                s2 = wv.fma(FloatVector.fromArray(QF, xv, x2 + o + m), s2);
                s3 = wv.fma(FloatVector.fromArray(QF, xv, x3 + o + m), s3);
            }
            FloatVector dw = FloatVector.fromArray(QF, tile, so + 4 * b);
            a0 = s0.fma(dw.mul(FloatVector.fromArray(QF, ps, p0 + 4 * b)), a0);
            a1 = s1.fma(dw.mul(FloatVector.fromArray(QF, ps, p1 + 4 * b)), a1);
            a2 = s2.fma(dw.mul(FloatVector.fromArray(QF, ps, p2 + 4 * b)), a2);
            a3 = s3.fma(dw.mul(FloatVector.fromArray(QF, ps, p3 + 4 * b)), a3);
        }
        float tail0 = 0f, tail1 = 0f, tail2 = 0f, tail3 = 0f;
        if (b < blocks) {
            long blk = rowOff + 18L * b;
            tail0 = q4_0Block(w, blk, x, x0 + 32 * b, t0 * blocks + b);
            tail1 = q4_0Block(w, blk, x, x1 + 32 * b, t1 * blocks + b);
            tail2 = q4_0Block(w, blk, x, x2 + 32 * b, t2 * blocks + b);
            tail3 = q4_0Block(w, blk, x, x3 + 32 * b, t3 * blocks + b);
        }
        out[t0 * stride + col] = sumQ(a0) + tail0;
        out[t1 * stride + col] = sumQ(a1) + tail1;
        out[t2 * stride + col] = sumQ(a2) + tail2;
        out[t3 * stride + col] = sumQ(a3) + tail3;
    }

    // ---------------------------------------------------------------- K-quants

    private static final java.lang.foreign.ValueLayout.OfInt I32 =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);

    @Override
    public float dotQ4_K(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 256;
        short[] wide = x.wide;
        short[] bsums = x.sums;
        int xo = row * x.cols;
        int xdo = row * blocks;
        int xso = row * (x.cols / 16);
        FloatVector acc = FloatVector.zero(QF);
        // ggml's min term: four lanes, lane i the exact m(2i) * sum(2i) + m(2i+1) * sum(2i+1) of each block
        float m0 = 0f, m1 = 0f, m2 = 0f, m3 = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 144L * b;
            // the twelve scale bytes hold eight 6-bit scales and eight 6-bit mins (ggml's get_scale_min_k4)
            int u0 = w.get(I32, blk + 4);
            int u1 = w.get(I32, blk + 8);
            int u2 = w.get(I32, blk + 12);
            int scLo = u0 & 0x3f3f3f3f;
            int scHi = (u2 & 0x0f0f0f0f) | ((u0 >>> 2) & 0x30303030);
            int mLo = u1 & 0x3f3f3f3f;
            int mHi = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 2) & 0x30303030);
            IntVector isum = IntVector.zero(QI);
            int q = xo + 256 * b;
            for (int j = 0; j < 4; j++) {
                int word = j < 2 ? scLo : scHi;
                int sc0 = (word >>> (16 * (j & 1))) & 0xff;
                int sc1 = (word >>> (16 * (j & 1) + 8)) & 0xff;
                long chunk = blk + 16 + 32L * j;
                int xq = q + 64 * j;
                isum = isum.add(nibblePairs(w, chunk, wide, xq, sc0, sc1));
                if (QSHORTS == 8) {
                    isum = isum.add(nibblePairs(w, chunk + 16, wide, xq + 8, sc0, sc1));
                }
            }
            float dx = x.scales[xdo + b];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(QF, dx * f16(w, blk)), acc);
            float dmin = -dx * f16(w, blk + 2);
            int s = xso + 16 * b;
            m0 = Math.fma(q4kMinPair(mLo, bsums, s, 0), dmin, m0);
            m1 = Math.fma(q4kMinPair(mLo, bsums, s, 1), dmin, m1);
            m2 = Math.fma(q4kMinPair(mHi, bsums, s, 2), dmin, m2);
            m3 = Math.fma(q4kMinPair(mHi, bsums, s, 3), dmin, m3);
        }
        // sumQ written out: as a call it is not inlined into this (large) method, which boxes acc
        float total = QF.length() == 4 ? (acc.lane(0) + acc.lane(2)) + (acc.lane(1) + acc.lane(3))
                : ((acc.lane(0) + acc.lane(4)) + (acc.lane(2) + acc.lane(6)))
                + ((acc.lane(1) + acc.lane(5)) + (acc.lane(3) + acc.lane(7)));
        return total + ((m0 + m2) + (m1 + m3));
    }

    /**
     * Sub-blocks 2i and 2i+1's mins (bytes of {@code mins}, which holds sub-blocks 0-3 or 4-7) times their
     * activation sums: one lane of ggml's min term.
     */
    private static int q4kMinPair(int mins, short[] bsums, int off, int i) {
        int shift = 16 * (i & 1);
        int j = 2 * i;
        return ((mins >>> shift) & 0xff) * (bsums[off + 2 * j] + bsums[off + 2 * j + 1])
                + ((mins >>> (shift + 8)) & 0xff) * (bsums[off + 2 * j + 2] + bsums[off + 2 * j + 3]);
    }

    /** For {@link #dotQ4_KPacked}: every lane takes lane k (a row's d or dmin; a sub-block's scale). */
    private static final jdk.incubator.vector.VectorShuffle<Float> LANE_F0 = laneOfF(0), LANE_F1 = laneOfF(1),
            LANE_F2 = laneOfF(2), LANE_F3 = laneOfF(3);
    private static final jdk.incubator.vector.VectorShuffle<Integer> LANE_I0 = laneOfI(0), LANE_I1 = laneOfI(1),
            LANE_I2 = laneOfI(2), LANE_I3 = laneOfI(3), LANE_I4 = laneOfI(4), LANE_I5 = laneOfI(5),
            LANE_I6 = laneOfI(6), LANE_I7 = laneOfI(7);
    /** Int lanes 2i and 2i + 1 swapped. */
    private static final jdk.incubator.vector.VectorShuffle<Integer> SWAP_INT_PAIRS =
            jdk.incubator.vector.VectorShuffle.fromOp(QI, i -> i ^ 1);

    private static jdk.incubator.vector.VectorShuffle<Float> laneOfF(int k) {
        return jdk.incubator.vector.VectorShuffle.fromOp(QF, i -> Math.min(k, QF.length() - 1));
    }

    private static jdk.incubator.vector.VectorShuffle<Integer> laneOfI(int k) {
        return jdk.incubator.vector.VectorShuffle.fromOp(QI, i -> Math.min(k, QI.length() - 1));
    }

    /**
     * Two rows of a packed Q4_K group ({@link PackedBlocks}) times activation row {@code row}: per row exactly
     * {@link #dotQ4_K}'s arithmetic (ggml's AVX2 lanes), so the same bits. Each 32-bit lane of a 32-byte run
     * holds four values of both of the run's sub-blocks; four shifts and masks put value 4L + k of each into
     * the lane's two 16-bit halves, which multiply the activations arranged to match ({@link
     * QuantizedRows#pairs}) and sum without overflow (4 * 15 * 127), and the halves times their sub-blocks'
     * scales make ggml's lane sum. The min term runs in vector lanes too: lane 2i holds ggml's min lane i.
     * Written out in one method, for the reasons given at {@link #dotQ4_0Packed}.
     */
    @Override
    public void dotQ4_KPacked(MemorySegment packed, long groupOff, int firstRow, QuantizedRows x, int row, float[] out,
                              int outOff) {
        if (ROW_PAIRS_AT_ONCE) {
            dotQ4_KPacked512(packed, groupOff, firstRow, x, row, out, outOff);
            return;
        }
        int blocks = x.cols / 256;
        short[] arranged = x.pairs;
        int[] subSums = x.subSums;
        float[] xd = x.scales;
        int xo = row * x.cols;
        int xdo = row * blocks;
        int xso = row * (x.cols / 32);
        long scalesA = PackedBlocks.Q4_K_SCALES;
        long quantsA = PackedBlocks.Q4_K_QUANTS;
        long pair = PackedBlocks.kPairBlock(groupOff, PackedBlocks.Q4_K_PAIR_BLOCK_BYTES, blocks, firstRow, 0);
        FloatVector accA = FloatVector.zero(QF), accB = accA, minA = accA, minB = accA;
        for (int b = 0; b < blocks; b++) {
            long sb = pair + PackedBlocks.Q4_K_PAIR_BLOCK_BYTES * b;
            // the pair's header times dx: lanes d and dmin of row A, then of row B (lanes 4-7: scale bytes, unused)
            FloatVector dd = FloatVector.fromMemorySegment(QF, packed, sb, LE).mul(xd[xdo + b]);
            IntVector scA = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_64, packed, sb + scalesA, LE).convertShape(VectorOperators.B2I, QI, 0);
            IntVector scB = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_64, packed, sb + scalesA + 16, LE).convertShape(VectorOperators.B2I, QI, 0);
            IntVector isumA = IntVector.zero(QI), isumB = isumA;
            int q = xo + 256 * b;
            for (int j = 0; j < 4; j++) {
                int xq = q + 64 * j;
                ShortVector x0 = ShortVector.fromArray(QS, arranged, xq);
                ShortVector x1 = ShortVector.fromArray(QS, arranged, xq + 16);
                ShortVector x2 = ShortVector.fromArray(QS, arranged, xq + 32);
                ShortVector x3 = ShortVector.fromArray(QS, arranged, xq + 48);
                jdk.incubator.vector.VectorShuffle<Integer> s0 = j == 0 ? LANE_I0 : j == 1 ? LANE_I2 : j == 2 ? LANE_I4 : LANE_I6;
                jdk.incubator.vector.VectorShuffle<Integer> s1 = j == 0 ? LANE_I1 : j == 1 ? LANE_I3 : j == 2 ? LANE_I5 : LANE_I7;

                IntVector v = IntVector.fromMemorySegment(QI, packed, sb + quantsA + 32L * j, LE);
                IntVector pi = v.and(0x000F000F).reinterpretAsShorts().mul(x0)
                        .add(v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(x1))
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(x2))
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(x3))
                        .reinterpretAsInts();
                isumA = isumA.add(pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scA.rearrange(s0)))
                        .add(pi.lanewise(VectorOperators.ASHR, 16).mul(scA.rearrange(s1)));

                v = IntVector.fromMemorySegment(QI, packed, sb + quantsA + 128 + 32L * j, LE);
                pi = v.and(0x000F000F).reinterpretAsShorts().mul(x0)
                        .add(v.lanewise(VectorOperators.LSHR, 4).and(0x000F000F).reinterpretAsShorts().mul(x1))
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(0x000F000F).reinterpretAsShorts().mul(x2))
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(0x000F000F).reinterpretAsShorts().mul(x3))
                        .reinterpretAsInts();
                isumB = isumB.add(pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scB.rearrange(s0)))
                        .add(pi.lanewise(VectorOperators.ASHR, 16).mul(scB.rearrange(s1)));
            }
            accA = ((FloatVector) isumA.convert(VectorOperators.I2F, 0)).fma(dd.rearrange(LANE_F0), accA);
            accB = ((FloatVector) isumB.convert(VectorOperators.I2F, 0)).fma(dd.rearrange(LANE_F2), accB);
            // the min term, negated: fma(p, dx * dmin, -m) is exactly -fma(p, -dx * dmin, m)
            IntVector sums = IntVector.fromArray(QI, subSums, xso + 8 * b);
            IntVector pA = ((IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_64, packed, sb + scalesA + 8, LE).convertShape(VectorOperators.B2I, QI, 0)).mul(sums);
            IntVector pB = ((IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_64, packed, sb + scalesA + 24, LE).convertShape(VectorOperators.B2I, QI, 0)).mul(sums);
            minA = ((FloatVector) pA.add(pA.rearrange(SWAP_INT_PAIRS)).convert(VectorOperators.I2F, 0)).fma(dd.rearrange(LANE_F1), minA);
            minB = ((FloatVector) pB.add(pB.rearrange(SWAP_INT_PAIRS)).convert(VectorOperators.I2F, 0)).fma(dd.rearrange(LANE_F3), minB);
        }
        // dotQ4_K's final sums, written out
        out[outOff] = (((accA.lane(0) + accA.lane(4)) + (accA.lane(2) + accA.lane(6)))
                + ((accA.lane(1) + accA.lane(5)) + (accA.lane(3) + accA.lane(7))))
                - ((minA.lane(0) + minA.lane(4)) + (minA.lane(2) + minA.lane(6)));
        out[outOff + 1] = (((accB.lane(0) + accB.lane(4)) + (accB.lane(2) + accB.lane(6)))
                + ((accB.lane(1) + accB.lane(5)) + (accB.lane(3) + accB.lane(7))))
                - ((minB.lane(0) + minB.lane(4)) + (minB.lane(2) + minB.lane(6)));
    }

    /** Lanes 0-7 sub-block 4h's scale (a run 2h value's first sub-block), 8-15 sub-block 4h + 2's. */
    private static final jdk.incubator.vector.VectorShuffle<Integer> K_LO0 = kRunScales(0),
            K_HI0 = kRunScales(1), K_LO1 = kRunScales(4), K_HI1 = kRunScales(5);
    private static final jdk.incubator.vector.VectorShuffle<Integer> SWAP_HALVES_I512 =
            jdk.incubator.vector.VectorShuffle.fromOp(WI, i -> (i + 8) % 16);

    private static jdk.incubator.vector.VectorShuffle<Integer> kRunScales(int first) {
        return jdk.incubator.vector.VectorShuffle.fromOp(WI, i -> i < 8 ? first : first + 2);
    }

    /**
     * {@link #dotQ4_KPacked} at 512 bits: each load holds two runs of a row's nibbles (lanes 0-7 run 2h, 8-15
     * run 2h + 1) against the activations interleaved to match ({@link QuantizedRows#kPairsWide}); the two
     * halves' integer sums add up to the 256-bit kernel's lanes exactly, which then take its scaling, min
     * term and final sums, so the same bits.
     */
    private static void dotQ4_KPacked512(MemorySegment packed, long groupOff, int firstRow, QuantizedRows x, int row,
                                         float[] out, int outOff) {
        int blocks = x.cols / 256;
        short[] arranged = x.kPairsWide;
        int[] subSums = x.subSums;
        float[] xd = x.scales;
        int xo = row * x.cols;
        int xdo = row * blocks;
        int xso = row * (x.cols / 32);
        long scalesA = PackedBlocks.Q4_K_SCALES;
        long quantsA = PackedBlocks.Q4_K_QUANTS;
        long pair = PackedBlocks.kPairBlock(groupOff, PackedBlocks.Q4_K_PAIR_BLOCK_BYTES, blocks, firstRow, 0);
        FloatVector accA = FloatVector.zero(WF), accB = accA;
        FloatVector minA = FloatVector.zero(QF), minB = minA;
        for (int b = 0; b < blocks; b++) {
            long sb = pair + PackedBlocks.Q4_K_PAIR_BLOCK_BYTES * b;
            float dx = xd[xdo + b];
            FloatVector dd = FloatVector.fromMemorySegment(QF, packed, sb, LE).mul(dx);
            // lanes 0-7 the eight sub-block scales, 8-15 the mins (unused here)
            IntVector scA = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_128, packed, sb + scalesA, LE).convertShape(VectorOperators.B2I, WI, 0);
            IntVector scB = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_128, packed, sb + scalesA + 16, LE).convertShape(VectorOperators.B2I, WI, 0);
            IntVector isumA = IntVector.zero(WI), isumB = isumA;
            int q = xo + 256 * b;
            for (int h = 0; h < 2; h++) {
                int xq = q + 128 * h;
                ShortVector x0 = ShortVector.fromArray(WS, arranged, xq);
                ShortVector x1 = ShortVector.fromArray(WS, arranged, xq + 32);
                ShortVector x2 = ShortVector.fromArray(WS, arranged, xq + 64);
                ShortVector x3 = ShortVector.fromArray(WS, arranged, xq + 96);
                jdk.incubator.vector.VectorShuffle<Integer> s0 = h == 0 ? K_LO0 : K_LO1;
                jdk.incubator.vector.VectorShuffle<Integer> s1 = h == 0 ? K_HI0 : K_HI1;

                ShortVector v = ShortVector.fromMemorySegment(WS, packed, sb + quantsA + 64L * h, LE);
                IntVector pi = v.and((short) 0x000F).mul(x0)
                        .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F).mul(x1))
                        .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F).mul(x2))
                        .add(v.lanewise(VectorOperators.LSHR, 12).mul(x3))
                        .reinterpretAsInts();
                isumA = isumA.add(pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scA.rearrange(s0)))
                        .add(pi.lanewise(VectorOperators.ASHR, 16).mul(scA.rearrange(s1)));

                v = ShortVector.fromMemorySegment(WS, packed, sb + quantsA + 128 + 64L * h, LE);
                pi = v.and((short) 0x000F).mul(x0)
                        .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F).mul(x1))
                        .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F).mul(x2))
                        .add(v.lanewise(VectorOperators.LSHR, 12).mul(x3))
                        .reinterpretAsInts();
                isumB = isumB.add(pi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(scB.rearrange(s0)))
                        .add(pi.lanewise(VectorOperators.ASHR, 16).mul(scB.rearrange(s1)));
            }
            // lanes 0-7 now hold the 256-bit kernel's integer lanes (8-15 the same again, unused)
            isumA = isumA.add(isumA.rearrange(SWAP_HALVES_I512));
            isumB = isumB.add(isumB.rearrange(SWAP_HALVES_I512));
            accA = ((FloatVector) isumA.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(WF, dd.lane(0)), accA);
            accB = ((FloatVector) isumB.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(WF, dd.lane(2)), accB);
            IntVector sums = IntVector.fromArray(QI, subSums, xso + 8 * b);
            IntVector pA = ((IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_64, packed, sb + scalesA + 8, LE).convertShape(VectorOperators.B2I, QI, 0)).mul(sums);
            IntVector pB = ((IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_64, packed, sb + scalesA + 24, LE).convertShape(VectorOperators.B2I, QI, 0)).mul(sums);
            minA = ((FloatVector) pA.add(pA.rearrange(SWAP_INT_PAIRS)).convert(VectorOperators.I2F, 0)).fma(dd.rearrange(LANE_F1), minA);
            minB = ((FloatVector) pB.add(pB.rearrange(SWAP_INT_PAIRS)).convert(VectorOperators.I2F, 0)).fma(dd.rearrange(LANE_F3), minB);
        }
        out[outOff] = (((accA.lane(0) + accA.lane(4)) + (accA.lane(2) + accA.lane(6)))
                + ((accA.lane(1) + accA.lane(5)) + (accA.lane(3) + accA.lane(7))))
                - ((minA.lane(0) + minA.lane(4)) + (minA.lane(2) + minA.lane(6)));
        out[outOff + 1] = (((accB.lane(0) + accB.lane(4)) + (accB.lane(2) + accB.lane(6)))
                + ((accB.lane(1) + accB.lane(5)) + (accB.lane(3) + accB.lane(7))))
                - ((minB.lane(0) + minB.lane(4)) + (minB.lane(2) + minB.lane(6)));
    }

    /**
     * One load of Q4_K nibbles (two sub-blocks of 32 share each byte: low nibbles the first, high the second),
     * dotted with the activations at {@code xq} (evens, then odds 16 further) and scaled by each sub-block's scale.
     */
    private static IntVector nibblePairs(MemorySegment w, long off, short[] wide, int xq, int sc0, int sc1) {
        ShortVector v = ShortVector.fromMemorySegment(QS, w, off, LE);
        ShortVector n0 = v.and((short) 0x000F);
        ShortVector n1 = v.lanewise(VectorOperators.LSHR, 4).and((short) 0x000F);
        ShortVector n2 = v.lanewise(VectorOperators.LSHR, 8).and((short) 0x000F);
        ShortVector n3 = v.lanewise(VectorOperators.LSHR, 12);
        ShortVector first = n0.mul(ShortVector.fromArray(QS, wide, xq)).add(n2.mul(ShortVector.fromArray(QS, wide, xq + 16)));
        ShortVector second = n1.mul(ShortVector.fromArray(QS, wide, xq + 32))
                .add(n3.mul(ShortVector.fromArray(QS, wide, xq + 48)));
        return widenPairsQ(first).mul(sc0).add(widenPairsQ(second).mul(sc1));
    }

    /**
     * Two rows of a packed Q6_K group ({@link PackedBlocks}) times activation row {@code row}: per row exactly
     * {@link #dotQ6_KWide}'s arithmetic (ggml's AVX2 lanes), so the same bits. Each 32-bit lane holds four
     * values (q - 32, signed) a byte each; an arithmetic shift right by 8 of the 16-bit lanes of a load at the
     * run gives values 1 and 3, of a load one byte earlier values 0 and 2 (as for packed Q8_0), which multiply
     * the odd and even activations ({@link QuantizedRows#wide}), and the halves' sum is ggml's integer lane,
     * times the scale of its 16 values.
     */
    @Override
    public void dotQ6_KPacked(MemorySegment packed, long groupOff, int firstRow, QuantizedRows x, int row, float[] out,
                              int outOff) {
        if (ROW_PAIRS_AT_ONCE) {
            dotQ6_KPacked512(packed, groupOff, firstRow, x, row, out, outOff);
            return;
        }
        int blocks = x.cols / 256;
        short[] wide = x.wide;
        float[] xd = x.scales;
        int xo = row * x.cols;
        int xdo = row * blocks;
        long scalesA = PackedBlocks.Q6_K_SCALES;
        long quantsA = PackedBlocks.Q6_K_QUANTS;
        long rowPair = PackedBlocks.kPairBlock(groupOff, PackedBlocks.Q6_K_PAIR_BLOCK_BYTES, blocks, firstRow, 0);
        FloatVector accA = FloatVector.zero(QF), accB = accA;
        for (int b = 0; b < blocks; b++) {
            long sb = rowPair + PackedBlocks.Q6_K_PAIR_BLOCK_BYTES * b;
            IntVector isumA = IntVector.zero(QI), isumB = isumA;
            for (int half = 0; half < 2; half++) {
                IntVector scA = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                        jdk.incubator.vector.ByteVector.SPECIES_64, packed, sb + scalesA + 8 * half, LE)
                        .convertShape(VectorOperators.B2I, QI, 0);
                IntVector scB = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                        jdk.incubator.vector.ByteVector.SPECIES_64, packed, sb + scalesA + 16 + 8 * half, LE)
                        .convertShape(VectorOperators.B2I, QI, 0);
                for (int k = 0; k < 4; k++) {
                    int run = 4 * half + k;
                    int e = xo + 256 * b + 32 * run;
                    ShortVector even = ShortVector.fromArray(QS, wide, e);
                    ShortVector odd = ShortVector.fromArray(QS, wide, e + 16);
                    jdk.incubator.vector.VectorShuffle<Integer> pair = k == 0 ? SCALES_0 : k == 1 ? SCALES_1 : k == 2 ? SCALES_2 : SCALES_3;

                    long a = sb + quantsA + 32L * run;
                    IntVector pi = ShortVector.fromMemorySegment(QS, packed, a - 1, LE).lanewise(VectorOperators.ASHR, 8).mul(even)
                            .add(ShortVector.fromMemorySegment(QS, packed, a, LE).lanewise(VectorOperators.ASHR, 8).mul(odd))
                            .reinterpretAsInts();
                    isumA = isumA.add(pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .mul(scA.rearrange(pair)));

                    a += 256;
                    pi = ShortVector.fromMemorySegment(QS, packed, a - 1, LE).lanewise(VectorOperators.ASHR, 8).mul(even)
                            .add(ShortVector.fromMemorySegment(QS, packed, a, LE).lanewise(VectorOperators.ASHR, 8).mul(odd))
                            .reinterpretAsInts();
                    isumB = isumB.add(pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                            .mul(scB.rearrange(pair)));
                }
            }
            float dx = xd[xdo + b];
            accA = ((FloatVector) isumA.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(QF, dx * packed.get(F32LE, sb)), accA);
            accB = ((FloatVector) isumB.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(QF, dx * packed.get(F32LE, sb + 4)), accB);
        }
        // sumQ's order, written out
        out[outOff] = ((accA.lane(0) + accA.lane(4)) + (accA.lane(2) + accA.lane(6)))
                + ((accA.lane(1) + accA.lane(5)) + (accA.lane(3) + accA.lane(7)));
        out[outOff + 1] = ((accB.lane(0) + accB.lane(4)) + (accB.lane(2) + accB.lane(6)))
                + ((accB.lane(1) + accB.lane(5)) + (accB.lane(3) + accB.lane(7)));
    }

    /** For runs r and r + 1 of a Q6_K block: lanes 4m..4m+3 take scale 2r + m. */
    private static final jdk.incubator.vector.VectorShuffle<Integer> Q6_RUNS_0 = q6RunScales(0),
            Q6_RUNS_2 = q6RunScales(2), Q6_RUNS_4 = q6RunScales(4), Q6_RUNS_6 = q6RunScales(6);

    private static jdk.incubator.vector.VectorShuffle<Integer> q6RunScales(int r) {
        return jdk.incubator.vector.VectorShuffle.fromOp(WI, i -> 2 * r + i / 4);
    }

    /**
     * {@link #dotQ6_KPacked} at 512 bits: each pair of loads a byte apart holds two runs of a row (lanes 0-7
     * run r, 8-15 run r + 1) against the activations arranged to match ({@link QuantizedRows#kWideRunPairs});
     * the halves' integer sums add up to the 256-bit kernel's lanes exactly, so the same bits.
     */
    private static void dotQ6_KPacked512(MemorySegment packed, long groupOff, int firstRow, QuantizedRows x, int row,
                                         float[] out, int outOff) {
        int blocks = x.cols / 256;
        short[] wide = x.kWideRunPairs;
        float[] xd = x.scales;
        int xo = row * x.cols;
        int xdo = row * blocks;
        long scalesA = PackedBlocks.Q6_K_SCALES;
        long quantsA = PackedBlocks.Q6_K_QUANTS;
        long rowPair = PackedBlocks.kPairBlock(groupOff, PackedBlocks.Q6_K_PAIR_BLOCK_BYTES, blocks, firstRow, 0);
        FloatVector accA = FloatVector.zero(WF), accB = accA;
        for (int b = 0; b < blocks; b++) {
            long sb = rowPair + PackedBlocks.Q6_K_PAIR_BLOCK_BYTES * b;
            IntVector scA = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_128, packed, sb + scalesA, LE).convertShape(VectorOperators.B2I, WI, 0);
            IntVector scB = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_128, packed, sb + scalesA + 16, LE).convertShape(VectorOperators.B2I, WI, 0);
            IntVector isumA = IntVector.zero(WI), isumB = isumA;
            for (int run = 0; run < 8; run += 2) {
                int e = xo + 256 * b + 32 * run;
                ShortVector even = ShortVector.fromArray(WS, wide, e);
                ShortVector odd = ShortVector.fromArray(WS, wide, e + 32);
                jdk.incubator.vector.VectorShuffle<Integer> sc = run == 0 ? Q6_RUNS_0 : run == 2 ? Q6_RUNS_2 : run == 4 ? Q6_RUNS_4 : Q6_RUNS_6;

                long a = sb + quantsA + 32L * run;
                IntVector pi = ShortVector.fromMemorySegment(WS, packed, a - 1, LE).lanewise(VectorOperators.ASHR, 8).mul(even)
                        .add(ShortVector.fromMemorySegment(WS, packed, a, LE).lanewise(VectorOperators.ASHR, 8).mul(odd))
                        .reinterpretAsInts();
                isumA = isumA.add(pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                        .mul(scA.rearrange(sc)));

                a += 256;
                pi = ShortVector.fromMemorySegment(WS, packed, a - 1, LE).lanewise(VectorOperators.ASHR, 8).mul(even)
                        .add(ShortVector.fromMemorySegment(WS, packed, a, LE).lanewise(VectorOperators.ASHR, 8).mul(odd))
                        .reinterpretAsInts();
                isumB = isumB.add(pi.add(pi.lanewise(VectorOperators.LSHL, 16)).lanewise(VectorOperators.ASHR, 16)
                        .mul(scB.rearrange(sc)));
            }
            isumA = isumA.add(isumA.rearrange(SWAP_HALVES_I512));
            isumB = isumB.add(isumB.rearrange(SWAP_HALVES_I512));
            float dx = xd[xdo + b];
            accA = ((FloatVector) isumA.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(WF, dx * packed.get(F32LE, sb)), accA);
            accB = ((FloatVector) isumB.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(WF, dx * packed.get(F32LE, sb + 4)), accB);
        }
        out[outOff] = ((accA.lane(0) + accA.lane(4)) + (accA.lane(2) + accA.lane(6)))
                + ((accA.lane(1) + accA.lane(5)) + (accA.lane(3) + accA.lane(7)));
        out[outOff + 1] = ((accB.lane(0) + accB.lane(4)) + (accB.lane(2) + accB.lane(6)))
                + ((accB.lane(1) + accB.lane(5)) + (accB.lane(3) + accB.lane(7)));
    }

    private static final java.lang.foreign.ValueLayout.OfFloat F32LE =
            java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    @Override
    public float dotQ6_K(MemorySegment w, long wOff, QuantizedRows x, int row) {
        return QSHORTS == 16 ? dotQ6_KWide(w, wOff, x, row) : dotQ6_KNarrow(w, wOff, x, row);
    }

    /** Scales 2k (low four int lanes) and 2k + 1 (high four) of a half's eight, for {@link #dotQ6_KWide}. */
    private static final jdk.incubator.vector.VectorShuffle<Integer> SCALES_0 = scalePair(0);
    private static final jdk.incubator.vector.VectorShuffle<Integer> SCALES_1 = scalePair(1);
    private static final jdk.incubator.vector.VectorShuffle<Integer> SCALES_2 = scalePair(2);
    private static final jdk.incubator.vector.VectorShuffle<Integer> SCALES_3 = scalePair(3);

    private static jdk.incubator.vector.VectorShuffle<Integer> scalePair(int k) {
        return jdk.incubator.vector.VectorShuffle.fromArray(QI, pairLanes(k, QI.length()), 0);
    }

    /**
     * Q6_K at 256 bits: each load covers all 32 bytes of a quarter's low bits (lanes hold bytes l and l + 1),
     * so one pass of extraction yields 32 values; the two groups of 16 (scales 2k and 2k + 1) take the low and
     * high four int lanes.
     */
    private float dotQ6_KWide(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 256;
        short[] wide = x.wide;
        int xo = row * x.cols;
        int xdo = row * blocks;
        FloatVector acc = FloatVector.zero(QF);
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 210L * b;
            long sc = blk + 192;
            IntVector isum = IntVector.zero(QI);
            for (int half = 0; half < 2; half++) {
                long ql = blk + 64L * half;
                int base = xo + 256 * b + 128 * half;
                ShortVector a = ShortVector.fromMemorySegment(QS, w, ql, LE);
                ShortVector c = ShortVector.fromMemorySegment(QS, w, ql + 32, LE);
                ShortVector h = ShortVector.fromMemorySegment(QS, w, blk + 128 + 32L * half, LE);
                ShortVector h4 = h.lanewise(VectorOperators.LSHL, 4);
                IntVector scales = (IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                        jdk.incubator.vector.ByteVector.SPECIES_64, w, sc + 8 * half, LE).convertShape(VectorOperators.B2I, QI, 0);
                for (int k = 0; k < 4; k++) {
                    ShortVector src = (k & 1) == 0 ? a : c;
                    int shift = 4 * (k >> 1);
                    ShortVector even = src.lanewise(VectorOperators.LSHR, shift).and((short) 0x0F)
                            .or(h4.lanewise(VectorOperators.LSHR, 2 * k).and((short) 0x30)).sub((short) 32);
                    ShortVector odd = src.lanewise(VectorOperators.LSHR, 8 + shift).and((short) 0x0F)
                            .or(h.lanewise(VectorOperators.LSHR, 4 + 2 * k).and((short) 0x30)).sub((short) 32);
                    int e = base + 32 * k;
                    IntVector scale = scales.rearrange(k == 0 ? SCALES_0 : k == 1 ? SCALES_1 : k == 2 ? SCALES_2 : SCALES_3);
                    isum = isum.add(widenPairsQ(even.mul(ShortVector.fromArray(QS, wide, e))
                            .add(odd.mul(ShortVector.fromArray(QS, wide, e + 16)))).mul(scale));
                }
            }
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(QF, x.scales[xdo + b] * f16(w, blk + 208)), acc);
        }
        return sumQ(acc);
    }

    private float dotQ6_KNarrow(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 256;
        short[] wide = x.wide;
        int xo = row * x.cols;
        int xdo = row * blocks;
        FloatVector acc = FloatVector.zero(NF);
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 210L * b;
            long sc = blk + 192;
            IntVector isum = IntVector.zero(NI);
            for (int half = 0; half < 2; half++) {
                long ql = blk + 64L * half;
                long qh = blk + 128 + 32L * half;
                int base = xo + 256 * b + 128 * half;
                for (int g = 0; g < 2; g++) {
                    // 16 values of each of the four quarters: bytes l = 16g .. 16g+15
                    ShortVector a = ShortVector.fromMemorySegment(NS, w, ql + 16 * g, LE);
                    ShortVector c = ShortVector.fromMemorySegment(NS, w, ql + 32 + 16 * g, LE);
                    ShortVector h = ShortVector.fromMemorySegment(NS, w, qh + 16 * g, LE);
                    for (int k = 0; k < 4; k++) {
                        // quarter k: low (k < 2) or high nibbles of ql[l] (k even) or ql[l + 32] (k odd),
                        // with bits 2k, 2k+1 of qh[l] on top; lanes hold bytes l (even) and l + 1 (odd)
                        ShortVector src = (k & 1) == 0 ? a : c;
                        int shift = 4 * (k >> 1);
                        ShortVector even = src.lanewise(VectorOperators.LSHR, shift).and((short) 0x0F)
                                .or(h.lanewise(VectorOperators.LSHR, 2 * k).and((short) 0x03).lanewise(VectorOperators.LSHL, 4))
                                .sub((short) 32);
                        ShortVector odd = src.lanewise(VectorOperators.LSHR, 8 + shift).and((short) 0x0F)
                                .or(h.lanewise(VectorOperators.LSHR, 8 + 2 * k).and((short) 0x03).lanewise(VectorOperators.LSHL, 4))
                                .sub((short) 32);
                        int e = base + 8 * g + 32 * k;
                        isum = isum.add(widenPairsN(even.mul(ShortVector.fromArray(NS, wide, e))
                                .add(odd.mul(ShortVector.fromArray(NS, wide, e + 16)))).mul(w.get(I8, sc + 8 * half + g + 2 * k)));
                    }
                }
            }
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(NF, x.scales[xdo + b] * f16(w, blk + 208)), acc);
        }
        return sumN(acc);
    }


    // ---------------------------------------------------------------- prompt GEMM

    /**
     * F16: {@link #dotF16} and {@link #lanesDot} both run one accumulator over the lanes and then {@link #sumF},
     * on the same exactly converted weights, when no columns are left over. (F32's dot has four accumulators,
     * BF16's is the scalar one.) Q4_K and Q6_K: {@link #gemmKQuant} and the dot kernels both follow ggml's AVX2
     * arithmetic, lane for lane.
     */
    @Override
    public boolean gemmEqualsDot(dev.djinn.core.tensor.GgmlType type, int cols) {
        return switch (type) {
            case F16 -> cols % LANES == 0;
            // gemmKQuant: the dot kernels' integer lanes, scaling and sums (Q6_K: with whole-block spans)
            case Q4_K -> true;
            case Q6_K -> QF.length() >= 8;
            default -> false;
        };
    }

    @Override
    public void gemm(float[] w, int rows, float[] x, int[] xRows, int xCount, int cols, float[] out, int outStride,
                     int outCol) {
        if (cols % LANES != 0) {
            super.gemm(w, rows, x, xRows, xCount, cols, out, outStride, outCol);
            return;
        }
        int t = 0;
        if (WIDE_TILES) {
            float[] sums = TILE_SUMS.get();
            for (; t + 3 < xCount; t += 4) {
                int r = 0;
                for (; r + 3 < rows; r += 4) {
                    tile4x4(w, r, x, xRows, t, cols, out, outStride, outCol, sums);
                }
                for (; r < rows; r++) {
                    for (int i = 0; i < 4; i++) {
                        out[xRows[t + i] * outStride + outCol + r] = lanesDot(w, r * cols, x, xRows[t + i] * cols, cols);
                    }
                }
            }
        }
        for (; t + 1 < xCount; t += 2) {
            int r = 0;
            for (; r + 3 < rows; r += 4) {
                tile4x2(w, r, x, xRows[t], xRows[t + 1], cols, out, outStride, outCol);
            }
            for (; r < rows; r++) {
                out[xRows[t] * outStride + outCol + r] = lanesDot(w, r * cols, x, xRows[t] * cols, cols);
                out[xRows[t + 1] * outStride + outCol + r] = lanesDot(w, r * cols, x, xRows[t + 1] * cols, cols);
            }
        }
        for (; t < xCount; t++) {
            for (int r = 0; r < rows; r++) {
                out[xRows[t] * outStride + outCol + r] = lanesDot(w, r * cols, x, xRows[t] * cols, cols);
            }
        }
    }

    /** One accumulator across lanes, then the lane tree: the order every GEMM output follows. */
    private static float lanesDot(float[] w, int wo, float[] x, int xo, int cols) {
        FloatVector acc = FloatVector.zero(FS);
        for (int k = 0; k < cols; k += LANES) {
            acc = FloatVector.fromArray(FS, w, wo + k).fma(FloatVector.fromArray(FS, x, xo + k), acc);
        }
        return sumF(acc);
    }

    /**
     * Whether the float GEMM takes four activation rows at a time ({@link #tile4x4}): its 16 accumulators and
     * 8 operands fit only in AVX-512's 32 vector registers, which a 512-bit preferred species implies; with
     * AVX2's 16, C2 spills them and the 4 x 2 tile is faster. On a Zen 5 core, 2048 x 2048 floats times 480
     * rows: 58 GMAC/s against 41 for the 4 x 2 tile, both at 512 bits.
     */
    private static final boolean WIDE_TILES = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;

    /** Per thread: {@link #tile4x4}'s sixteen accumulators, handed to {@link #sum4x4}. */
    private static final ThreadLocal<float[]> TILE_SUMS = ThreadLocal.withInitial(() -> new float[16 * LANES]);

    /**
     * Four weight rows by four activation rows: sixteen accumulators, each loaded value used four times. Each
     * output keeps one accumulator over all columns and ends in {@link #sumF}, the order of {@link #lanesDot}.
     */
    private static void tile4x4(float[] w, int r, float[] x, int[] xRows, int t, int cols, float[] out, int stride,
                                int outCol, float[] sums) {
        int w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        int x0 = xRows[t] * cols, x1 = xRows[t + 1] * cols, x2 = xRows[t + 2] * cols, x3 = xRows[t + 3] * cols;
        FloatVector a00 = FloatVector.zero(FS), a10 = a00, a20 = a00, a30 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
        FloatVector a02 = a00, a12 = a00, a22 = a00, a32 = a00;
        FloatVector a03 = a00, a13 = a00, a23 = a00, a33 = a00;
        for (int k = 0; k < cols; k += LANES) {
            FloatVector xa = FloatVector.fromArray(FS, x, x0 + k);
            FloatVector xb = FloatVector.fromArray(FS, x, x1 + k);
            FloatVector xc = FloatVector.fromArray(FS, x, x2 + k);
            FloatVector xd = FloatVector.fromArray(FS, x, x3 + k);
            FloatVector v0 = FloatVector.fromArray(FS, w, w0 + k);
            a00 = v0.fma(xa, a00);
            a01 = v0.fma(xb, a01);
            a02 = v0.fma(xc, a02);
            a03 = v0.fma(xd, a03);
            FloatVector v1 = FloatVector.fromArray(FS, w, w1 + k);
            a10 = v1.fma(xa, a10);
            a11 = v1.fma(xb, a11);
            a12 = v1.fma(xc, a12);
            a13 = v1.fma(xd, a13);
            FloatVector v2 = FloatVector.fromArray(FS, w, w2 + k);
            a20 = v2.fma(xa, a20);
            a21 = v2.fma(xb, a21);
            a22 = v2.fma(xc, a22);
            a23 = v2.fma(xd, a23);
            FloatVector v3 = FloatVector.fromArray(FS, w, w3 + k);
            a30 = v3.fma(xa, a30);
            a31 = v3.fma(xb, a31);
            a32 = v3.fma(xc, a32);
            a33 = v3.fma(xd, a33);
        }
        // sumF of each accumulator, in a method of its own: inlined here, sixteen sums take C2 past its node
        // limit for inlining, and the calls it then leaves out of line box their vectors
        a00.intoArray(sums, 0);
        a10.intoArray(sums, LANES);
        a20.intoArray(sums, 2 * LANES);
        a30.intoArray(sums, 3 * LANES);
        a01.intoArray(sums, 4 * LANES);
        a11.intoArray(sums, 5 * LANES);
        a21.intoArray(sums, 6 * LANES);
        a31.intoArray(sums, 7 * LANES);
        a02.intoArray(sums, 8 * LANES);
        a12.intoArray(sums, 9 * LANES);
        a22.intoArray(sums, 10 * LANES);
        a32.intoArray(sums, 11 * LANES);
        a03.intoArray(sums, 12 * LANES);
        a13.intoArray(sums, 13 * LANES);
        a23.intoArray(sums, 14 * LANES);
        a33.intoArray(sums, 15 * LANES);
        sum4x4(sums, out, xRows[t] * stride + outCol + r, xRows[t + 1] * stride + outCol + r,
                xRows[t + 2] * stride + outCol + r, xRows[t + 3] * stride + outCol + r);
    }

    /**
     * {@link #sumF} of the sixteen accumulators {@link #tile4x4} left in {@code sums} (token i's rows 0-3 at
     * 4i..4i+3), all at once: the same halving tree, lanes shuffled between vectors; token i's sums go to
     * {@code out[o_i .. o_i + 3]}.
     */
    private static void sum4x4(float[] sums, float[] out, int o0, int o1, int o2, int o3) {
        FloatVector s0 = FloatVector.fromArray(FS, sums, 0 * LANES);
        FloatVector s1 = FloatVector.fromArray(FS, sums, 1 * LANES);
        FloatVector s2 = FloatVector.fromArray(FS, sums, 2 * LANES);
        FloatVector s3 = FloatVector.fromArray(FS, sums, 3 * LANES);
        FloatVector s4 = FloatVector.fromArray(FS, sums, 4 * LANES);
        FloatVector s5 = FloatVector.fromArray(FS, sums, 5 * LANES);
        FloatVector s6 = FloatVector.fromArray(FS, sums, 6 * LANES);
        FloatVector s7 = FloatVector.fromArray(FS, sums, 7 * LANES);
        FloatVector s8 = FloatVector.fromArray(FS, sums, 8 * LANES);
        FloatVector s9 = FloatVector.fromArray(FS, sums, 9 * LANES);
        FloatVector s10 = FloatVector.fromArray(FS, sums, 10 * LANES);
        FloatVector s11 = FloatVector.fromArray(FS, sums, 11 * LANES);
        FloatVector s12 = FloatVector.fromArray(FS, sums, 12 * LANES);
        FloatVector s13 = FloatVector.fromArray(FS, sums, 13 * LANES);
        FloatVector s14 = FloatVector.fromArray(FS, sums, 14 * LANES);
        FloatVector s15 = FloatVector.fromArray(FS, sums, 15 * LANES);
        FloatVector c0 = LO1.selectFrom(s0, s1).add(HI1.selectFrom(s0, s1));
        FloatVector c1 = LO1.selectFrom(s2, s3).add(HI1.selectFrom(s2, s3));
        FloatVector c2 = LO1.selectFrom(s4, s5).add(HI1.selectFrom(s4, s5));
        FloatVector c3 = LO1.selectFrom(s6, s7).add(HI1.selectFrom(s6, s7));
        FloatVector c4 = LO1.selectFrom(s8, s9).add(HI1.selectFrom(s8, s9));
        FloatVector c5 = LO1.selectFrom(s10, s11).add(HI1.selectFrom(s10, s11));
        FloatVector c6 = LO1.selectFrom(s12, s13).add(HI1.selectFrom(s12, s13));
        FloatVector c7 = LO1.selectFrom(s14, s15).add(HI1.selectFrom(s14, s15));
        // token i's four sums now lie in d_i (at four lanes) or in e/f lanes 4i..4i+3 (eight or sixteen)
        FloatVector d0 = LO2.selectFrom(c0, c1).add(HI2.selectFrom(c0, c1));
        FloatVector d1 = LO2.selectFrom(c2, c3).add(HI2.selectFrom(c2, c3));
        FloatVector d2 = LO2.selectFrom(c4, c5).add(HI2.selectFrom(c4, c5));
        FloatVector d3 = LO2.selectFrom(c6, c7).add(HI2.selectFrom(c6, c7));
        if (LANES == 4) {
            d0.intoArray(out, o0);
            d1.intoArray(out, o1);
            d2.intoArray(out, o2);
            d3.intoArray(out, o3);
            return;
        }
        FloatVector e0 = LO3.selectFrom(d0, d1).add(HI3.selectFrom(d0, d1));
        FloatVector e1 = LO3.selectFrom(d2, d3).add(HI3.selectFrom(d2, d3));
        if (LANES == 8) {
            storeLanes(e0, 0, out, o0);
            storeLanes(e0, 4, out, o1);
            storeLanes(e1, 0, out, o2);
            storeLanes(e1, 4, out, o3);
            return;
        }
        FloatVector f = LO4.selectFrom(e0, e1).add(HI4.selectFrom(e0, e1));
        storeLanes(f, 0, out, o0);
        storeLanes(f, 4, out, o1);
        storeLanes(f, 8, out, o2);
        storeLanes(f, 12, out, o3);
    }

    private static void storeLanes(FloatVector v, int from, float[] out, int at) {
        out[at] = v.lane(from);
        out[at + 1] = v.lane(from + 1);
        out[at + 2] = v.lane(from + 2);
        out[at + 3] = v.lane(from + 3);
    }

    /**
     * Level n of {@link #sumF}'s halving tree for two vectors at once ({@code LOn.selectFrom(a, b)
     * .add(HIn.selectFrom(a, b))}): with s = LANES >> n, lane j of the result is a's (j < LANES / 2) or b's
     * lane {@code 2s * (j / s) + j % s} plus the one s lanes above it. Applied to pairs at levels 1, 2, ...,
     * each vector's sum ends in one lane, as sumF adds it.
     */
    private static final FloatVector LO1 = halvesIndexes(1, 0), HI1 = halvesIndexes(1, 1);
    private static final FloatVector LO2 = halvesIndexes(2, 0), HI2 = halvesIndexes(2, 1);
    private static final FloatVector LO3 = halvesIndexes(3, 0), HI3 = halvesIndexes(3, 1);
    private static final FloatVector LO4 = halvesIndexes(4, 0), HI4 = halvesIndexes(4, 1);

    private static FloatVector halvesIndexes(int n, int upper) {
        int s = Math.max(1, LANES >> n);
        float[] idx = new float[LANES];
        for (int j = 0; j < LANES; j++) {
            idx[j] = 2 * s * (j / s) + j % s + upper * s;
        }
        return FloatVector.fromArray(FS, idx, 0);
    }

    /** Four weight rows by two activation rows: eight accumulators, each loaded value used twice or four times. */
    private static void tile4x2(float[] w, int r, float[] x, int t0, int t1, int cols, float[] out, int stride,
                                int outCol) {
        int w0 = r * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
        int x0 = t0 * cols, x1 = t1 * cols;
        FloatVector a00 = FloatVector.zero(FS), a10 = a00, a20 = a00, a30 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
        for (int k = 0; k < cols; k += LANES) {
            FloatVector xa = FloatVector.fromArray(FS, x, x0 + k);
            FloatVector xb = FloatVector.fromArray(FS, x, x1 + k);
            FloatVector v0 = FloatVector.fromArray(FS, w, w0 + k);
            a00 = v0.fma(xa, a00);
            a01 = v0.fma(xb, a01);
            FloatVector v1 = FloatVector.fromArray(FS, w, w1 + k);
            a10 = v1.fma(xa, a10);
            a11 = v1.fma(xb, a11);
            FloatVector v2 = FloatVector.fromArray(FS, w, w2 + k);
            a20 = v2.fma(xa, a20);
            a21 = v2.fma(xb, a21);
            FloatVector v3 = FloatVector.fromArray(FS, w, w3 + k);
            a30 = v3.fma(xa, a30);
            a31 = v3.fma(xb, a31);
        }
        int o0 = t0 * stride + outCol + r;
        int o1 = t1 * stride + outCol + r;
        out[o0] = sumF(a00);
        out[o0 + 1] = sumF(a10);
        out[o0 + 2] = sumF(a20);
        out[o0 + 3] = sumF(a30);
        out[o1] = sumF(a01);
        out[o1 + 1] = sumF(a11);
        out[o1 + 2] = sumF(a21);
        out[o1 + 3] = sumF(a31);
    }

    // ---------------------------------------------------------------- prompt GEMM over panels of prompt rows

    /**
     * Every prompt row takes {@link #gemmPanels} where the preferred species is 512 bits: 8 weight rows by 2
     * panels of prompt rows hold 16 accumulators and read 10 values per 16 FMAs, with no lane sums at the end,
     * where {@link #tile4x4} reads 8 values per 16 FMAs, from two streams that do not fit L1 together, and then
     * sums lanes. On a Zen 5 core (JMH MatMat, 2048 x 2048, one thread): Q4_0 times 512 prompt rows in 22.6 ms
     * against 33.7, 16 rows in 1.14 against 1.35; F32 times 480 rows at 85-96 GMAC/s, 78-87% of the core's FMA
     * peak (8 x 3 panels, 24 accumulators: 26-29 ms; 4 x 4: 23 ms). Below 512 bits the kernel is tested but
     * not chosen: with AVX2's 16 registers its accumulators would spill.
     */
    private static final boolean PROMPT_PANELS = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;

    @Override
    public boolean promptPanels() {
        return PROMPT_PANELS;
    }

    @Override
    public int panelWidth() {
        return LANES;
    }

    @Override
    public void panelRows(QuantizedRows x, int p) {
        int cols = x.cols;
        float[] v = x.values;
        float[] panels = x.panels;
        int base = p * LANES * cols;
        for (int j = 0; j < LANES; j++) {
            int slot = p * LANES + j;
            if (slot < x.gemmCount) {
                int src = x.gemmRows[slot] * cols;
                for (int k = 0; k < cols; k++) {
                    panels[base + k * LANES + j] = v[src + k];
                }
            } else {
                for (int k = 0; k < cols; k++) {
                    panels[base + k * LANES + j] = 0f;
                }
            }
        }
    }

    /** Off with {@code -Ddjinn.int16=false} (for comparisons): prompt rows then meet Q4_0 and Q4_K in floats. */
    private static final boolean INT16_PROMPTS = BITS >= 512 && PROMPT_PANELS
            && Boolean.parseBoolean(System.getProperty("djinn.int16", "true"));

    @Override
    public boolean int16Prompts() {
        return INT16_PROMPTS;
    }

    /** Off with {@code -Ddjinn.rowlanes=false} (for comparisons): Q4_0 weights then keep the row-pair layout. */
    private static final boolean ROW_LANES = INT16_PROMPTS
            && Boolean.parseBoolean(System.getProperty("djinn.rowlanes", "true"));

    @Override
    public boolean q4_0RowLanes() {
        return ROW_LANES;
    }

    @Override
    public void prepareRowLanes(QuantizedRows x, int row) {
        RowLanes.pairs(x, row);
    }

    @Override
    public void dotQ4_0RowLanes(MemorySegment packed, long quad, QuantizedRows x, int row, float[] out, int outOff) {
        RowLanes.dot(packed, quad, x.cols / 32, x, row, out, outOff);
    }

    @Override
    public void dotQ4_0RowLanes2(MemorySegment packed, long quad, QuantizedRows x, int rowA, int rowB, float[] out,
                                 int outA, int outB) {
        RowLanes.dot2(packed, quad, x.cols / 32, x, rowA, rowB, out, outA, outB);
    }

    @Override
    public void decodeRowLanesInt16(MemorySegment packed, long quad, int g, int groups, int[] dst, int o, int rowInts,
                                    float[] ds, int so, int blockScales, int n) {
        RowLanes.decodeGroups(packed, quad, g, groups, dst, o, rowInts, ds, so, blockScales, n);
    }

    @Override
    public void panelRows16(QuantizedRows x, int p) {
        Int16Gemm.panel(x, p);
    }

    @Override
    public void decodePackedQ4_0PairInt16(MemorySegment packed, long run, long stride, int[] dst, int o, int rowInts,
                                          float[] ds, int so, int rowScales, int n) {
        Int16Gemm.decodePair(packed, run, stride, dst, o, rowInts, ds, so, rowScales, n);
    }

    @Override
    public void decodeQ4_0Int16(MemorySegment data, long off, int[] dst, int o, float[] ds, int so, int n) {
        Int16Gemm.decodeGgufRow(data, off, dst, o, ds, so, n);
    }

    @Override
    public void decodeQ4_KInt16(MemorySegment data, long off, int[] dst, int o, float[] wd, float[] wm, int so,
                                int n) {
        Int16Gemm.decodeQ4KRow(data, off, dst, o, wd, wm, so, n);
    }

    @Override
    public void gemmPanels16(int[] w, int wRow, float[] wd, int dRow, int dBlock, float[] wm, int rows,
                             QuantizedRows x, float[] out, int outStride, int outCol) {
        Int16Gemm.gemm(w, wRow, wd, dRow, dBlock, wm, rows, x, PANEL_SUMS.get(), out, outStride, outCol);
    }

    /** Per thread: the accumulators of one {@link #gemmPanels} tile, before they go to their output rows. */
    private static final ThreadLocal<float[]> PANEL_SUMS =
            ThreadLocal.withInitial(() -> new float[Math.max(16 * LANES, 8 * Int16Gemm.PANEL)]);

    @Override
    public void gemmPanels(float[] w, int rows, QuantizedRows x, float[] out, int outStride, int outCol) {
        int cols = x.cols;
        int panels = Math.ceilDiv(x.gemmCount, LANES);
        float[] sums = PANEL_SUMS.get();
        int r = 0;
        for (; r + 7 < rows; r += 8) {
            int p = 0;
            for (; p + 1 < panels; p += 2) {
                panel8x2(w, r, x.panels, p, cols, sums);
                scatterPanels(sums, 8, 2, r, p, x, out, outStride, outCol);
            }
            for (; p < panels; p++) {
                panel8x1(w, r, x.panels, p, cols, sums);
                scatterPanels(sums, 8, 1, r, p, x, out, outStride, outCol);
            }
        }
        for (; r + 3 < rows; r += 4) {
            for (int p = 0; p < panels; p++) {
                panel4x1(w, r, x.panels, p, cols, sums);
                scatterPanels(sums, 4, 1, r, p, x, out, outStride, outCol);
            }
        }
        for (; r < rows; r++) {
            for (int p = 0; p < panels; p++) {
                panel1x1(w, r, x.panels, p, cols, sums);
                scatterPanels(sums, 1, 1, r, p, x, out, outStride, outCol);
            }
        }
    }

    /** Accumulator (i, v) of a {@code rows} x {@code width} tile, lane j: weight row r + i, prompt row (p + v) * LANES + j. */
    private static void scatterPanels(float[] sums, int rows, int width, int r, int p, QuantizedRows x, float[] out,
                                      int outStride, int outCol) {
        for (int v = 0; v < width; v++) {
            int first = (p + v) * LANES;
            int n = Math.min(LANES, x.gemmCount - first);
            for (int j = 0; j < n; j++) {
                int o = x.gemmRows[first + j] * outStride + outCol + r;
                for (int i = 0; i < rows; i++) {
                    out[o + i] = sums[(i * width + v) * LANES + j];
                }
            }
        }
    }

    /** Weight rows r .. r + 7 times panels p .. p + 1: 16 accumulators, into {@code sums}. */
    private static void panel8x2(float[] w, int r, float[] x, int p, int cols, float[] sums) {
        int w0 = r * cols;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        int w4 = w3 + cols;
        int w5 = w4 + cols;
        int w6 = w5 + cols;
        int w7 = w6 + cols;
        int x0 = p * LANES * cols;
        int x1 = x0 + LANES * cols;
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00;
        FloatVector a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00;
        FloatVector a61 = a00, a70 = a00, a71 = a00;
        for (int k = 0; k < cols; k++) {
            int o = k * LANES;
            FloatVector x0v = FloatVector.fromArray(FS, x, x0 + o);
            FloatVector x1v = FloatVector.fromArray(FS, x, x1 + o);
            FloatVector b0 = FloatVector.broadcast(FS, w[w0 + k]);
            a00 = b0.fma(x0v, a00);
            a01 = b0.fma(x1v, a01);
            FloatVector b1 = FloatVector.broadcast(FS, w[w1 + k]);
            a10 = b1.fma(x0v, a10);
            a11 = b1.fma(x1v, a11);
            FloatVector b2 = FloatVector.broadcast(FS, w[w2 + k]);
            a20 = b2.fma(x0v, a20);
            a21 = b2.fma(x1v, a21);
            FloatVector b3 = FloatVector.broadcast(FS, w[w3 + k]);
            a30 = b3.fma(x0v, a30);
            a31 = b3.fma(x1v, a31);
            FloatVector b4 = FloatVector.broadcast(FS, w[w4 + k]);
            a40 = b4.fma(x0v, a40);
            a41 = b4.fma(x1v, a41);
            FloatVector b5 = FloatVector.broadcast(FS, w[w5 + k]);
            a50 = b5.fma(x0v, a50);
            a51 = b5.fma(x1v, a51);
            FloatVector b6 = FloatVector.broadcast(FS, w[w6 + k]);
            a60 = b6.fma(x0v, a60);
            a61 = b6.fma(x1v, a61);
            FloatVector b7 = FloatVector.broadcast(FS, w[w7 + k]);
            a70 = b7.fma(x0v, a70);
            a71 = b7.fma(x1v, a71);
        }
        a00.intoArray(sums, 0 * LANES);
        a01.intoArray(sums, 1 * LANES);
        a10.intoArray(sums, 2 * LANES);
        a11.intoArray(sums, 3 * LANES);
        a20.intoArray(sums, 4 * LANES);
        a21.intoArray(sums, 5 * LANES);
        a30.intoArray(sums, 6 * LANES);
        a31.intoArray(sums, 7 * LANES);
        a40.intoArray(sums, 8 * LANES);
        a41.intoArray(sums, 9 * LANES);
        a50.intoArray(sums, 10 * LANES);
        a51.intoArray(sums, 11 * LANES);
        a60.intoArray(sums, 12 * LANES);
        a61.intoArray(sums, 13 * LANES);
        a70.intoArray(sums, 14 * LANES);
        a71.intoArray(sums, 15 * LANES);
    }

    /** Weight rows r .. r + 7 times panels p .. p + 0: 8 accumulators, into {@code sums}. */
    private static void panel8x1(float[] w, int r, float[] x, int p, int cols, float[] sums) {
        int w0 = r * cols;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        int w4 = w3 + cols;
        int w5 = w4 + cols;
        int w6 = w5 + cols;
        int w7 = w6 + cols;
        int x0 = p * LANES * cols;
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a10 = a00, a20 = a00, a30 = a00, a40 = a00, a50 = a00, a60 = a00;
        FloatVector a70 = a00;
        for (int k = 0; k < cols; k++) {
            int o = k * LANES;
            FloatVector x0v = FloatVector.fromArray(FS, x, x0 + o);
            FloatVector b0 = FloatVector.broadcast(FS, w[w0 + k]);
            a00 = b0.fma(x0v, a00);
            FloatVector b1 = FloatVector.broadcast(FS, w[w1 + k]);
            a10 = b1.fma(x0v, a10);
            FloatVector b2 = FloatVector.broadcast(FS, w[w2 + k]);
            a20 = b2.fma(x0v, a20);
            FloatVector b3 = FloatVector.broadcast(FS, w[w3 + k]);
            a30 = b3.fma(x0v, a30);
            FloatVector b4 = FloatVector.broadcast(FS, w[w4 + k]);
            a40 = b4.fma(x0v, a40);
            FloatVector b5 = FloatVector.broadcast(FS, w[w5 + k]);
            a50 = b5.fma(x0v, a50);
            FloatVector b6 = FloatVector.broadcast(FS, w[w6 + k]);
            a60 = b6.fma(x0v, a60);
            FloatVector b7 = FloatVector.broadcast(FS, w[w7 + k]);
            a70 = b7.fma(x0v, a70);
        }
        a00.intoArray(sums, 0* LANES);
        a10.intoArray(sums, 1* LANES);
        a20.intoArray(sums, 2* LANES);
        a30.intoArray(sums, 3* LANES);
        a40.intoArray(sums, 4* LANES);
        a50.intoArray(sums, 5* LANES);
        a60.intoArray(sums, 6* LANES);
        a70.intoArray(sums, 7* LANES);
    }

    /** Weight rows r .. r + 3 times panels p .. p + 0: 4 accumulators, into {@code sums}. */
    private static void panel4x1(float[] w, int r, float[] x, int p, int cols, float[] sums) {
        int w0 = r * cols;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        int x0 = p * LANES * cols;
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a10 = a00, a20 = a00, a30 = a00;
        for (int k = 0; k < cols; k++) {
            int o = k * LANES;
            FloatVector x0v = FloatVector.fromArray(FS, x, x0 + o);
            FloatVector b0 = FloatVector.broadcast(FS, w[w0 + k]);
            a00 = b0.fma(x0v, a00);
            FloatVector b1 = FloatVector.broadcast(FS, w[w1 + k]);
            a10 = b1.fma(x0v, a10);
            FloatVector b2 = FloatVector.broadcast(FS, w[w2 + k]);
            a20 = b2.fma(x0v, a20);
            FloatVector b3 = FloatVector.broadcast(FS, w[w3 + k]);
            a30 = b3.fma(x0v, a30);
        }
        a00.intoArray(sums, 0* LANES);
        a10.intoArray(sums, 1* LANES);
        a20.intoArray(sums, 2* LANES);
        a30.intoArray(sums, 3* LANES);
    }

    /** Weight rows r .. r + 0 times panels p .. p + 0: 1 accumulators, into {@code sums}. */
    private static void panel1x1(float[] w, int r, float[] x, int p, int cols, float[] sums) {
        int w0 = r * cols;
        int x0 = p * LANES * cols;
        FloatVector a00 = FloatVector.zero(FS);
        for (int k = 0; k < cols; k++) {
            int o = k * LANES;
            FloatVector x0v = FloatVector.fromArray(FS, x, x0 + o);
            FloatVector b0 = FloatVector.broadcast(FS, w[w0 + k]);
            a00 = b0.fma(x0v, a00);
        }
        a00.intoArray(sums, 0* LANES);
    }

    @Override
    public void scorePanels(float[] keyPanels, int panels, float[] q, int qOff, int queries, int n, float scale,
                            float[] out, int outOff, int outStride) {
        int i = 0;
        for (; i + 3 < queries; i += 4) {
            int p = 0;
            for (; p + 3 < panels; p += 4) {
                scores4x4(keyPanels, p, q, qOff + i * n, n, scale, out, outOff + i * outStride, outStride);
            }
            for (; p < panels; p++) {
                scores4x1(keyPanels, p, q, qOff + i * n, n, scale, out, outOff + i * outStride, outStride);
            }
        }
        for (; i < queries; i++) {
            int p = 0;
            for (; p + 3 < panels; p += 4) {
                scores1x4(keyPanels, p, q, qOff + i * n, n, scale, out, outOff + i * outStride, outStride);
            }
            for (; p < panels; p++) {
                scores1x1(keyPanels, p, q, qOff + i * n, n, scale, out, outOff + i * outStride, outStride);
            }
        }
    }

    /** 4 queries by key panels p0 .. p0 + 3. */
    private static void scores4x4(float[] kp, int p0, float[] q, int qOff, int n, float scale, float[] out,
                                   int outOff, int outStride) {
        int k0 = p0 * n * LANES;
        int k1 = k0 + n * LANES;
        int k2 = k1 + n * LANES;
        int k3 = k2 + n * LANES;
        int q0 = qOff;
        int q1 = q0 + n;
        int q2 = q1 + n;
        int q3 = q2 + n;
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00;
        FloatVector a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00;
        FloatVector a31 = a00, a32 = a00, a33 = a00;
        for (int d = 0; d < n; d++) {
            int o = d * LANES;
            FloatVector k0v = FloatVector.fromArray(FS, kp, k0 + o);
            FloatVector k1v = FloatVector.fromArray(FS, kp, k1 + o);
            FloatVector k2v = FloatVector.fromArray(FS, kp, k2 + o);
            FloatVector k3v = FloatVector.fromArray(FS, kp, k3 + o);
            FloatVector b0 = FloatVector.broadcast(FS, q[q0 + d]);
            a00 = b0.fma(k0v, a00);
            a01 = b0.fma(k1v, a01);
            a02 = b0.fma(k2v, a02);
            a03 = b0.fma(k3v, a03);
            FloatVector b1 = FloatVector.broadcast(FS, q[q1 + d]);
            a10 = b1.fma(k0v, a10);
            a11 = b1.fma(k1v, a11);
            a12 = b1.fma(k2v, a12);
            a13 = b1.fma(k3v, a13);
            FloatVector b2 = FloatVector.broadcast(FS, q[q2 + d]);
            a20 = b2.fma(k0v, a20);
            a21 = b2.fma(k1v, a21);
            a22 = b2.fma(k2v, a22);
            a23 = b2.fma(k3v, a23);
            FloatVector b3 = FloatVector.broadcast(FS, q[q3 + d]);
            a30 = b3.fma(k0v, a30);
            a31 = b3.fma(k1v, a31);
            a32 = b3.fma(k2v, a32);
            a33 = b3.fma(k3v, a33);
        }
        a00.mul(scale).intoArray(out, outOff + p0 * LANES);
        a01.mul(scale).intoArray(out, outOff + (p0 + 1) * LANES);
        a02.mul(scale).intoArray(out, outOff + (p0 + 2) * LANES);
        a03.mul(scale).intoArray(out, outOff + (p0 + 3) * LANES);
        a10.mul(scale).intoArray(out, outOff + 1 * outStride + p0 * LANES);
        a11.mul(scale).intoArray(out, outOff + 1 * outStride + (p0 + 1) * LANES);
        a12.mul(scale).intoArray(out, outOff + 1 * outStride + (p0 + 2) * LANES);
        a13.mul(scale).intoArray(out, outOff + 1 * outStride + (p0 + 3) * LANES);
        a20.mul(scale).intoArray(out, outOff + 2 * outStride + p0 * LANES);
        a21.mul(scale).intoArray(out, outOff + 2 * outStride + (p0 + 1) * LANES);
        a22.mul(scale).intoArray(out, outOff + 2 * outStride + (p0 + 2) * LANES);
        a23.mul(scale).intoArray(out, outOff + 2 * outStride + (p0 + 3) * LANES);
        a30.mul(scale).intoArray(out, outOff + 3 * outStride + p0 * LANES);
        a31.mul(scale).intoArray(out, outOff + 3 * outStride + (p0 + 1) * LANES);
        a32.mul(scale).intoArray(out, outOff + 3 * outStride + (p0 + 2) * LANES);
        a33.mul(scale).intoArray(out, outOff + 3 * outStride + (p0 + 3) * LANES);
    }

    /** 4 queries by key panels p0 .. p0 + 0. */
    private static void scores4x1(float[] kp, int p0, float[] q, int qOff, int n, float scale, float[] out,
                                   int outOff, int outStride) {
        int k0 = p0 * n * LANES;
        int q0 = qOff;
        int q1 = q0 + n;
        int q2 = q1 + n;
        int q3 = q2 + n;
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a10 = a00, a20 = a00, a30 = a00;
        for (int d = 0; d < n; d++) {
            int o = d * LANES;
            FloatVector k0v = FloatVector.fromArray(FS, kp, k0 + o);
            FloatVector b0 = FloatVector.broadcast(FS, q[q0 + d]);
            a00 = b0.fma(k0v, a00);
            FloatVector b1 = FloatVector.broadcast(FS, q[q1 + d]);
            a10 = b1.fma(k0v, a10);
            FloatVector b2 = FloatVector.broadcast(FS, q[q2 + d]);
            a20 = b2.fma(k0v, a20);
            FloatVector b3 = FloatVector.broadcast(FS, q[q3 + d]);
            a30 = b3.fma(k0v, a30);
        }
        a00.mul(scale).intoArray(out, outOff + p0 * LANES);
        a10.mul(scale).intoArray(out, outOff + 1 * outStride + p0 * LANES);
        a20.mul(scale).intoArray(out, outOff + 2 * outStride + p0 * LANES);
        a30.mul(scale).intoArray(out, outOff + 3 * outStride + p0 * LANES);
    }

    /** One query by key panels p0 .. p0 + 3. */
    private static void scores1x4(float[] kp, int p0, float[] q, int qOff, int n, float scale, float[] out,
                                   int outOff, int outStride) {
        int k0 = p0 * n * LANES;
        int k1 = k0 + n * LANES;
        int k2 = k1 + n * LANES;
        int k3 = k2 + n * LANES;
        int q0 = qOff;
        FloatVector a00 = FloatVector.zero(FS);
        FloatVector a01 = a00, a02 = a00, a03 = a00;
        for (int d = 0; d < n; d++) {
            int o = d * LANES;
            FloatVector k0v = FloatVector.fromArray(FS, kp, k0 + o);
            FloatVector k1v = FloatVector.fromArray(FS, kp, k1 + o);
            FloatVector k2v = FloatVector.fromArray(FS, kp, k2 + o);
            FloatVector k3v = FloatVector.fromArray(FS, kp, k3 + o);
            FloatVector b0 = FloatVector.broadcast(FS, q[q0 + d]);
            a00 = b0.fma(k0v, a00);
            a01 = b0.fma(k1v, a01);
            a02 = b0.fma(k2v, a02);
            a03 = b0.fma(k3v, a03);
        }
        a00.mul(scale).intoArray(out, outOff + p0 * LANES);
        a01.mul(scale).intoArray(out, outOff + (p0 + 1) * LANES);
        a02.mul(scale).intoArray(out, outOff + (p0 + 2) * LANES);
        a03.mul(scale).intoArray(out, outOff + (p0 + 3) * LANES);
    }

    /** One query by key panels p0 .. p0 + 0. */
    private static void scores1x1(float[] kp, int p0, float[] q, int qOff, int n, float scale, float[] out,
                                   int outOff, int outStride) {
        int k0 = p0 * n * LANES;
        int q0 = qOff;
        FloatVector a00 = FloatVector.zero(FS);
        for (int d = 0; d < n; d++) {
            int o = d * LANES;
            FloatVector k0v = FloatVector.fromArray(FS, kp, k0 + o);
            FloatVector b0 = FloatVector.broadcast(FS, q[q0 + d]);
            a00 = b0.fma(k0v, a00);
        }
        a00.mul(scale).intoArray(out, outOff + p0 * LANES);
    }

    // ---------------------------------------------------------------- element-wise

    private static final VectorSpecies<Double> DS = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED
            .withShape(VectorShape.forBitSize(BITS));

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        // squares in float (as ggml), widened and summed in double lanes
        jdk.incubator.vector.DoubleVector acc = jdk.incubator.vector.DoubleVector.zero(DS);
        int i = 0;
        int step = DS.length();
        for (int up = n - n % LANES; i < up; i += LANES) {
            FloatVector v = FloatVector.fromArray(FS, x, off + i);
            FloatVector sq = v.mul(v);
            // a float vector widens into exactly two double vectors at every width
            acc = acc.add((jdk.incubator.vector.DoubleVector) sq.convertShape(VectorOperators.F2D, DS, 0))
                    .add((jdk.incubator.vector.DoubleVector) sq.convertShape(VectorOperators.F2D, DS, 1));
        }
        double sum = 0;
        for (int l = 0; l < step; l++) {
            sum += acc.lane(l); // in lane order: the same bits whether interpreted or compiled
        }
        for (; i < n; i++) {
            sum += x[off + i] * x[off + i];
        }
        return sum;
    }

    @Override
    public void scaleMul(float[] x, int xOff, float scale, float[] w, float[] out, int outOff, int n) {
        int i = 0;
        for (int up = FS.loopBound(n); i < up; i += LANES) {
            FloatVector.fromArray(FS, x, xOff + i).mul(scale).mul(FloatVector.fromArray(FS, w, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = (x[xOff + i] * scale) * w[i];
        }
    }

    @Override
    public void siluMul(float[] gate, float[] up, int off, int n) {
        int i = off;
        for (int bound = off + FS.loopBound(n); i < bound; i += LANES) {
            FloatVector g = FloatVector.fromArray(FS, gate, i);
            FloatVector e = exp(g.neg());
            g.div(e.add(1f)).mul(FloatVector.fromArray(FS, up, i)).intoArray(gate, i);
        }
        for (; i < off + n; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g))) * up[i];
        }
    }

    @Override
    public double expShift(float[] s, int off, int n, float max) {
        double sum = 0;
        int i = off;
        for (int bound = off + FS.loopBound(n); i < bound; i += LANES) {
            FloatVector e = exp(FloatVector.fromArray(FS, s, i).sub(max));
            e.intoArray(s, i);
            for (int l = 0; l < LANES; l++) {
                sum += s[i + l];
            }
        }
        for (; i < off + n; i++) {
            float e = (float) Math.exp(s[i] - max);
            s[i] = e;
            sum += e;
        }
        return sum;
    }

    /**
     * e^x from basic arithmetic (range reduction by ln 2, a degree-6 polynomial, exponent bits), within about
     * 2 ulp. Unlike the Vector API's EXP, whose compiled and interpreted results differ in the last bit, it
     * gives the same bits every time.
     */
    static FloatVector exp(FloatVector input) {
        FloatVector x = input.max(-87.3f).min(88.7f);
        FloatVector n = x.mul(1.44269504f).add(12582912f).sub(12582912f); // round to nearest
        FloatVector r = n.fma(FloatVector.broadcast(FS, -0.693145751953125f), x).add(n.mul(-1.428606765330187e-06f));
        FloatVector p = FloatVector.broadcast(FS, 1.3888889e-3f)
                .fma(r, FloatVector.broadcast(FS, 8.3333333e-3f))
                .fma(r, FloatVector.broadcast(FS, 4.1666667e-2f))
                .fma(r, FloatVector.broadcast(FS, 1.6666667e-1f))
                .fma(r, FloatVector.broadcast(FS, 0.5f))
                .fma(r, FloatVector.broadcast(FS, 1f))
                .fma(r, FloatVector.broadcast(FS, 1f));
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        // below e^-87.3 the result would be subnormal: flush it to zero rather than clamp it
        return p.mul(bits.reinterpretAsFloats()).blend(0f, input.lt(-87.3f));
    }

    @Override
    public void add(float[] a, float[] b, int n) {
        int i = 0;
        for (int up = FS.loopBound(n); i < up; i += LANES) {
            FloatVector.fromArray(FS, a, i).add(FloatVector.fromArray(FS, b, i)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] += b[i];
        }
    }

    // ---------------------------------------------------------------- rope

    /** Swaps the two values of each pair of lanes. */
    private static final jdk.incubator.vector.VectorShuffle<Float> SWAP_PAIRS =
            jdk.incubator.vector.VectorShuffle.fromOp(FS, i -> i ^ 1);

    @Override
    public void ropeHalves(float[] a, int base, int half, float[] cos, float[] sin, int cs) {
        int i = 0;
        for (int up = FS.loopBound(half); i < up; i += LANES) {
            FloatVector x0 = FloatVector.fromArray(FS, a, base + i);
            FloatVector x1 = FloatVector.fromArray(FS, a, base + i + half);
            FloatVector c = FloatVector.fromArray(FS, cos, cs + i);
            FloatVector s = FloatVector.fromArray(FS, sin, cs + i);
            x0.mul(c).sub(x1.mul(s)).intoArray(a, base + i);
            x0.mul(s).add(x1.mul(c)).intoArray(a, base + i + half);
        }
        for (; i < half; i++) {
            float x0 = a[base + i];
            float x1 = a[base + i + half];
            float c = cos[cs + i];
            float s = sin[cs + i];
            a[base + i] = x0 * c - x1 * s;
            a[base + i + half] = x0 * s + x1 * c;
        }
    }

    @Override
    public void ropePairs(float[] a, int base, int dims, float[] cosPairs, float[] sinPairs, int cs) {
        int i = 0;
        for (int up = FS.loopBound(dims); i < up; i += LANES) {
            FloatVector x = FloatVector.fromArray(FS, a, base + i);
            // x * cos + swap(x) * (-sin, +sin): lanes 2k get x0 c - x1 s, lanes 2k+1 get x1 c + x0 s
            x.mul(FloatVector.fromArray(FS, cosPairs, cs + i))
                    .add(x.rearrange(SWAP_PAIRS).mul(FloatVector.fromArray(FS, sinPairs, cs + i)))
                    .intoArray(a, base + i);
        }
        if (i < dims) {
            super.ropePairs(a, base + i, dims - i, cosPairs, sinPairs, cs + i);
        }
    }

    // ---------------------------------------------------------------- K-quant prompt GEMM

    /*
     * Q4_K and Q6_K prompt rows, in the arithmetic of ggml's AVX2 kernels. A tile of weight rows is decoded once
     * to integer-valued floats (Q4_K: sub-block scale times nibble; Q6_K: scale times (q - 32)) and the
     * activations to their int8 values, both permuted alike within each 32 so that at 256 bits (the widest used here) float lane L
     * holds values 4L .. 4L+3 of every 32, the lanes of ggml's integer sums. A span's lane sums (a 256-block;
     * for Q6_K at 128 bits a half-block) are exact integers (at most 32 products of magnitude <= 4096 * 127 per
     * lane, below 2^24), added into the accumulator as fma(sum, d * dx, acc), and the lanes summed at the end
     * in hsum_float_8's order. Q4_K's min term follows ggml too: per block four exact int lanes (pairs of
     * sub-blocks' min times activation sum), fma'd with -(dx * dmin).
     */
    private static final ThreadLocal<float[]> KQ_TILE = new ThreadLocal<>();
    /** Lanes of the K-quant GEMM: at most 256 bits, the width of ggml's lane sums (its K-quant kernels are AVX2). */
    private static final int QL = QF.length();
    /** KQ_ORDER[p]: the value of a 32-group at position p (position 8m + 4h + j holds value 16h + 4j + m). */
    private static final int[] KQ_ORDER = new int[32];

    static {
        for (int m = 0; m < 4; m++) {
            for (int h = 0; h < 2; h++) {
                for (int j = 0; j < 4; j++) {
                    KQ_ORDER[8 * m + 4 * h + j] = 16 * h + 4 * j + m;
                }
            }
        }
    }

    @Override
    public void reserveKQuantGemm(QuantizedRows x) {
        if (KQ_PAIRS && x.kqTwice == null) {
            x.kqTwice = java.lang.foreign.Arena.ofAuto().allocate(4L * kqStride(x.cols) * x.capacity, 64);
        }
    }

    @Override
    public void prepareKQuantGemm(QuantizedRows x, int row) {
        int n = x.cols;
        int base = row * n;
        for (int g = 0; g < n; g += 32) {
            for (int p = 0; p < 32; p++) {
                x.values[base + g + p] = x.quants[base + g + KQ_ORDER[p]];
            }
        }
        // per block: the activation sums of sub-blocks 0, 2, 4, 6, then 1, 3, 5, 7 (see kqMins)
        int groups = n / 32;
        for (int j = 0; j < groups; j++) {
            int sum = x.sums[row * (n / 16) + 2 * j] + x.sums[row * (n / 16) + 2 * j + 1];
            int sub = j % 8;
            x.groupSums[row * groups + (j - sub) + (sub % 2) * 4 + sub / 2] = sum;
        }
        if (x.kqTwice != null) {
            long to = 4L * row * kqStride(n);
            for (int p = 0; p < n; p += QL) {
                FloatVector v = FloatVector.fromArray(QF, x.values, base + p);
                v.intoMemorySegment(x.kqTwice, to + 8L * p, LE);
                v.intoMemorySegment(x.kqTwice, to + 8L * p + 4 * QL, LE);
            }
        }
    }

    @Override
    public void gemmKQuant(dev.djinn.core.tensor.GgmlType type, MemorySegment w, long wOff, long rowBytes, int rows,
                           QuantizedRows x, int[] ts, int count, int[] floatTs, int floatCount, float[] out,
                           int outStride, int outCol) {
        boolean q4k = type == dev.djinn.core.tensor.GgmlType.Q4_K;
        if (!q4k && type != dev.djinn.core.tensor.GgmlType.Q6_K) {
            super.gemmKQuant(type, w, wOff, rowBytes, rows, x, ts, count, floatTs, floatCount, out, outStride, outCol);
            return;
        }
        int n = x.cols;
        int blocks = n / 256;
        int spans = n / (q4k || QL >= 8 ? 256 : 128);
        float[] tile = kQuantTileArray(q4k, rows, n);
        // layout: rows * n weights, per (row, span) d, then for Q4_K per block the rows' dmins and per block and
        // min the rows' mins (rows innermost: kqMinsRows takes a row per lane)
        int dOff = rows * n;
        int dminOff = dOff + rows * spans;
        int minOff = q4k ? dminOff + rows * blocks : -1;
        for (int r = 0; r < rows; r++) {
            long off = wOff + r * rowBytes;
            if (q4k) {
                decodeQ4KTile(w, off, blocks, tile, r * n, dOff + r * blocks, dminOff + r, minOff + r, rows);
            } else {
                decodeQ6KTile(w, off, blocks, tile, r * n, dOff + r * spans, spans / blocks);
            }
        }
        kQuantTile(q4k, tile, rows, x, ts, count, out, outStride, outCol);
        floatRows(q4k, tile, rows, x, floatTs, floatCount, out, outStride, outCol);
    }

    /**
     * {@link #gemmKQuant} over rows in {@link PackedBlocks} groups ({@code rows} a multiple of four, from the
     * group at {@code groupOff}): the same tile, decoded from the packed layout, so the same results.
     */
    @Override
    public void gemmKQuantPacked(dev.djinn.core.tensor.GgmlType type, MemorySegment packed, long groupOff, int rows,
                                 QuantizedRows x, int[] ts, int count, int[] floatTs, int floatCount, float[] out,
                                 int outStride, int outCol) {
        boolean q4k = type == dev.djinn.core.tensor.GgmlType.Q4_K;
        int n = x.cols;
        int blocks = n / 256;
        long groupBytes = blocks * 2 * (q4k ? PackedBlocks.Q4_K_PAIR_BLOCK_BYTES : PackedBlocks.Q6_K_PAIR_BLOCK_BYTES);
        float[] tile = kQuantTileArray(q4k, rows, n);
        if (KQ_PAIRS && floatCount == 0 && rows % 4 == 0 && x.kqTwice != null) {
            kQuantPairs(q4k, packed, groupOff, groupBytes, rows, x, ts, count, out, outStride, outCol, tile);
            return;
        }
        int dOff = rows * n;
        int dminOff = dOff + rows * blocks;
        int minOff = dminOff + rows * blocks;
        for (int r = 0; r < rows; r++) {
            long group = groupOff + groupBytes * (r / PackedBlocks.GROUP_ROWS);
            if (q4k) {
                decodeQ4KTilePacked(packed, group, r % PackedBlocks.GROUP_ROWS, blocks, tile, r * n, dOff + r * blocks,
                        dminOff + r, minOff + r, rows);
            } else {
                decodeQ6KTilePacked(packed, group, r % PackedBlocks.GROUP_ROWS, blocks, tile, r * n, dOff + r * blocks);
            }
        }
        kQuantTile(q4k, tile, rows, x, ts, count, out, outStride, outCol);
        floatRows(q4k, tile, rows, x, floatTs, floatCount, out, outStride, outCol);
    }

    @Override
    public boolean kQuantPromptsAsFloat() {
        return QL >= 8; // a d per block of 256 in the tile (narrower lanes split Q6_K blocks into spans)
    }

    @Override
    public void prepareKQuantFloatGemm(QuantizedRows x, int row) {
        int n = x.cols;
        int base = row * n;
        for (int g = 0; g < n; g += 32) {
            float d = x.scales[row * (n / 256) + g / 256];
            for (int p = 0; p < 32; p++) {
                x.values[base + g + p] = x.quants[base + g + KQ_ORDER[p]] * d;
            }
        }
    }

    /**
     * The float rows of {@link #gemmKQuant}: the tile (integer scale times quant per value, d per block, for
     * Q4_K dmin and the mins) dequantized in place, then {@link #gemm}. The tile's integer form is gone after.
     */
    private void floatRows(boolean q4k, float[] tile, int rows, QuantizedRows x, int[] floatTs, int floatCount,
                           float[] out, int outStride, int outCol) {
        if (floatCount == 0) {
            return;
        }
        int n = x.cols;
        int blocks = n / 256;
        int dOff = rows * n;
        int dminOff = dOff + rows * blocks;
        int minOff = dminOff + rows * blocks;
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) {
                float d = tile[dOff + r * blocks + b];
                int o = r * n + 256 * b;
                if (q4k) {
                    float dmin = tile[dminOff + rows * b + r];
                    for (int j = 0; j < 8; j++) {
                        // sub-block j's values sit at o + 32j (in the tile's order); its min as decodeQ4KTile stores it
                        float m = dmin * tile[minOff + rows * (8 * b + (j % 2) * 4 + j / 2) + r];
                        for (int i = o + 32 * j; i < o + 32 * j + 32; i += QL) {
                            FloatVector.fromArray(QF, tile, i).mul(d).sub(m).intoArray(tile, i);
                        }
                    }
                } else {
                    for (int i = o; i < o + 256; i += QL) {
                        FloatVector.fromArray(QF, tile, i).mul(d).intoArray(tile, i);
                    }
                }
            }
        }
        // Q4_K prompt rows from their panels; Q6_K's keep the lane-sum GEMM, whose summation order keeps
        // llama.cpp's greedy tokens on the reference Q6_K model (with panels, a near-tie of 0.021 in its
        // reference run went the other way). A weight type's choice, never the batch's.
        if (q4k && x.panelsReady && floatTs == x.gemmRows && floatCount == x.gemmCount) {
            gemmPanels(tile, rows, x, out, outStride, outCol);
        } else {
            gemm(tile, rows, x.values, floatTs, floatCount, n, out, outStride, outCol);
        }
    }

    private static float[] kQuantTileArray(boolean q4k, int rows, int n) {
        int blocks = n / 256;
        int spans = n / (q4k || QL >= 8 ? 256 : 128);
        int tileSize = rows * (n + spans + (q4k ? 9 * blocks : 0));
        float[] tile = KQ_TILE.get();
        if (tile == null || tile.length < tileSize) {
            tile = new float[tileSize];
            KQ_TILE.set(tile);
        }
        return tile;
    }

    /** The multiplies of {@link #gemmKQuant} once the tile holds its rows. */
    private static void kQuantTile(boolean q4k, float[] tile, int rows, QuantizedRows x, int[] ts, int count, float[] out,
                                   int outStride, int outCol) {
        int n = x.cols;
        int blocks = n / 256;
        int span = q4k || QL >= 8 ? 256 : 128;
        int spans = n / span;
        int dOff = rows * n;
        int dminOff = dOff + rows * spans;
        int minOff = q4k ? dminOff + rows * blocks : -1;
        // tokens outer: a pair's activations stay in L1 across the tile's rows (the tile itself stays in L2),
        // where rows outer streamed every token's activations from L3 once per four rows
        int t = 0;
        for (; t + 1 < count; t += 2) {
            int r = 0;
            for (; r + 3 < rows; r += 4) {
                kq4x2(tile, r, x, ts[t], ts[t + 1], span, dOff, out, outStride, outCol);
            }
            for (; r < rows; r++) {
                out[ts[t] * outStride + outCol + r] = kqOne(tile, r, x, ts[t], span, dOff);
                out[ts[t + 1] * outStride + outCol + r] = kqOne(tile, r, x, ts[t + 1], span, dOff);
            }
        }
        for (; t < count; t++) {
            for (int r = 0; r < rows; r++) {
                out[ts[t] * outStride + outCol + r] = kqOne(tile, r, x, ts[t], span, dOff);
            }
        }
        if (q4k) {
            kqMinsAll(tile, dminOff, minOff, rows, x, ts, count, out, outStride, outCol);
        }
    }

    /** Q4_K's min terms of every (row, token), added to the outputs. */
    private static void kqMinsAll(float[] tile, int dminOff, int minOff, int rows, QuantizedRows x, int[] ts, int count,
                                  float[] out, int outStride, int outCol) {
        for (int i = 0; i < count; i++) {
            int o = ts[i] * outStride + outCol;
            int k = 0;
            for (; k + QL <= rows; k += QL) {
                kqMinsRows(tile, dminOff, minOff, rows, k, x, ts[i], out, o);
            }
            for (; k < rows; k++) {
                out[o + k] += kqMins(tile, dminOff, minOff, rows, k, x, ts[i]);
            }
        }
    }

    /** Generated rows of packed K-quant weights take {@link #kQuantPairs} (512-bit vectors). */
    private static final boolean KQ_PAIRS = BITS >= 512;
    /** {@link #kQuantPairs}'s tile, per thread, off the heap: 64-byte aligned. */
    private static final ThreadLocal<MemorySegment> KQ_PAIR_TILE = new ThreadLocal<>();
    private static final ThreadLocal<float[]> KQ_ACC = new ThreadLocal<>();

    /**
     * Floats from one row of {@link QuantizedRows#kqTwice} to the next: a cache line more than 2n, so that the
     * tokens' slices of a block, a multiple of 4 KiB apart otherwise, do not all fall into the same L1 sets.
     */
    static int kqStride(int n) {
        return 2 * n + 16;
    }

    /**
     * {@link #gemmKQuantPacked} for generated rows only, at 512 bits, with a row pair per vector: the tile holds
     * rows 2i and 2i + 1 interleaved by eight values (row A's 8, row B's 8, ...) and the activations come twice in
     * a row ({@link QuantizedRows#kqTwice}), so lanes 0-7 of every operation are {@link #kq4x2}'s lanes for row A
     * and lanes 8-15 its lanes for row B: the same bits. Blocks outer: the tile is one block of every row (1 KiB
     * a row), decoded, then met by every token, the accumulators in {@code KQ_ACC}, so that tile and tokens stay
     * in L1. Tile and activations live off the heap, 64-byte aligned: a float array's vectors straddle cache lines
     * as its base falls (measured: 3.2-4.1 G multiply-adds a second against 4.7-5.2 aligned, the same loop).
     */
    private static void kQuantPairs(boolean q4k, MemorySegment packed, long groupOff, long groupBytes, int rows,
                                    QuantizedRows x, int[] ts, int count, float[] out, int outStride, int outCol,
                                    float[] mins) {
        int n = x.cols;
        int blocks = n / 256;
        int pairs = rows / 2;
        // one block of every row: per pair 512 floats (a block of both rows), then per pair 16 d lanes (row A's d
        // eight times, then row B's); dmin and the mins in the float tile, as kqMinsRows reads them
        long dOff = 2048L * pairs;
        long bytes = dOff + 64L * pairs;
        MemorySegment tile = KQ_PAIR_TILE.get();
        if (tile == null || tile.byteSize() < bytes) {
            tile = java.lang.foreign.Arena.ofAuto().allocate(bytes, 64);
            KQ_PAIR_TILE.set(tile);
        }
        int minOff = rows * blocks;
        long[] words = HEADER_WORDS.get();
        // per token (an odd count rounded up) and pair: 16 lanes
        int accSize = (count + 1) * pairs * 16;
        float[] acc = KQ_ACC.get();
        if (acc == null || acc.length < accSize) {
            acc = new float[accSize];
            KQ_ACC.set(acc);
        }
        java.util.Arrays.fill(acc, 0, accSize, 0f);
        for (int b = 0; b < blocks; b++) {
            if (q4k) {
                decodeQ4KBlock(packed, groupOff, groupBytes, blocks, b, rows, tile, dOff, mins, minOff, words);
            } else {
                decodeQ6KBlock(packed, groupOff, groupBytes, blocks, b, rows, tile, dOff);
            }
            for (int t = 0; t < count; t += 2) {
                // an odd last token goes with itself (its second accumulators unused)
                int t0 = ts[t], t1 = t + 1 < count ? ts[t + 1] : t0;
                int r = 0;
                for (; r + 7 < rows; r += 8) {
                    kqBlock4x2(tile, r, x, t0, t1, b, dOff, acc, 16 * (t * pairs + r / 2), 16 * ((t + 1) * pairs + r / 2));
                }
                for (; r < rows; r += 4) {
                    kqBlock2x2(tile, r, x, t0, t1, b, dOff, acc, 16 * (t * pairs + r / 2), 16 * ((t + 1) * pairs + r / 2));
                }
            }
        }
        for (int t = 0; t < count; t++) {
            int o = ts[t] * outStride + outCol;
            for (int r = 0; r < rows; r++) {
                // kq4x2's sumQ of the row's eight lanes
                int a = 16 * (t * pairs + r / 2) + 8 * (r % 2);
                out[o + r] = ((acc[a] + acc[a + 4]) + (acc[a + 2] + acc[a + 6]))
                        + ((acc[a + 1] + acc[a + 5]) + (acc[a + 3] + acc[a + 7]));
            }
        }
        if (q4k) {
            kqMinsAll(mins, 0, minOff, rows, x, ts, count, out, outStride, outCol);
        }
    }

    /** {@link #decodeQ4KTile} from row {@code k} of a packed group (256-bit lanes: packing needs them). */
    private static void decodeQ4KTilePacked(MemorySegment packed, long group, int k, int blocks, float[] tile, int wo,
                                            int dOff, int dminOff, int minOff, int rows) {
        for (int b = 0; b < blocks; b++) {
            long sb = PackedBlocks.kPairBlock(group, PackedBlocks.Q4_K_PAIR_BLOCK_BYTES, blocks, k, b);
            int half = k % 2;
            long sc = sb + PackedBlocks.Q4_K_SCALES + 16L * half;
            long q = sb + PackedBlocks.Q4_K_QUANTS + 128L * half;
            tile[dOff + b] = packed.get(F32LE, sb + 8L * half);
            tile[dminOff + rows * b] = packed.get(F32LE, sb + 8L * half + 4);
            for (int j = 0; j < 8; j++) {
                tile[minOff + rows * (8 * b + (j % 2) * 4 + j / 2)] = packed.get(I8, sc + 8 + j);
            }
            for (int c = 0; c < 4; c++) {
                float scLow = packed.get(I8, sc + 2 * c);
                float scHigh = packed.get(I8, sc + 2 * c + 1);
                int o = wo + 256 * b + 64 * c;
                // lane L of the run holds values 4L..4L+3 of both sub-blocks: nibble m of each goes to o + 8m + L
                IntVector v = IntVector.fromMemorySegment(QI, packed, q + 32L * c, LE);
                for (int m = 0; m < 4; m++) {
                    ((FloatVector) v.lanewise(VectorOperators.LSHR, 4 * m).and(0xF).convert(VectorOperators.I2F, 0))
                            .mul(scLow).intoArray(tile, o + 8 * m);
                    ((FloatVector) v.lanewise(VectorOperators.LSHR, 16 + 4 * m).and(0xF).convert(VectorOperators.I2F, 0))
                            .mul(scHigh).intoArray(tile, o + 32 + 8 * m);
                }
            }
        }
    }

    /** Block b of rows r .. r + 7 (four pairs) by two tokens, accumulators at {@code acc[a0 ..]} and {@code acc[a1 ..]}. */
    private static void kqBlock4x2(MemorySegment tile, int r, QuantizedRows x, int t0, int t1, int b, long dOff,
                                   float[] acc, int a0, int a1) {
        int n = x.cols;
        int blocks = n / 256;
        MemorySegment xx = x.kqTwice;
        long stride = 4L * kqStride(n);
        long w0 = 1024L * r, w1 = w0 + 2048, w2 = w1 + 2048, w3 = w2 + 2048;
        long x0 = t0 * stride + 2048L * b, x1 = t1 * stride + 2048L * b;
        long d0 = dOff + 32L * r;
        FloatVector s00 = FloatVector.zero(WF), s10 = s00, s20 = s00, s30 = s00;
        FloatVector s01 = s00, s11 = s00, s21 = s00, s31 = s00;
        for (long p = 0; p < 2048; p += 64) {
            FloatVector xa = FloatVector.fromMemorySegment(WF, xx, x0 + p, LE);
            FloatVector xb = FloatVector.fromMemorySegment(WF, xx, x1 + p, LE);
            FloatVector v0 = FloatVector.fromMemorySegment(WF, tile, w0 + p, LE);
            s00 = v0.fma(xa, s00);
            s01 = v0.fma(xb, s01);
            FloatVector v1 = FloatVector.fromMemorySegment(WF, tile, w1 + p, LE);
            s10 = v1.fma(xa, s10);
            s11 = v1.fma(xb, s11);
            FloatVector v2 = FloatVector.fromMemorySegment(WF, tile, w2 + p, LE);
            s20 = v2.fma(xa, s20);
            s21 = v2.fma(xb, s21);
            FloatVector v3 = FloatVector.fromMemorySegment(WF, tile, w3 + p, LE);
            s30 = v3.fma(xa, s30);
            s31 = v3.fma(xb, s31);
        }
        float dx0 = x.scales[t0 * blocks + b];
        float dx1 = x.scales[t1 * blocks + b];
        FloatVector e0 = FloatVector.fromMemorySegment(WF, tile, d0, LE);
        FloatVector e1 = FloatVector.fromMemorySegment(WF, tile, d0 + 64, LE);
        FloatVector e2 = FloatVector.fromMemorySegment(WF, tile, d0 + 128, LE);
        FloatVector e3 = FloatVector.fromMemorySegment(WF, tile, d0 + 192, LE);
        s00.fma(e0.mul(dx0), FloatVector.fromArray(WF, acc, a0)).intoArray(acc, a0);
        s10.fma(e1.mul(dx0), FloatVector.fromArray(WF, acc, a0 + 16)).intoArray(acc, a0 + 16);
        s20.fma(e2.mul(dx0), FloatVector.fromArray(WF, acc, a0 + 32)).intoArray(acc, a0 + 32);
        s30.fma(e3.mul(dx0), FloatVector.fromArray(WF, acc, a0 + 48)).intoArray(acc, a0 + 48);
        s01.fma(e0.mul(dx1), FloatVector.fromArray(WF, acc, a1)).intoArray(acc, a1);
        s11.fma(e1.mul(dx1), FloatVector.fromArray(WF, acc, a1 + 16)).intoArray(acc, a1 + 16);
        s21.fma(e2.mul(dx1), FloatVector.fromArray(WF, acc, a1 + 32)).intoArray(acc, a1 + 32);
        s31.fma(e3.mul(dx1), FloatVector.fromArray(WF, acc, a1 + 48)).intoArray(acc, a1 + 48);
    }

    /** {@link #kqBlock4x2} for rows r .. r + 3 (two pairs). */
    private static void kqBlock2x2(MemorySegment tile, int r, QuantizedRows x, int t0, int t1, int b, long dOff,
                                   float[] acc, int a0, int a1) {
        int n = x.cols;
        int blocks = n / 256;
        MemorySegment xx = x.kqTwice;
        long stride = 4L * kqStride(n);
        long w0 = 1024L * r, w1 = w0 + 2048;
        long x0 = t0 * stride + 2048L * b, x1 = t1 * stride + 2048L * b;
        long d0 = dOff + 32L * r;
        FloatVector s00 = FloatVector.zero(WF), s10 = s00, s01 = s00, s11 = s00;
        for (long p = 0; p < 2048; p += 64) {
            FloatVector xa = FloatVector.fromMemorySegment(WF, xx, x0 + p, LE);
            FloatVector xb = FloatVector.fromMemorySegment(WF, xx, x1 + p, LE);
            FloatVector v0 = FloatVector.fromMemorySegment(WF, tile, w0 + p, LE);
            s00 = v0.fma(xa, s00);
            s01 = v0.fma(xb, s01);
            FloatVector v1 = FloatVector.fromMemorySegment(WF, tile, w1 + p, LE);
            s10 = v1.fma(xa, s10);
            s11 = v1.fma(xb, s11);
        }
        float dx0 = x.scales[t0 * blocks + b];
        float dx1 = x.scales[t1 * blocks + b];
        FloatVector e0 = FloatVector.fromMemorySegment(WF, tile, d0, LE);
        FloatVector e1 = FloatVector.fromMemorySegment(WF, tile, d0 + 64, LE);
        s00.fma(e0.mul(dx0), FloatVector.fromArray(WF, acc, a0)).intoArray(acc, a0);
        s10.fma(e1.mul(dx0), FloatVector.fromArray(WF, acc, a0 + 16)).intoArray(acc, a0 + 16);
        s01.fma(e0.mul(dx1), FloatVector.fromArray(WF, acc, a1)).intoArray(acc, a1);
        s11.fma(e1.mul(dx1), FloatVector.fromArray(WF, acc, a1 + 16)).intoArray(acc, a1 + 16);
    }

    /**
     * Block b of {@link #decodeQ4KTilePacked} into {@link #kQuantPairs}'s tile, both rows of the pair from row
     * {@code k} (even) at once: each 512-bit vector the same eight values of row A (lanes 0-7) and row B (8-15),
     * stored at byte {@code wo + 8p} for value p of the block; its d lanes at {@code dAt}; dmin and the mins into
     * {@code mins} as the float tile holds them (rows {@code dminOff} and {@code dminOff + 1}).
     */
    private static void decodeQ4KBlock(MemorySegment packed, long groupOff, long groupBytes, int blocks, int b,
                                       int rows, MemorySegment tile, long dOff, float[] mins, int minOffset,
                                       long[] words) {
        // one loop over the pairs: the tile's offsets are linear in it, so that C2 can hoist their bounds checks
        for (int i = 0; i < rows / 2; i++) {
            long group = groupOff + groupBytes * (2 * i / PackedBlocks.GROUP_ROWS);
            int k = 2 * i % PackedBlocks.GROUP_ROWS;
            long wo = 2048L * i;
            long dAt = dOff + 64L * i;
            int dminOff = 2 * i;
            int minOff = minOffset + 2 * i;
            long sb = PackedBlocks.kPairBlock(group, PackedBlocks.Q4_K_PAIR_BLOCK_BYTES, blocks, k, b);
            // the header (d and dmin of row A, then of row B), then each row's eight scales and eight mins
            headerWords(packed, sb, words);
            FloatVector.broadcast(WF, Float.intBitsToFloat((int) words[0]))
                    .blend(Float.intBitsToFloat((int) words[1]), HIGH_HALF_WF).intoMemorySegment(tile, dAt, LE);
            for (int h = 0; h < 2; h++) {
                mins[dminOff + h + rows * b] = Float.intBitsToFloat((int) (words[h] >>> 32));
                long m = words[3 + 2 * h];
                for (int j = 0; j < 8; j++) {
                    mins[minOff + h + rows * (8 * b + (j % 2) * 4 + j / 2)] = (byte) (m >>> 8 * j);
                }
            }
            q4kPairValues(packed, sb, tile, wo);
        }
    }

    /**
     * The values of a Q4_K pair block into the pair tile at {@code wo}: only vector operations, compiled on their
     * own (bin/jit-directives), where with the decoder's scalar work around them C2 compiled slower code in about
     * half of a server's starts.
     */
    private static void q4kPairValues(MemorySegment packed, long sb, MemorySegment tile, long wo) {
        long q = sb + PackedBlocks.Q4_K_QUANTS; // row A's 128 bytes, then row B's
        // the pair's 32 scale bytes as ints: row A's eight scales and eight mins, then row B's
        jdk.incubator.vector.ByteVector bytes = jdk.incubator.vector.ByteVector.fromMemorySegment(
                jdk.incubator.vector.ByteVector.SPECIES_256, packed, sb + PackedBlocks.Q4_K_SCALES, LE);
        IntVector sA = (IntVector) bytes.convertShape(VectorOperators.B2I, WI, 0);
        IntVector sB = (IntVector) bytes.convertShape(VectorOperators.B2I, WI, 1);
        for (int c = 0; c < 4; c += 2) {
            // runs c and c + 1 of each row, rearranged into run c of both rows and run c + 1 of both
            IntVector la = IntVector.fromMemorySegment(WI, packed, q + 32L * c, LE);
            IntVector lb = IntVector.fromMemorySegment(WI, packed, q + 128 + 32L * c, LE);
            for (int e = 0; e < 2; e++) {
                int cc = c + e;
                IntVector v = FIRST_HALVES.add(8 * e).selectFrom(la, lb);
                FloatVector scLow = (FloatVector) SUB_SCALES.add(2 * cc).selectFrom(sA, sB)
                        .convertShape(VectorOperators.I2F, WF, 0);
                FloatVector scHigh = (FloatVector) SUB_SCALES.add(2 * cc + 1).selectFrom(sA, sB)
                        .convertShape(VectorOperators.I2F, WF, 0);
                long o = wo + 512L * cc;
                for (int m = 0; m < 4; m++) {
                    ((FloatVector) v.lanewise(VectorOperators.LSHR, 4 * m).and(0xF)
                            .convertShape(VectorOperators.I2F, WF, 0)).mul(scLow).intoMemorySegment(tile, o + 64L * m, LE);
                    ((FloatVector) v.lanewise(VectorOperators.LSHR, 16 + 4 * m).and(0xF)
                            .convertShape(VectorOperators.I2F, WF, 0)).mul(scHigh)
                            .intoMemorySegment(tile, o + 8L * (32 + 8 * m), LE);
                }
            }
        }
    }

    /**
     * The first 48 bytes of a Q4_K pair block (header and scales) as six longs: a method of its own, since C2
     * left segment reads out of line (bounds checks a call each: a fifth of the multiply) in the decoders,
     * grown past its inlining budget.
     */
    private static void headerWords(MemorySegment packed, long at, long[] words) {
        for (int i = 0; i < 6; i++) {
            words[i] = packed.get(I64, at + 8L * i);
        }
    }

    /**
     * Two-vector selection of the lower halves of two vectors side by side; plus 8, of their upper halves (an
     * add, where choosing between two constant vectors in the loop made C2 box them).
     */
    private static final IntVector FIRST_HALVES = IntVector.fromArray(WI,
            new int[] {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23}, 0);

    /**
     * Block b of {@link #decodeQ6KTilePacked} into {@link #kQuantPairs}'s tile, both rows of the pair at once,
     * placed as {@link #decodeQ4KBlock} places them. A run's four scales (its two sixteens' of each row) as
     * lanes of four, picked out of the pair's 32 scale bytes by one two-vector selection.
     */
    private static void decodeQ6KBlock(MemorySegment packed, long groupOff, long groupBytes, int blocks, int b,
                                       int rows, MemorySegment tile, long dOff) {
        for (int i = 0; i < rows / 2; i++) {
            long group = groupOff + groupBytes * (2 * i / PackedBlocks.GROUP_ROWS);
            int k = 2 * i % PackedBlocks.GROUP_ROWS;
            long wo = 2048L * i;
            long dAt = dOff + 64L * i;
            long sb = PackedBlocks.kPairBlock(group, PackedBlocks.Q6_K_PAIR_BLOCK_BYTES, blocks, k, b);
            long sc = sb + PackedBlocks.Q6_K_SCALES; // row A's 16 bytes, then row B's
            long q = sb + PackedBlocks.Q6_K_QUANTS; // row A's 256 bytes, then row B's
            FloatVector.broadcast(WF, packed.get(F32LE, sb)).blend(packed.get(F32LE, sb + 4), HIGH_HALF_WF)
                    .intoMemorySegment(tile, dAt, LE);
            // the pair's 32 scale bytes as ints: row A's sixteen, then row B's
            jdk.incubator.vector.ByteVector bytes = jdk.incubator.vector.ByteVector.fromMemorySegment(
                    jdk.incubator.vector.ByteVector.SPECIES_256, packed, sc, LE);
            IntVector sA = (IntVector) bytes.convertShape(VectorOperators.B2I, WI, 0);
            IntVector sB = (IntVector) bytes.convertShape(VectorOperators.B2I, WI, 1);
            for (int run = 0; run < 8; run += 2) {
                IntVector la = IntVector.fromMemorySegment(WI, packed, q + 32L * run, LE);
                IntVector lb = IntVector.fromMemorySegment(WI, packed, q + 256 + 32L * run, LE);
                for (int e = 0; e < 2; e++) {
                    int r = run + e;
                    FloatVector scale = (FloatVector) RUN_SCALES.add(2 * r).selectFrom(sA, sB)
                            .convertShape(VectorOperators.I2F, WF, 0);
                    IntVector v = FIRST_HALVES.add(8 * e).selectFrom(la, lb);
                    long o = wo + 256L * r;
                    // byte m of lane L to value 8m + L, as decodeQ6KTilePacked
                    for (int m = 0; m < 4; m++) {
                        ((FloatVector) v.lanewise(VectorOperators.LSHL, 24 - 8 * m).lanewise(VectorOperators.ASHR, 24)
                                .convertShape(VectorOperators.I2F, WF, 0)).mul(scale).intoMemorySegment(tile, o + 64L * m, LE);
                    }
                }
            }
        }
    }

    private static final java.lang.foreign.ValueLayout.OfLong I64 =
            java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final ThreadLocal<long[]> HEADER_WORDS = ThreadLocal.withInitial(() -> new long[6]);

    /** Plus 2r, run r's scales out of a Q6_K pair's (row A's as ints, then row B's): A 2r, A 2r + 1, B 2r, B 2r + 1. */
    private static final IntVector RUN_SCALES = IntVector.fromArray(WI,
            new int[] {0, 0, 0, 0, 1, 1, 1, 1, 16, 16, 16, 16, 17, 17, 17, 17}, 0);
    /** Plus j, sub-block j's scale out of a Q4_K pair's scale bytes (as ints): row A's in lanes 0-7, B's in 8-15. */
    private static final IntVector SUB_SCALES = IntVector.fromArray(WI,
            new int[] {0, 0, 0, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16, 16}, 0);

    /** {@link #decodeQ6KTile} (one span per block) from row {@code k} of a packed group. */
    private static void decodeQ6KTilePacked(MemorySegment packed, long group, int k, int blocks, float[] tile, int wo,
                                            int dOff) {
        for (int b = 0; b < blocks; b++) {
            long sb = PackedBlocks.kPairBlock(group, PackedBlocks.Q6_K_PAIR_BLOCK_BYTES, blocks, k, b);
            int j = k % 2;
            long sc = sb + PackedBlocks.Q6_K_SCALES + 16L * j;
            long q = sb + PackedBlocks.Q6_K_QUANTS + 256L * j;
            tile[dOff + b] = packed.get(F32LE, sb + 4L * j);
            for (int run = 0; run < 8; run++) {
                // lanes 0-3 take the run's first scale, 4-7 its second; byte m of lane L goes to o + 8m + L
                FloatVector scale = (FloatVector) ((IntVector) jdk.incubator.vector.ByteVector.fromMemorySegment(
                        jdk.incubator.vector.ByteVector.SPECIES_64, packed, sc + 8 * (run / 4), LE)
                        .convertShape(VectorOperators.B2I, QI, 0)).rearrange(run % 4 == 0 ? SCALES_0 : run % 4 == 1
                        ? SCALES_1 : run % 4 == 2 ? SCALES_2 : SCALES_3).convert(VectorOperators.I2F, 0);
                IntVector v = IntVector.fromMemorySegment(QI, packed, q + 32L * run, LE);
                int o = wo + 256 * b + 32 * run;
                for (int m = 0; m < 4; m++) {
                    ((FloatVector) v.lanewise(VectorOperators.LSHL, 24 - 8 * m).lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).mul(scale).intoArray(tile, o + 8 * m);
                }
            }
        }
    }

    /** One Q4_K row into the tile: scale * nibble per value, d and dmin per block, the mins evens first. */
    private static void decodeQ4KTile(MemorySegment w, long rowOff, int blocks, float[] tile, int wo, int dOff,
                                      int dminOff, int minOff, int rows) {
        for (int b = 0; b < blocks; b++) {
            long blk = rowOff + 144L * b;
            // the twelve scale bytes hold eight 6-bit scales and eight 6-bit mins (ggml's get_scale_min_k4)
            int u0 = w.get(I32, blk + 4);
            int u1 = w.get(I32, blk + 8);
            int u2 = w.get(I32, blk + 12);
            int scLo = u0 & 0x3f3f3f3f;
            int scHi = (u2 & 0x0f0f0f0f) | ((u0 >>> 2) & 0x30303030);
            int mLo = u1 & 0x3f3f3f3f;
            int mHi = ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 2) & 0x30303030);
            tile[dOff + b] = f16(w, blk);
            tile[dminOff + rows * b] = f16(w, blk + 2);
            for (int j = 0; j < 8; j++) {
                tile[minOff + rows * (8 * b + (j % 2) * 4 + j / 2)] = ((j < 4 ? mLo : mHi) >>> (8 * (j & 3))) & 0xff;
            }
            for (int c = 0; c < 4; c++) {
                int word = c < 2 ? scLo : scHi;
                float scLow = (word >>> (16 * (c & 1))) & 0xff;
                float scHigh = (word >>> (16 * (c & 1) + 8)) & 0xff;
                int o = wo + 256 * b + 64 * c;
                for (int h = 0; h < 2; h++) {
                    IntVector v = IntVector.fromMemorySegment(I128, w, blk + 16 + 32L * c + 16 * h, LE);
                    for (int m = 0; m < 4; m++) {
                        ((FloatVector) v.lanewise(VectorOperators.LSHR, 8 * m).and(0xF).convert(VectorOperators.I2F, 0))
                                .mul(scLow).intoArray(tile, o + 8 * m + 4 * h);
                        ((FloatVector) v.lanewise(VectorOperators.LSHR, 8 * m + 4).and(0xF).convert(VectorOperators.I2F, 0))
                                .mul(scHigh).intoArray(tile, o + 32 + 8 * m + 4 * h);
                    }
                }
            }
        }
    }

    /** One Q6_K row into the tile: scale * (q - 32) per value, d per span. */
    private static void decodeQ6KTile(MemorySegment w, long rowOff, int blocks, float[] tile, int wo, int dOff,
                                      int spansPerBlock) {
        for (int b = 0; b < blocks; b++) {
            long blk = rowOff + 210L * b;
            float d = f16(w, blk + 208);
            for (int s = 0; s < spansPerBlock; s++) {
                tile[dOff + spansPerBlock * b + s] = d;
            }
            for (int half = 0; half < 2; half++) {
                long ql = blk + 64L * half;
                long qh = blk + 128 + 32L * half;
                long sc = blk + 192 + 8L * half;
                for (int g = 0; g < 2; g++) {
                    IntVector a = IntVector.fromMemorySegment(I128, w, ql + 16 * g, LE);
                    IntVector c = IntVector.fromMemorySegment(I128, w, ql + 32 + 16 * g, LE);
                    IntVector h = IntVector.fromMemorySegment(I128, w, qh + 16 * g, LE);
                    for (int k = 0; k < 4; k++) {
                        // quarter k: low (k < 2) or high nibbles of ql[l] (k even) or ql[l + 32] (k odd), with
                        // bits 2k, 2k+1 of qh[l] on top; l = 16g + 4j + m goes to position 8m + 4g + j
                        IntVector src = (k & 1) == 0 ? a : c;
                        int shift = 4 * (k >> 1);
                        float scale = w.get(I8, sc + 2 * k + g);
                        int o = wo + 256 * b + 128 * half + 32 * k + 4 * g;
                        for (int m = 0; m < 4; m++) {
                            IntVector q = src.lanewise(VectorOperators.LSHR, 8 * m + shift).and(0xF)
                                    .or(h.lanewise(VectorOperators.LSHR, 8 * m + 2 * k).and(3).lanewise(VectorOperators.LSHL, 4))
                                    .sub(32);
                            ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scale).intoArray(tile, o + 8 * m);
                        }
                    }
                }
            }
        }
    }

    /**
     * Q4_K's min term of one (row, token), as ggml's AVX2 kernel forms it: per block, lane i of four holds the
     * exact m(2i) * sum(2i) + m(2i+1) * sum(2i+1), accumulated with -(dx * dmin); the lanes summed as
     * (0 + 2) + (1 + 3).
     */
    private static float kqMins(float[] tile, int dminOff, int minOff, int rows, int r, QuantizedRows x, int t) {
        int blocks = x.cols / 256;
        int groups = x.cols / 32;
        float[] sums = x.groupSums;
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        for (int b = 0; b < blocks; b++) {
            int m = minOff + rows * 8 * b + r;
            int s = t * groups + 8 * b;
            float dmin = -x.scales[t * blocks + b] * tile[dminOff + rows * b + r];
            a0 = Math.fma(Math.fma(tile[m + 4 * rows], sums[s + 4], tile[m] * sums[s]), dmin, a0);
            a1 = Math.fma(Math.fma(tile[m + 5 * rows], sums[s + 5], tile[m + rows] * sums[s + 1]), dmin, a1);
            a2 = Math.fma(Math.fma(tile[m + 6 * rows], sums[s + 6], tile[m + 2 * rows] * sums[s + 2]), dmin, a2);
            a3 = Math.fma(Math.fma(tile[m + 7 * rows], sums[s + 7], tile[m + 3 * rows] * sums[s + 3]), dmin, a3);
        }
        return (a0 + a2) + (a1 + a3);
    }

    /**
     * {@link #kqMins} for the {@link #QL} rows from {@code r} at once, a row per lane (the tile holds mins and
     * dmins row-minor for this), each lane in {@link #kqMins}'s order; added to {@code out[o + r ..]}.
     */
    private static void kqMinsRows(float[] tile, int dminOff, int minOff, int rows, int r, QuantizedRows x, int t,
                                   float[] out, int o) {
        int blocks = x.cols / 256;
        int groups = x.cols / 32;
        float[] sums = x.groupSums;
        FloatVector a0 = FloatVector.zero(QF), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < blocks; b++) {
            int m = minOff + rows * 8 * b + r;
            int s = t * groups + 8 * b;
            FloatVector dmin = FloatVector.fromArray(QF, tile, dminOff + rows * b + r).mul(-x.scales[t * blocks + b]);
            // lane per row: fma(odd min, odd sum, even min * even sum), as kqMins
            a0 = minPairs(tile, m, m + 4 * rows, sums[s], sums[s + 4]).fma(dmin, a0);
            a1 = minPairs(tile, m + rows, m + 5 * rows, sums[s + 1], sums[s + 5]).fma(dmin, a1);
            a2 = minPairs(tile, m + 2 * rows, m + 6 * rows, sums[s + 2], sums[s + 6]).fma(dmin, a2);
            a3 = minPairs(tile, m + 3 * rows, m + 7 * rows, sums[s + 3], sums[s + 7]).fma(dmin, a3);
        }
        FloatVector.fromArray(QF, out, o + r).add(a0.add(a2).add(a1.add(a3))).intoArray(out, o + r);
    }

    /** For {@link #kqMinsRows}: the rows' odd mins times {@code odd} plus their even mins times {@code even}. */
    private static FloatVector minPairs(float[] tile, int evens, int odds, float even, float odd) {
        return FloatVector.fromArray(QF, tile, odds).fma(FloatVector.broadcast(QF, odd),
                FloatVector.fromArray(QF, tile, evens).mul(even));
    }

    /** One (row, token): exact integer lane sums per span, scaled per span, then the lane tree. */
    private static float kqOne(float[] tile, int r, QuantizedRows x, int t, int span, int dOff) {
        int n = x.cols;
        int spans = n / span;
        int wo = r * n;
        int xo = t * n;
        FloatVector acc = FloatVector.zero(QF);
        for (int s = 0; s < spans; s++) {
            FloatVector sum = FloatVector.zero(QF);
            for (int p = s * span; p < (s + 1) * span; p += QL) {
                sum = FloatVector.fromArray(QF, tile, wo + p).fma(FloatVector.fromArray(QF, x.values, xo + p), sum);
            }
            float dx = x.scales[t * (n / 256) + s * span / 256];
            acc = sum.fma(FloatVector.broadcast(QF, dx * tile[dOff + r * spans + s]), acc);
        }
        return sumQ(acc);
    }

    /** Four weight rows by two tokens, each output computed exactly as {@link #kqOne} computes it. */
    private static void kq4x2(float[] tile, int r, QuantizedRows x, int t0, int t1, int span, int dOff,
                              float[] out, int stride, int outCol) {
        int n = x.cols;
        int spans = n / span;
        int w0 = r * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
        int x0 = t0 * n, x1 = t1 * n;
        FloatVector a00 = FloatVector.zero(QF), a10 = a00, a20 = a00, a30 = a00;
        FloatVector a01 = a00, a11 = a00, a21 = a00, a31 = a00;
        for (int s = 0; s < spans; s++) {
            FloatVector s00 = FloatVector.zero(QF), s10 = s00, s20 = s00, s30 = s00;
            FloatVector s01 = s00, s11 = s00, s21 = s00, s31 = s00;
            for (int p = s * span; p < (s + 1) * span; p += QL) {
                FloatVector xa = FloatVector.fromArray(QF, x.values, x0 + p);
                FloatVector xb = FloatVector.fromArray(QF, x.values, x1 + p);
                FloatVector v0 = FloatVector.fromArray(QF, tile, w0 + p);
                s00 = v0.fma(xa, s00);
                s01 = v0.fma(xb, s01);
                FloatVector v1 = FloatVector.fromArray(QF, tile, w1 + p);
                s10 = v1.fma(xa, s10);
                s11 = v1.fma(xb, s11);
                FloatVector v2 = FloatVector.fromArray(QF, tile, w2 + p);
                s20 = v2.fma(xa, s20);
                s21 = v2.fma(xb, s21);
                FloatVector v3 = FloatVector.fromArray(QF, tile, w3 + p);
                s30 = v3.fma(xa, s30);
                s31 = v3.fma(xb, s31);
            }
            int xs = s * span / 256;
            float dx0 = x.scales[t0 * (n / 256) + xs];
            float dx1 = x.scales[t1 * (n / 256) + xs];
            int d = dOff + r * spans + s;
            a00 = s00.fma(FloatVector.broadcast(QF, dx0 * tile[d]), a00);
            a01 = s01.fma(FloatVector.broadcast(QF, dx1 * tile[d]), a01);
            a10 = s10.fma(FloatVector.broadcast(QF, dx0 * tile[d + spans]), a10);
            a11 = s11.fma(FloatVector.broadcast(QF, dx1 * tile[d + spans]), a11);
            a20 = s20.fma(FloatVector.broadcast(QF, dx0 * tile[d + 2 * spans]), a20);
            a21 = s21.fma(FloatVector.broadcast(QF, dx1 * tile[d + 2 * spans]), a21);
            a30 = s30.fma(FloatVector.broadcast(QF, dx0 * tile[d + 3 * spans]), a30);
            a31 = s31.fma(FloatVector.broadcast(QF, dx1 * tile[d + 3 * spans]), a31);
        }
        int o0 = t0 * stride + outCol + r;
        int o1 = t1 * stride + outCol + r;
        out[o0] = sumQ(a00);
        out[o0 + 1] = sumQ(a10);
        out[o0 + 2] = sumQ(a20);
        out[o0 + 3] = sumQ(a30);
        out[o1] = sumQ(a01);
        out[o1 + 1] = sumQ(a11);
        out[o1 + 2] = sumQ(a21);
        out[o1 + 3] = sumQ(a31);
    }

    // ---------------------------------------------------------------- float GEMM layout for Q8_0 / Q4_0

    /*
     * Weight bytes are pulled out of 32-bit lanes by shifts (the Vector API's byte conversions are slow on
     * AVX2), which leaves each 32-block's values permuted: Q8_0_ORDER[p] is the element at position p, for
     * Q8_0 and Q4_0 weights alike. Activations are written in the same order, so the GEMM's dot products are
     * the same sums.
     */
    private static final VectorSpecies<Integer> I128 = IntVector.SPECIES_128;
    private static final VectorSpecies<Float> F128 = FloatVector.SPECIES_128;
    private static final int[] Q8_0_ORDER = new int[32];

    static {
        for (int h = 0; h < 2; h++) {
            for (int k = 0; k < 4; k++) {
                for (int j = 0; j < 4; j++) {
                    Q8_0_ORDER[16 * h + 4 * k + j] = 16 * h + 4 * j + k; // load h, byte k of lane j
                }
            }
        }
    }

    @Override
    public void decodeForGemm(dev.djinn.core.tensor.GgmlType type, MemorySegment w, long off, float[] dst, int dstOff,
                              int n) {
        switch (type) {
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = off + 34L * b;
                    q8_0BlockForGemm(w, blk + 2, f16(w, blk), dst, dstOff + 32 * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    long blk = off + 18L * b;
                    q4_0BlockForGemm(w, blk + 2, f16(w, blk), dst, dstOff + 32 * b);
                }
            }
            case F16 -> {
                int i = 0;
                for (int up = n - n % (2 * LANES); i < up; i += 2 * LANES) {
                    ShortVector h = ShortVector.fromMemorySegment(F16S, w, off + 2L * i, LE);
                    halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 0)).intoArray(dst, dstOff + i);
                    halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 1))
                            .intoArray(dst, dstOff + i + LANES);
                }
                if (i < FS.loopBound(n)) {
                    ShortVector h = ShortVector.fromMemorySegment(F16S, w, off + 2L * i, LE, F16_FIRST_HALF);
                    halfToFloat((IntVector) h.convertShape(VectorOperators.S2I, FIS, 0)).intoArray(dst, dstOff + i);
                    i += LANES;
                }
                for (; i < n; i++) {
                    dst[dstOff + i] = f16(w, off + 2L * i);
                }
            }
            default -> super.decodeForGemm(type, w, off, dst, dstOff, n);
        }
    }

    /** One Q8_0 block's 32 quant bytes (at {@code quants}, scale {@code d}) as {@link #decodeForGemm} lays them out. */
    private static void q8_0BlockForGemm(MemorySegment w, long quants, float scale, float[] dst, int o) {
        FloatVector d = FloatVector.broadcast(F128, scale);
        IntVector v0 = IntVector.fromMemorySegment(I128, w, quants, LE);
        IntVector v1 = IntVector.fromMemorySegment(I128, w, quants + 16, LE);
        byteLane(v0, 24).mul(d).intoArray(dst, o);
        byteLane(v0, 16).mul(d).intoArray(dst, o + 4);
        byteLane(v0, 8).mul(d).intoArray(dst, o + 8);
        byteLane(v0, 0).mul(d).intoArray(dst, o + 12);
        byteLane(v1, 24).mul(d).intoArray(dst, o + 16);
        byteLane(v1, 16).mul(d).intoArray(dst, o + 20);
        byteLane(v1, 8).mul(d).intoArray(dst, o + 24);
        byteLane(v1, 0).mul(d).intoArray(dst, o + 28);
    }

    /** One Q4_0 block's 16 quant bytes (at {@code quants}, scale {@code d}) as {@link #decodeForGemm} lays them out. */
    private static void q4_0BlockForGemm(MemorySegment w, long quants, float scale, float[] dst, int o) {
        FloatVector d = FloatVector.broadcast(F128, scale);
        IntVector v = IntVector.fromMemorySegment(I128, w, quants, LE);
        // nibble k of lane j is byte 4j + k/2's low (value 4j + k/2) or high (value 4j + k/2 + 16) nibble:
        // stored where Q8_0_ORDER puts that value
        for (int k = 0; k < 8; k++) {
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 4 * k).and(0xF).sub(8)
                    .convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + (k % 2) * 16 + 4 * (k / 2));
        }
    }

    /** {@link #decodeForGemm} for row {@code k} of a packed Q4_0 or Q8_0 group ({@link PackedBlocks}): the same floats. */
    @Override
    public void decodePackedForGemm(dev.djinn.core.tensor.GgmlType type, MemorySegment packed, long groupOff, int k,
                                    float[] dst, int dstOff, int n) {
        boolean q8 = type == dev.djinn.core.tensor.GgmlType.Q8_0;
        if (type != dev.djinn.core.tensor.GgmlType.Q4_0 && !q8) {
            super.decodePackedForGemm(type, packed, groupOff, k, dst, dstOff, n);
            return;
        }
        int half = k % 2;
        if (q8) {
            if (QI.length() == 8) {
                q8_0BlocksForGemm(packed, PackedBlocks.unit(type, groupOff, n / 32, k, 0), half, n / 32, dst, dstOff);
                return;
            }
            for (int b = 0; b < n / 32; b++) {
                long u = PackedBlocks.unit(type, groupOff, n / 32, k, b);
                q8_0BlockForGemm(packed, u + 8 + 32L * half, packed.get(F32, u + 4L * half), dst, dstOff + 32 * b);
            }
            return;
        }
        throw new IllegalArgumentException("packed Q4_0 rows decode through decodePackedQ4_0ForGemm");
    }

    /** {@link #decodeForGemm} for row {@code half} (0 or 1) of a packed Q4_0 row pair: the same floats. */
    @Override
    public void decodePackedQ4_0ForGemm(MemorySegment packed, long run, long stride, int half, float[] dst, int dstOff,
                                        int n) {
        int pairs = n / 64;
        if (QI.length() == 8) {
            q4_0PairsForGemm(packed, run, stride, half, pairs, dst, dstOff);
            return;
        }
        for (int p = 0; p < pairs; p++) {
            long base = run + stride * p;
            long quants = base + PackedBlocks.SCALE_BYTES + 32L * half;
            q4_0BlockForGemm(packed, quants, packed.get(F32, base + 8L * half), dst, dstOff + 64 * p);
            q4_0BlockForGemm(packed, quants + 16, packed.get(F32, base + 8L * half + 4), dst, dstOff + 64 * p + 32);
        }
    }

    /** Left shifts putting byte k of each lane (low half) and byte k + 1 (high half) at the top, k = 0 and 2. */
    private static final int[] BYTE_SHIFTS = {24, 24, 24, 24, 16, 16, 16, 16, 8, 8, 8, 8, 0, 0, 0, 0};

    /**
     * {@link #q8_0BlockForGemm} for a packed row of {@code blocks} blocks (its run from unit {@code unit}, the row
     * its {@code half}), 256-bit lanes: each half of a block (four lanes) sits in both halves of a vector, so one
     * variable shift and one arithmetic shift give eight values bound for consecutive places (bytes k and k + 1
     * of the four lanes), stored whole.
     */
    private static void q8_0BlocksForGemm(MemorySegment packed, long unit, int half, int blocks, float[] dst, int o) {
        IntVector s0 = IntVector.fromArray(QI, BYTE_SHIFTS, 0);
        IntVector s1 = IntVector.fromArray(QI, BYTE_SHIFTS, 8);
        for (int b = 0; b < blocks; b++, unit += Q8_0_UNIT_BYTES, o += 32) {
            IntVector v = IntVector.fromMemorySegment(QI, packed, unit + 8 + 32L * half, LE);
            FloatVector d = FloatVector.broadcast(QF, packed.get(F32, unit + 4L * half));
            IntVector h = v.rearrange(BLOCK0_TWICE);
            ((FloatVector) h.lanewise(VectorOperators.LSHL, s0).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o);
            ((FloatVector) h.lanewise(VectorOperators.LSHL, s1).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 8);
            h = v.rearrange(BLOCK1_TWICE);
            ((FloatVector) h.lanewise(VectorOperators.LSHL, s0).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 16);
            ((FloatVector) h.lanewise(VectorOperators.LSHL, s1).lanewise(VectorOperators.ASHR, 24)
                    .convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, o + 24);
        }
    }

    /** For {@link #q4_0PairsForGemm}: a block's four lanes in both halves (block 0 of the load, then block 1). */
    private static final jdk.incubator.vector.VectorShuffle<Integer> BLOCK0_TWICE =
            jdk.incubator.vector.VectorShuffle.fromValues(IntVector.SPECIES_256, 0, 1, 2, 3, 0, 1, 2, 3);
    private static final jdk.incubator.vector.VectorShuffle<Integer> BLOCK1_TWICE =
            jdk.incubator.vector.VectorShuffle.fromValues(IntVector.SPECIES_256, 4, 5, 6, 7, 4, 5, 6, 7);
    /**
     * Shift counts taking, from a block's lanes in both halves, the nibbles {@link #q4_0BlockForGemm} stores at
     * eight consecutive places: nibbles 0 and 2 (places 0-7), 4 and 6 (8-15), 1 and 3 (16-23), 5 and 7 (24-31).
     */
    private static final int[] NIBBLE_SHIFTS = {0, 0, 0, 0, 8, 8, 8, 8, 16, 16, 16, 16, 24, 24, 24, 24,
            4, 4, 4, 4, 12, 12, 12, 12, 20, 20, 20, 20, 28, 28, 28, 28};

    /**
     * {@link #q4_0BlockForGemm} for a packed row of {@code pairs} pairs of blocks (its run starting at unit
     * {@code unit}, the row its {@code half}), 256-bit lanes: each block's lanes sit in both halves of a
     * vector, so one variable shift yields eight values for consecutive places and each store is whole; and
     * {@code (q - 8) * d} is one multiply-add, {@code q * d + (-8 d)} (exact {@code -8 d}, one rounding of the
     * exact product: the same float).
     */
    private static void q4_0PairsForGemm(MemorySegment packed, long unit, long stride, int half, int pairs, float[] dst,
                                         int o) {
        IntVector s0 = IntVector.fromArray(QI, NIBBLE_SHIFTS, 0);
        IntVector s1 = IntVector.fromArray(QI, NIBBLE_SHIFTS, 8);
        IntVector s2 = IntVector.fromArray(QI, NIBBLE_SHIFTS, 16);
        IntVector s3 = IntVector.fromArray(QI, NIBBLE_SHIFTS, 24);
        for (int p = 0; p < pairs; p++, unit += stride, o += 64) {
            IntVector v = IntVector.fromMemorySegment(QI, packed, unit + PackedBlocks.SCALE_BYTES + 32L * half, LE);
            float d0 = packed.get(F32, unit + 8L * half);
            float d1 = packed.get(F32, unit + 8L * half + 4);
            IntVector b = v.rearrange(BLOCK0_TWICE);
            FloatVector d = FloatVector.broadcast(QF, d0);
            FloatVector m = FloatVector.broadcast(QF, -8f * d0);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, s0).and(0xF).convert(VectorOperators.I2F, 0)).fma(d, m)
                    .intoArray(dst, o);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, s1).and(0xF).convert(VectorOperators.I2F, 0)).fma(d, m)
                    .intoArray(dst, o + 8);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, s2).and(0xF).convert(VectorOperators.I2F, 0)).fma(d, m)
                    .intoArray(dst, o + 16);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, s3).and(0xF).convert(VectorOperators.I2F, 0)).fma(d, m)
                    .intoArray(dst, o + 24);
            b = v.rearrange(BLOCK1_TWICE);
            d = FloatVector.broadcast(QF, d1);
            m = FloatVector.broadcast(QF, -8f * d1);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, s0).and(0xF).convert(VectorOperators.I2F, 0)).fma(d, m)
                    .intoArray(dst, o + 32);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, s1).and(0xF).convert(VectorOperators.I2F, 0)).fma(d, m)
                    .intoArray(dst, o + 40);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, s2).and(0xF).convert(VectorOperators.I2F, 0)).fma(d, m)
                    .intoArray(dst, o + 48);
            ((FloatVector) b.lanewise(VectorOperators.LSHR, s3).and(0xF).convert(VectorOperators.I2F, 0)).fma(d, m)
                    .intoArray(dst, o + 56);
        }
    }

    /** The signed byte at bit {@code 24 - shift} of each 32-bit lane (shift 24: byte 0), as floats. */
    private static FloatVector byteLane(IntVector v, int shift) {
        return (FloatVector) v.lanewise(VectorOperators.LSHL, shift).lanewise(VectorOperators.ASHR, 24)
                .convert(VectorOperators.I2F, 0);
    }

    @Override
    public void prepareFloatGemm(QuantizedRows x, int row) {
        int n = x.cols;
        int base = row * n;
        for (int b = 0; b < n / 32; b++) {
            float d = x.scales[row * (n / 32) + b];
            int o = base + 32 * b;
            for (int h = o; h < o + 32; h += 16) {
                // each 16 in the order Q8_0_ORDER gives (the same within both halves), widened to floats
                ByteVector v = ByteVector.fromArray(ByteVector.SPECIES_128, x.quants, h).rearrange(Q8_0_HALF_ORDER);
                for (int part = 0; part < 16 / LANES; part++) {
                    ((FloatVector) v.convertShape(VectorOperators.B2F, FS, part)).mul(d)
                            .intoArray(x.values, h + part * LANES);
                }
            }
        }
    }

    private static final jdk.incubator.vector.VectorShuffle<Byte> Q8_0_HALF_ORDER =
            jdk.incubator.vector.VectorShuffle.fromArray(ByteVector.SPECIES_128, Q8_0_ORDER, 0);
}
