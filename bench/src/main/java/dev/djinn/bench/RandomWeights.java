package dev.djinn.bench;

import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Quantizer;
import dev.djinn.core.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Random weight matrices in any type the kernels multiply, off-heap like a mapped model. Types djinn can
 * quantize are encoded from random floats; K-quants (which it cannot write yet) are random bytes with
 * finite, small half-precision scales, which is all a speed test needs.
 */
final class RandomWeights {
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RandomWeights() {
    }

    /** A {@code rows x cols} matrix (ggml shape {@code [cols, rows]}) of {@code type}. */
    static Tensor matrix(Arena arena, GgmlType type, int cols, int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long rowBytes = type.rowBytes(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        switch (type) {
            case Q4_K, Q6_K -> randomKQuant(data, type, random);
            default -> {
                float[] row = new float[cols];
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < cols; i++) {
                        row[i] = (float) random.nextDouble(-1, 1);
                    }
                    Quantizer.quantize(type, row, 0, cols, data, r * rowBytes);
                }
            }
        }
        return new Tensor("bench." + type.name().toLowerCase(), type, new long[] {cols, rows}, data);
    }

    private static void randomKQuant(MemorySegment data, GgmlType type, SplittableRandom random) {
        byte[] bytes = new byte[(int) Math.min(data.byteSize(), 1 << 20)];
        for (long off = 0; off < data.byteSize(); off += bytes.length) {
            random.nextBytes(bytes);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data, off, Math.min(bytes.length, data.byteSize() - off));
        }
        long blocks = data.byteSize() / type.typeSize();
        for (long b = 0; b < blocks; b++) {
            long blk = b * type.typeSize();
            if (type == GgmlType.Q4_K) { // d and dmin lead the block
                data.set(F16, blk, Float.floatToFloat16((float) random.nextDouble(1e-3, 1e-2)));
                data.set(F16, blk + 2, Float.floatToFloat16((float) random.nextDouble(1e-3, 1e-2)));
            } else { // Q6_K: d ends the block
                data.set(F16, blk + 208, Float.floatToFloat16((float) random.nextDouble(1e-3, 1e-2)));
            }
        }
    }

    /** Activations roughly like a normalised hidden state. */
    static float[] activations(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
