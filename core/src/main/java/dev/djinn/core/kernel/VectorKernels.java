package dev.djinn.core.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Kernels on the Vector API at one vector width (128, 256 or 512 bits). Float dots keep four accumulators
 * and reduce them the way ggml's SIMD code does, so results stay close to llama.cpp's; quantized dots are
 * exact in their integer part.
 */
final class VectorKernels extends ScalarKernels {
    VectorKernels() {
    }

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    // Species must be static finals for C2 to compile Vector API calls into plain SIMD instructions, so the
    // width is fixed per JVM by KernelProvider's property, read once when this class initialises.
    static final int BITS = KernelProvider.vectorBits();
    private static final VectorShape SHAPE = VectorShape.forBitSize(BITS);
    private static final VectorSpecies<Float> fs = FloatVector.SPECIES_PREFERRED.withShape(SHAPE);
    private static final VectorSpecies<Integer> is = IntVector.SPECIES_PREFERRED.withShape(SHAPE);
    private static final int lanes = fs.length();
    // shorts and bytes with as many lanes as the float species (F16 and int8 values widen into it)
    private static final VectorSpecies<Short> ss =
            ShortVector.SPECIES_64.withShape(VectorShape.forBitSize(Math.max(64, BITS / 2)));
    private static final VectorSpecies<Byte> bs =
            ByteVector.SPECIES_64.withShape(VectorShape.forBitSize(Math.max(64, BITS / 4)));
    /** How many int vectors one byte vector widens into. */
    private static final int byteParts = bs.length() / lanes;
    private static final FloatVector ZERO = FloatVector.zero(fs);

    @Override
    public String name() {
        return "vector-" + BITS;
    }

    /**
     * Sums the lanes by repeated halving (lane i + lane i+half), the order GCC gives {@code _mm512_reduce_add_ps}.
     * Unlike {@code reduceLanes}, whose order may differ between the interpreter and compiled code, this gives
     * the same bits every time.
     */
    private static float reduce(FloatVector v) {
        for (int half = lanes / 2; half >= 1; half /= 2) {
            v = v.add(v.slice(half, ZERO));
        }
        return v.lane(0);
    }

    @Override
    public float dotF32(MemorySegment w, long wOff, float[] x, int xOff, int n) {
        int step = 4 * lanes;
        int np = n - n % step;
        FloatVector s0 = FloatVector.zero(fs), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < np; i += step) {
            long o = wOff + 4L * i;
            s0 = FloatVector.fromMemorySegment(fs, w, o, LE).fma(FloatVector.fromArray(fs, x, xOff + i), s0);
            s1 = FloatVector.fromMemorySegment(fs, w, o + 4L * lanes, LE)
                    .fma(FloatVector.fromArray(fs, x, xOff + i + lanes), s1);
            s2 = FloatVector.fromMemorySegment(fs, w, o + 8L * lanes, LE)
                    .fma(FloatVector.fromArray(fs, x, xOff + i + 2 * lanes), s2);
            s3 = FloatVector.fromMemorySegment(fs, w, o + 12L * lanes, LE)
                    .fma(FloatVector.fromArray(fs, x, xOff + i + 3 * lanes), s3);
        }
        float sum = np == 0 ? 0f : reduce(s0.add(s2).add(s1.add(s3)));
        for (int i = np; i < n; i++) {
            sum += w.get(F32, wOff + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    /** Widens {@link #lanes} half-precision values at {@code off} to floats (finite values, exactly). */
    private FloatVector loadF16(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(ss, w, off, LE)
                .convertShape(VectorOperators.S2I, is, 0);
        IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        FloatVector f = magnitude.reinterpretAsFloats().mul(0x1p112f);
        return f.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    @Override
    public float dotF16(MemorySegment w, long wOff, float[] x, int xOff, int n) {
        if (ss.length() != lanes) {
            return super.dotF16(w, wOff, x, xOff, n);
        }
        int step = 4 * lanes;
        int np = n - n % step;
        FloatVector s0 = FloatVector.zero(fs), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < np; i += step) {
            long o = wOff + 2L * i;
            s0 = loadF16(w, o).fma(FloatVector.fromArray(fs, x, xOff + i), s0);
            s1 = loadF16(w, o + 2L * lanes).fma(FloatVector.fromArray(fs, x, xOff + i + lanes), s1);
            s2 = loadF16(w, o + 4L * lanes).fma(FloatVector.fromArray(fs, x, xOff + i + 2 * lanes), s2);
            s3 = loadF16(w, o + 6L * lanes).fma(FloatVector.fromArray(fs, x, xOff + i + 3 * lanes), s3);
        }
        // ggml sums the leftovers in double
        double sum = np == 0 ? 0.0 : reduce(s0.add(s2).add(s1.add(s3)));
        for (int i = np; i < n; i++) {
            sum += f16(w, wOff + 2L * i) * x[xOff + i];
        }
        return (float) sum;
    }

    /** Sum of products of 32 int8 weights at {@code off} with 32 int8 activations, as int lanes. */
    private IntVector int8Dot32(MemorySegment w, long off, byte[] xq, int q) {
        IntVector acc = IntVector.zero(is);
        int step = bs.length();
        for (int i = 0; i < 32; i += step) {
            ByteVector wb = ByteVector.fromMemorySegment(bs, w, off + i, LE);
            ByteVector xb = ByteVector.fromArray(bs, xq, q + i);
            for (int p = 0; p < byteParts; p++) {
                IntVector wi = (IntVector) wb.convertShape(VectorOperators.B2I, is, p);
                IntVector xi = (IntVector) xb.convertShape(VectorOperators.B2I, is, p);
                acc = acc.add(wi.mul(xi));
            }
        }
        return acc;
    }

    @Override
    public float dotQ8_0(MemorySegment w, long wOff, byte[] xq, int xqOff, float[] xd, int xdOff, int blocks) {
        FloatVector acc = FloatVector.zero(fs);
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 34L * b;
            IntVector isum = int8Dot32(w, blk + 2, xq, xqOff + 32 * b);
            float d = f16(w, blk) * xd[xdOff + b];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(fs, d), acc);
        }
        return reduce(acc);
    }

    @Override
    public float dotQ4_0(MemorySegment w, long wOff, byte[] xq, int xqOff, float[] xd, int xdOff, int blocks) {
        if (bs.length() > 16) {
            return super.dotQ4_0(w, wOff, xq, xqOff, xd, xdOff, blocks);
        }
        FloatVector acc = FloatVector.zero(fs);
        int step = bs.length();
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 18L * b;
            int q = xqOff + 32 * b;
            IntVector isum = IntVector.zero(is);
            for (int i = 0; i < 16; i += step) {
                ByteVector packed = ByteVector.fromMemorySegment(bs, w, blk + 2 + i, LE);
                ByteVector lo = packed.and((byte) 0x0F).sub((byte) 8);
                ByteVector hi = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
                ByteVector xlo = ByteVector.fromArray(bs, xq, q + i);
                ByteVector xhi = ByteVector.fromArray(bs, xq, q + 16 + i);
                for (int p = 0; p < byteParts; p++) {
                    isum = isum.add(((IntVector) lo.convertShape(VectorOperators.B2I, is, p))
                            .mul((IntVector) xlo.convertShape(VectorOperators.B2I, is, p)));
                    isum = isum.add(((IntVector) hi.convertShape(VectorOperators.B2I, is, p))
                            .mul((IntVector) xhi.convertShape(VectorOperators.B2I, is, p)));
                }
            }
            float d = f16(w, blk) * xd[xdOff + b];
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(fs, d), acc);
        }
        return reduce(acc);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int step = 4 * lanes;
        int np = n - n % step;
        FloatVector s0 = FloatVector.zero(fs), s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < np; i += step) {
            s0 = FloatVector.fromArray(fs, a, aOff + i).fma(FloatVector.fromArray(fs, b, bOff + i), s0);
            s1 = FloatVector.fromArray(fs, a, aOff + i + lanes).fma(FloatVector.fromArray(fs, b, bOff + i + lanes), s1);
            s2 = FloatVector.fromArray(fs, a, aOff + i + 2 * lanes)
                    .fma(FloatVector.fromArray(fs, b, bOff + i + 2 * lanes), s2);
            s3 = FloatVector.fromArray(fs, a, aOff + i + 3 * lanes)
                    .fma(FloatVector.fromArray(fs, b, bOff + i + 3 * lanes), s3);
        }
        float sum = np == 0 ? 0f : reduce(s0.add(s2).add(s1.add(s3)));
        for (int i = np; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpyF32(float a, MemorySegment v, long vOff, float[] y, int yOff, int n) {
        int i = 0;
        for (int up = fs.loopBound(n); i < up; i += lanes) {
            FloatVector.fromMemorySegment(fs, v, vOff + 4L * i, LE)
                    .fma(FloatVector.broadcast(fs, a), FloatVector.fromArray(fs, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += a * v.get(F32, vOff + 4L * i);
        }
    }
}
