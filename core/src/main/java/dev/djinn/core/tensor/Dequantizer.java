package dev.djinn.core.tensor;

import dev.djinn.core.DjinnException;

import java.lang.foreign.MemorySegment;

/**
 * Decodes tensor data of the types djinn supports to floats, value for value as ggml's {@code to_float}
 * functions do. Plain scalar code: meant for embedding rows, conversions and tests, not for matrix products.
 */
public final class Dequantizer {
    private Dequantizer() {
    }

    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Decodes {@code count} values, a whole number of blocks, whose first block starts at byte {@code offset}
     * of {@code src}, into {@code dst[dstOffset ..]}. A range of a row starts at the row's offset plus
     * {@code type.rowBytes(first)} for a block-aligned {@code first}.
     */
    public static void dequantize(GgmlType type, MemorySegment src, long offset, float[] dst, int dstOffset,
                                  int count) {
        requireSupported(type);
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values are not a whole number of " + type + " blocks");
        }
        switch (type) {
            case F32 -> MemorySegment.copy(src, Bytes.FLOAT, offset, dst, dstOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = Bytes.half(src, offset + 2L * i);
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstOffset + i] = BFloat16.toFloat(src.get(Bytes.SHORT, offset + 2L * i));
                }
            }
            default -> {
                int blocks = count / type.blockSize();
                for (int b = 0; b < blocks; b++) {
                    decodeBlock(type, src, offset + (long) b * type.typeSize(), dst, dstOffset + b * type.blockSize());
                }
            }
        }
    }

    /** Decodes row {@code row} of {@code tensor} into {@code dst[dstOffset ..]}. */
    public static void dequantizeRow(Tensor tensor, long row, float[] dst, int dstOffset) {
        if (row < 0 || row >= tensor.rows()) {
            throw new IndexOutOfBoundsException("row " + row + " of " + tensor);
        }
        dequantize(tensor.type(), tensor.data(), row * tensor.rowBytes(), dst, dstOffset, tensor.cols());
    }

    /** Values {@code first .. first + count - 1} of a row; {@code first} and {@code count} are block-aligned. */
    public static void dequantizeRange(Tensor tensor, long row, int first, int count, float[] dst, int dstOffset) {
        if (row < 0 || row >= tensor.rows() || first < 0 || count < 0 || first + count > tensor.cols()
                || first % tensor.type().blockSize() != 0) {
            throw new IndexOutOfBoundsException("values " + first + ".." + (first + count) + " of row " + row
                    + " of " + tensor);
        }
        long offset = row * tensor.rowBytes() + tensor.type().rowBytes(first);
        dequantize(tensor.type(), tensor.data(), offset, dst, dstOffset, count);
    }

    /** Every value of {@code tensor}, rows one after another. */
    public static float[] toFloats(Tensor tensor) {
        long n = tensor.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(tensor + " has too many values for one float[]");
        }
        float[] out = new float[(int) n];
        for (int r = 0; r < tensor.rows(); r++) {
            dequantizeRow(tensor, r, out, r * tensor.cols());
        }
        return out;
    }

    private static void decodeBlock(GgmlType type, MemorySegment src, long offset, float[] dst, int dstOffset) {
        switch (type) {
            case Q8_0 -> BlockQ8_0.decode(src, offset, dst, dstOffset);
            case Q4_0 -> BlockQ4_0.decode(src, offset, dst, dstOffset);
            case Q4_K -> BlockQ4_K.decode(src, offset, dst, dstOffset);
            case Q5_K -> BlockQ5_K.decode(src, offset, dst, dstOffset);
            case Q6_K -> BlockQ6_K.decode(src, offset, dst, dstOffset);
            default -> throw new IllegalStateException("no block decoder for " + type);
        }
    }

    private static void requireSupported(GgmlType type) {
        if (!supports(type)) {
            throw new DjinnException("djinn cannot decode " + type + " tensor data yet");
        }
    }
}
