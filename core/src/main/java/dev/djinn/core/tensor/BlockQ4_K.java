package dev.djinn.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

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
    private static final int SUB_BLOCKS = 8;

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

    /** Like ggml's {@code quantize_row_q4_K_ref}: levels 0-15 per value, {@link #encodeScales} for the rest. */
    static void encode(float[] src, int srcOffset, MemorySegment dst, long offset) {
        int[] levels = new int[256];
        encodeScales(src, srcOffset, 15, -1f, 0.1f, 20, dst, offset, levels);
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                Bytes.put8(dst, offset + QS + 32 * g + l, levels[64 * g + l] | levels[64 * g + 32 + l] << 4);
            }
        }
    }

    /**
     * The part of ggml's Q4_K and Q5_K reference quantizers before the levels are packed: fits each sub-block
     * of 32 with {@link KQuantFit#affine} (weights: the sub-block's RMS plus |x|; levels 0 .. nmax; the search
     * given by rmin, rdelta and nstep), stores d = max scale / 63 and dmin = max min / 63 as fp16 and each
     * sub-block's scale and min as 6-bit multiples of them, then re-derives every level from the stored
     * (rounded) scale and min. Writes bytes 0-15 of the block and the levels to {@code levels}.
     */
    static void encodeScales(float[] src, int srcOffset, int nmax, float rmin, float rdelta, int nstep,
                             MemorySegment dst, long offset, int[] levels) {
        float[] scales = new float[SUB_BLOCKS];
        float[] mins = new float[SUB_BLOCKS];
        float[] weights = new float[32];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < SUB_BLOCKS; j++) {
            int first = srcOffset + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += src[first + l] * src[first + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(src[first + l]);
            }
            scales[j] = KQuantFit.affine(src, first, 32, nmax, weights, levels, 32 * j, mins, j, rmin, rdelta, nstep);
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        byte[] packed = new byte[12];
        for (int j = 0; j < SUB_BLOCKS; j++) {
            // ggml stores the rounded value in a uint8_t before clamping, hence the & 0xFF
            int ls = Math.min(63, KQuantFit.nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, KQuantFit.nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                packed[j] = (byte) ls;
                packed[j + 4] = (byte) lm;
            } else {
                packed[j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                packed[j - 4] |= (byte) ((ls >> 4) << 6);
                packed[j] |= (byte) ((lm >> 4) << 6);
            }
        }
        Bytes.putHalf(dst, offset, maxScale / 63f);
        Bytes.putHalf(dst, offset + 2, maxMin / 63f);
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, offset + SCALES, 12);
        float d = Bytes.half(dst, offset);
        float dmin = Bytes.half(dst, offset + 2);
        for (int j = 0; j < SUB_BLOCKS; j++) {
            float dj = d * scale(dst, offset + SCALES, j);
            if (dj == 0) {
                continue; // ggml keeps the levels of the fit
            }
            float mj = dmin * min(dst, offset + SCALES, j);
            for (int l = 0; l < 32; l++) {
                levels[32 * j + l] = KQuantFit.clamp(KQuantFit.nearestInt((src[srcOffset + 32 * j + l] + mj) / dj), 0,
                        nmax);
            }
        }
    }
}
