package dev.djinn.core.tensor;

import java.lang.foreign.MemorySegment;

/**
 * ggml's {@code block_q5_K}: like {@link BlockQ4_K} (d at 0, dmin at 2, packed scales at 4-15) plus a fifth
 * bit per value. Bytes 16-47 are {@code qh}: bit {@code 2g} of {@code qh[l]} is the high bit of value l of
 * sub-block {@code 2g}, bit {@code 2g + 1} that of sub-block {@code 2g + 1}. Bytes 48-175 hold the low 4 bits,
 * nibble-packed as in Q4_K.
 */
final class BlockQ5_K {
    private static final int QH = 16;
    private static final int QS = 48;

    private BlockQ5_K() {
    }

    static void decode(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.half(src, offset);
        float dmin = Bytes.half(src, offset + 2);
        long scales = offset + BlockQ4_K.SCALES;
        for (int g = 0; g < 4; g++) {
            int sub = 2 * g;
            float d1 = d * BlockQ4_K.scale(src, scales, sub);
            float m1 = dmin * BlockQ4_K.min(src, scales, sub);
            float d2 = d * BlockQ4_K.scale(src, scales, sub + 1);
            float m2 = dmin * BlockQ4_K.min(src, scales, sub + 1);
            int out = dstOffset + 64 * g;
            for (int l = 0; l < 32; l++) {
                int q = Bytes.u8(src, offset + QS + 32 * g + l);
                int h = Bytes.u8(src, offset + QH + l);
                int lo = (q & 0xF) | (h >>> sub & 1) << 4;
                int hi = (q >>> 4) | (h >>> (sub + 1) & 1) << 4;
                // ggml's d1 * q - m1 is contracted to an FMA by the compiler
                dst[out + l] = Math.fma(d1, lo, -m1);
                dst[out + 32 + l] = Math.fma(d2, hi, -m2);
            }
        }
    }

    /** Like ggml's {@code quantize_row_q5_K_ref}: Q4_K's scales with levels 0-31 and a narrower search. */
    static void encode(float[] src, int srcOffset, MemorySegment dst, long offset) {
        int[] levels = new int[256];
        BlockQ4_K.encodeScales(src, srcOffset, 31, -0.5f, 0.1f, 15, dst, offset, levels);
        int[] high = new int[32];
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int lo = levels[64 * g + l];
                int hi = levels[64 * g + 32 + l];
                high[l] |= (lo >>> 4) << 2 * g | (hi >>> 4) << 2 * g + 1;
                Bytes.put8(dst, offset + QS + 32 * g + l, (lo & 0xF) | (hi & 0xF) << 4);
            }
        }
        for (int l = 0; l < 32; l++) {
            Bytes.put8(dst, offset + QH + l, high[l]);
        }
    }
}
