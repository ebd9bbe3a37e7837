package dev.djinn.core.tensor;

import java.lang.foreign.MemorySegment;

/**
 * ggml's {@code block_q4_K}: 256 values in 8 sub-blocks of 32. Bytes 0-1 hold the fp16 super-scale {@code d},
 * 2-3 the fp16 super-min {@code dmin}, 4-15 eight 6-bit scales and eight 6-bit mins packed as
 * {@link #scale}/{@link #min} describe, and 16-143 the 4-bit levels: byte {@code 32 * g + l} holds value
 * {@code l} of sub-block {@code 2g} in its low nibble and of sub-block {@code 2g + 1} in its high nibble.
 * Value = {@code d * scale * q - dmin * min}.
 */
final class BlockQ4_K {
    static final int SCALES = 4;
    private static final int QS = 16;

    private BlockQ4_K() {
    }

    static void decode(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.half(src, offset);
        float dmin = Bytes.half(src, offset + 2);
        for (int g = 0; g < 4; g++) {
            int sub = 2 * g;
            float d1 = d * scale(src, offset + SCALES, sub);
            float m1 = dmin * min(src, offset + SCALES, sub);
            float d2 = d * scale(src, offset + SCALES, sub + 1);
            float m2 = dmin * min(src, offset + SCALES, sub + 1);
            int out = dstOffset + 64 * g;
            for (int l = 0; l < 32; l++) {
                int q = Bytes.u8(src, offset + QS + 32 * g + l);
                // ggml's d1 * q - m1 is contracted to an FMA by the compiler
                dst[out + l] = Math.fma(d1, q & 0xF, -m1);
                dst[out + 32 + l] = Math.fma(d2, q >>> 4, -m2);
            }
        }
    }

    /**
     * The 6-bit scale of sub-block {@code j} (ggml's {@code get_scale_min_k4}): for j &lt; 4 the low 6 bits of
     * byte j; otherwise the low nibble of byte j + 4 with the top 2 bits of byte j - 4 above it.
     */
    static int scale(MemorySegment src, long scales, int j) {
        if (j < 4) {
            return Bytes.u8(src, scales + j) & 63;
        }
        return (Bytes.u8(src, scales + j + 4) & 0xF) | (Bytes.u8(src, scales + j - 4) >>> 6) << 4;
    }

    /**
     * The 6-bit min of sub-block {@code j}: for j &lt; 4 the low 6 bits of byte j + 4; otherwise the high
     * nibble of byte j + 4 with the top 2 bits of byte j above it.
     */
    static int min(MemorySegment src, long scales, int j) {
        if (j < 4) {
            return Bytes.u8(src, scales + j + 4) & 63;
        }
        return (Bytes.u8(src, scales + j + 4) >>> 4) | (Bytes.u8(src, scales + j) >>> 6) << 4;
    }
}
