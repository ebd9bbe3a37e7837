package dev.djinn.core.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain Java kernels: the reference every faster implementation is tested against, and the fallback where
 * the Vector API is unavailable. Integer parts of quantized dots are exact; float parts follow ggml's order
 * within a block.
 */
public class ScalarKernels implements Kernels {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(I16, off));
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public float dotF32(MemorySegment w, long wOff, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += w.get(F32, wOff + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    @Override
    public float dotF16(MemorySegment w, long wOff, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += f16(w, wOff + 2L * i) * x[xOff + i];
        }
        return sum;
    }

    @Override
    public float dotBF16(MemorySegment w, long wOff, float[] x, int xOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += Float.intBitsToFloat(w.get(I16, wOff + 2L * i) << 16) * x[xOff + i];
        }
        return sum;
    }

    @Override
    public float dotQ8_0(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 32;
        byte[] xq = x.quants;
        int xqOff = row * x.cols;
        float[] xd = x.scales;
        int xdOff = row * blocks;
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 34L * b;
            int q = xqOff + 32 * b;
            int isum = 0;
            for (int i = 0; i < 32; i++) {
                isum += w.get(I8, blk + 2 + i) * xq[q + i];
            }
            sum += isum * (f16(w, blk) * xd[xdOff + b]);
        }
        return sum;
    }

    @Override
    public float dotQ4_0(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 32;
        byte[] xq = x.quants;
        int xqOff = row * x.cols;
        float[] xd = x.scales;
        int xdOff = row * blocks;
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 18L * b;
            sum += blockDotQ4_0(w, blk, xq, xqOff + 32 * b) * (f16(w, blk) * xd[xdOff + b]);
        }
        return sum;
    }

    /** The exact integer dot product of the Q4_0 block at {@code blk} (q - 8) and 32 int8 activations from {@code q}. */
    private static int blockDotQ4_0(MemorySegment w, long blk, byte[] xq, int q) {
        int isum = 0;
        for (int i = 0; i < 16; i++) {
            int packed = w.get(I8, blk + 2 + i);
            isum += ((packed & 0x0F) - 8) * xq[q + i];
            isum += (((packed >> 4) & 0x0F) - 8) * xq[q + 16 + i];
        }
        return isum;
    }

    /**
     * One Q4_0 row times activation row {@code row} in the arithmetic of the 16-bit and row-lane kernels
     * ({@code Int16Gemm}, {@code RowLanes}): each block's exact integer dot product, then {@code sum =
     * fma(dot, dx * dw, sum)}; for rows those kernels leave over, so every row of a matrix sees the same.
     */
    static float dotQ4_0Fused(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 32;
        byte[] xq = x.quants;
        int xqOff = row * x.cols;
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 18L * b;
            sum = Math.fma((float) blockDotQ4_0(w, blk, xq, xqOff + 32 * b), x.scales[row * blocks + b] * f16(w, blk),
                    sum);
        }
        return sum;
    }

    /** The 6-bit scale ({@code min == false}) or min of sub-block {@code j} of a Q4_K/Q5_K block. */
    static int scaleMinK4(MemorySegment w, long scalesOff, int j, boolean min) {
        if (j < 4) {
            return (w.get(I8, scalesOff + j + (min ? 4 : 0)) & 63);
        }
        int hi = w.get(I8, scalesOff + j + 4) & 0xFF;
        int lo = w.get(I8, scalesOff + j - (min ? 0 : 4)) & 0xFF;
        return min ? (hi >> 4) | ((lo >> 6) << 4) : (hi & 0xF) | ((lo >> 6) << 4);
    }

    @Override
    public float dotQ4_K(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 256;
        byte[] xq = x.quants;
        int xqOff = row * x.cols;
        float[] xd = x.scales;
        int xdOff = row * blocks;
        short[] xs = x.sums;
        int xsOff = row * (x.cols / 16);
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 144L * b;
            long scales = blk + 4;
            long qs = blk + 16;
            int q8 = xqOff + 256 * b;
            int isum = 0;
            int msum = 0;
            for (int j = 0; j < 4; j++) {
                int scLo = scaleMinK4(w, scales, 2 * j, false);
                int scHi = scaleMinK4(w, scales, 2 * j + 1, false);
                int dotLo = 0;
                int dotHi = 0;
                for (int l = 0; l < 32; l++) {
                    int packed = w.get(I8, qs + 32L * j + l);
                    dotLo += (packed & 0xF) * xq[q8 + 64 * j + l];
                    dotHi += ((packed >> 4) & 0xF) * xq[q8 + 64 * j + 32 + l];
                }
                isum += scLo * dotLo + scHi * dotHi;
            }
            for (int j = 0; j < 16; j++) {
                msum += xs[xsOff + 16 * b + j] * scaleMinK4(w, scales, j / 2, true);
            }
            float d = f16(w, blk) * xd[xdOff + b];
            float dmin = f16(w, blk + 2) * xd[xdOff + b];
            sum += d * isum - dmin * msum;
        }
        return sum;
    }

    @Override
    public float dotQ5_K(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 256;
        byte[] xq = x.quants;
        int xqOff = row * x.cols;
        float[] xd = x.scales;
        int xdOff = row * blocks;
        short[] xs = x.sums;
        int xsOff = row * (x.cols / 16);
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 176L * b;
            long scales = blk + 4;
            long qh = blk + 16;
            long qs = blk + 48;
            int q8 = xqOff + 256 * b;
            int isum = 0;
            int msum = 0;
            for (int j = 0; j < 4; j++) {
                int scLo = scaleMinK4(w, scales, 2 * j, false);
                int scHi = scaleMinK4(w, scales, 2 * j + 1, false);
                int dotLo = 0;
                int dotHi = 0;
                for (int l = 0; l < 32; l++) {
                    int packed = w.get(I8, qs + 32L * j + l);
                    int high = w.get(I8, qh + l);
                    int lo = (packed & 0xF) | (((high >> (2 * j)) & 1) << 4);
                    int hi = ((packed >> 4) & 0xF) | (((high >> (2 * j + 1)) & 1) << 4);
                    dotLo += lo * xq[q8 + 64 * j + l];
                    dotHi += hi * xq[q8 + 64 * j + 32 + l];
                }
                isum += scLo * dotLo + scHi * dotHi;
            }
            for (int j = 0; j < 16; j++) {
                msum += xs[xsOff + 16 * b + j] * scaleMinK4(w, scales, j / 2, true);
            }
            float d = f16(w, blk) * xd[xdOff + b];
            float dmin = f16(w, blk + 2) * xd[xdOff + b];
            sum += d * isum - dmin * msum;
        }
        return sum;
    }

    @Override
    public float dotQ6_K(MemorySegment w, long wOff, QuantizedRows x, int row) {
        int blocks = x.cols / 256;
        byte[] xq = x.quants;
        int xqOff = row * x.cols;
        float[] xd = x.scales;
        int xdOff = row * blocks;
        short[] xs = x.sums;
        int xsOff = row * (x.cols / 16);
        float sum = 0f;
        for (int b = 0; b < blocks; b++) {
            long blk = wOff + 210L * b;
            int q8 = xqOff + 256 * b;
            int isum = 0;
            for (int half = 0; half < 2; half++) {
                long ql = blk + 64L * half;
                long qh = blk + 128 + 32L * half;
                long sc = blk + 192 + 8L * half;
                int base = q8 + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo = w.get(I8, ql + l) & 0xFF;
                    int lo32 = w.get(I8, ql + l + 32) & 0xFF;
                    int h = w.get(I8, qh + l) & 0xFF;
                    int v1 = ((lo & 0xF) | ((h & 3) << 4)) - 32;
                    int v2 = ((lo32 & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int v3 = ((lo >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int v4 = ((lo32 >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    isum += w.get(I8, sc + is) * v1 * xq[base + l];
                    isum += w.get(I8, sc + is + 2) * v2 * xq[base + l + 32];
                    isum += w.get(I8, sc + is + 4) * v3 * xq[base + l + 64];
                    isum += w.get(I8, sc + is + 6) * v4 * xq[base + l + 96];
                }
            }
            sum += f16(w, blk + 208) * xd[xdOff + b] * isum;
        }
        return sum;
    }

    @Override
    public void quantizeQ8_0(float[] x, int xOff, int n, byte[] q, int qOff, float[] d, int dOff) {
        for (int b = 0; b < n / 32; b++) {
            int base = xOff + 32 * b;
            float amax = 0f;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[base + i]));
            }
            float id = amax != 0f ? 127f / amax : 0f;
            d[dOff + b] = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            for (int i = 0; i < 32; i++) {
                q[qOff + 32 * b + i] = (byte) (int) Math.rint(x[base + i] * id);
            }
        }
    }

    @Override
    public void quantizeQ8_K(float[] x, int xOff, int n, byte[] q, int qOff, float[] d, int dOff, short[] s,
                             int sOff) {
        for (int b = 0; b < n / 256; b++) {
            int base = xOff + 256 * b;
            float amax = 0f;
            float max = 0f;
            for (int i = 0; i < 256; i++) {
                float ax = Math.abs(x[base + i]);
                if (ax > amax) {
                    amax = ax;
                    max = x[base + i];
                }
            }
            int qb = qOff + 256 * b;
            if (amax == 0f) {
                d[dOff + b] = 0f;
                java.util.Arrays.fill(q, qb, qb + 256, (byte) 0);
                java.util.Arrays.fill(s, sOff + 16 * b, sOff + 16 * b + 16, (short) 0);
                continue;
            }
            float iscale = -127f / max;
            for (int i = 0; i < 256; i++) {
                q[qb + i] = (byte) Math.min(127, (int) Math.rint(iscale * x[base + i]));
            }
            for (int j = 0; j < 16; j++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) {
                    sum += q[qb + 16 * j + i];
                }
                s[sOff + 16 * b + j] = (short) sum;
            }
            d[dOff + b] = 1f / iscale;
        }
    }

    @Override
    public void roundF16(float[] x, int xOff, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Float.float16ToFloat(Float.floatToFloat16(x[xOff + i]));
        }
    }

    @Override
    public void roundBF16(float[] x, int xOff, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = bf16Round(x[xOff + i]);
        }
    }

    /** ggml's fp32 -> bf16 conversion (round to nearest even, NaN kept quiet), returned widened to float. */
    static float bf16Round(float f) {
        int u = Float.floatToRawIntBits(f);
        int h;
        if ((u & 0x7fffffff) > 0x7f800000) {
            h = (u >>> 16) | 64;
        } else {
            h = (u + (0x7fff + ((u >>> 16) & 1))) >>> 16;
        }
        return Float.intBitsToFloat(h << 16);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpy(float a, float[] v, int vOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * v[vOff + i];
        }
    }

    @Override
    public void axpyF32(float a, MemorySegment v, long vOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * v.get(F32, vOff + 4L * i);
        }
    }

    @Override
    public void axpyF16(float a, MemorySegment v, long vOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * f16(v, vOff + 2L * i);
        }
    }

    /** The float dot kernels and {@link #gemm} all sum products left to right, unfused. */
    @Override
    public boolean gemmEqualsDot(dev.djinn.core.tensor.GgmlType type, int cols) {
        return switch (type) {
            case F32, F16, BF16 -> true;
            default -> false;
        };
    }

    @Override
    public void gemm(float[] w, int rows, float[] x, int[] xRows, int xCount, int cols, float[] out, int outStride,
                     int outCol) {
        for (int t = 0; t < xCount; t++) {
            int xo = xRows[t] * cols;
            for (int r = 0; r < rows; r++) {
                out[xRows[t] * outStride + outCol + r] = dot(w, r * cols, x, xo, cols);
            }
        }
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[off + i] * x[off + i];
        }
        return sum;
    }

    @Override
    public void scaleMul(float[] x, int xOff, float scale, float[] w, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = (x[xOff + i] * scale) * w[i];
        }
    }

    @Override
    public void siluMul(float[] gate, float[] up, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g))) * up[i];
        }
    }

    @Override
    public double expShift(float[] s, int off, int n, float max) {
        double sum = 0;
        for (int i = off; i < off + n; i++) {
            float e = (float) Math.exp(s[i] - max);
            s[i] = e;
            sum += e;
        }
        return sum;
    }

    @Override
    public void add(float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public void ropeHalves(float[] a, int base, int half, float[] cos, float[] sin, int cs) {
        for (int i = 0; i < half; i++) {
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
        for (int i = 0; i < dims; i += 2) {
            float x0 = a[base + i];
            float x1 = a[base + i + 1];
            float c = cosPairs[cs + i];
            float s = sinPairs[cs + i + 1];
            a[base + i] = x0 * c - x1 * s;
            a[base + i + 1] = x0 * s + x1 * c;
        }
    }
}
