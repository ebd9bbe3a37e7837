package dev.djinn.core.tensor;

import dev.djinn.core.DjinnException;

import java.lang.foreign.MemorySegment;

/**
 * Encodes floats into a ggml type, byte for byte as ggml's reference quantizers ({@code quantize_row_*_ref})
 * and conversions do, so that a file djinn quantizes is the file llama.cpp would write. Each block type lives
 * in its own {@code Block*} class; supporting another type means giving that class an {@code encode} and
 * listing it here.
 */
public final class Quantizer {
    private Quantizer() {
    }

    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Encodes {@code src[srcOffset .. srcOffset + count - 1]}, a whole number of blocks, to
     * {@code type.rowBytes(count)} bytes at byte {@code offset} of {@code dst}.
     */
    public static void quantize(GgmlType type, float[] src, int srcOffset, int count, MemorySegment dst,
                                long offset) {
        if (!supports(type)) {
            throw new DjinnException("djinn cannot quantize to " + type + " yet");
        }
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values are not a whole number of " + type + " blocks");
        }
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcOffset, dst, Bytes.FLOAT, offset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(Bytes.SHORT, offset + 2L * i, Float16.fromFloat(src[srcOffset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(Bytes.SHORT, offset + 2L * i, BFloat16.fromFloat(src[srcOffset + i]));
                }
            }
            default -> {
                int blocks = count / type.blockSize();
                for (int b = 0; b < blocks; b++) {
                    encodeBlock(type, src, srcOffset + b * type.blockSize(), dst, offset + (long) b * type.typeSize());
                }
            }
        }
    }

    /** Encodes all of {@code values} (a whole number of blocks) into a new array. */
    public static byte[] quantize(GgmlType type, float[] values) {
        byte[] out = new byte[Math.toIntExact(type.rowBytes(values.length))];
        quantize(type, values, 0, values.length, MemorySegment.ofArray(out), 0);
        return out;
    }

    private static void encodeBlock(GgmlType type, float[] src, int srcOffset, MemorySegment dst, long offset) {
        switch (type) {
            case Q8_0 -> BlockQ8_0.encode(src, srcOffset, dst, offset);
            case Q4_0 -> BlockQ4_0.encode(src, srcOffset, dst, offset);
            case Q4_K -> BlockQ4_K.encode(src, srcOffset, dst, offset);
            case Q5_K -> BlockQ5_K.encode(src, srcOffset, dst, offset);
            case Q6_K -> BlockQ6_K.encode(src, srcOffset, dst, offset);
            default -> throw new IllegalStateException("no block encoder for " + type);
        }
    }
}
