package dev.djinn.core.tensor;

import java.lang.foreign.MemorySegment;

/**
 * ggml's {@code block_q6_K}: 256 values in 16 sub-blocks of 16, each with a signed 8-bit scale. Bytes 0-127
 * ({@code ql}) hold the low 4 bits, 128-191 ({@code qh}) the high 2 bits, 192-207 the scales and 208-209 the
 * fp16 super-scale {@code d}. Value = {@code d * scale * (q - 32)}.
 * <p>
 * Each half h of 128 values uses {@code ql[64h .. 64h+63]}, {@code qh[32h .. 32h+31]} and scales
 * {@code 8h .. 8h+7}. Within a half, for l &lt; 32: value l takes the low nibble of {@code ql[l]}, value l+32
 * the low nibble of {@code ql[l+32]}, value l+64 the high nibble of {@code ql[l]}, value l+96 the high nibble
 * of {@code ql[l+32]}; their high bits are bits 0-1, 2-3, 4-5 and 6-7 of {@code qh[l]}.
 */
final class BlockQ6_K {
    private static final int QH = 128;
    private static final int SCALES = 192;
    private static final int D = 208;

    private BlockQ6_K() {
    }

    static void decode(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.half(src, offset + D);
        for (int h = 0; h < 2; h++) {
            long ql = offset + 64 * h;
            long qh = offset + QH + 32 * h;
            long sc = offset + SCALES + 8 * h;
            int out = dstOffset + 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lo = Bytes.u8(src, ql + l);
                int lo32 = Bytes.u8(src, ql + l + 32);
                int high = Bytes.u8(src, qh + l);
                int q1 = ((lo & 0xF) | (high & 3) << 4) - 32;
                int q2 = ((lo32 & 0xF) | (high >>> 2 & 3) << 4) - 32;
                int q3 = ((lo >>> 4) | (high >>> 4 & 3) << 4) - 32;
                int q4 = ((lo32 >>> 4) | (high >>> 6 & 3) << 4) - 32;
                dst[out + l] = d * Bytes.i8(src, sc + is) * q1;
                dst[out + l + 32] = d * Bytes.i8(src, sc + is + 2) * q2;
                dst[out + l + 64] = d * Bytes.i8(src, sc + is + 4) * q3;
                dst[out + l + 96] = d * Bytes.i8(src, sc + is + 6) * q4;
            }
        }
    }

    /**
     * Like ggml's {@code quantize_row_q6_K_ref}: each sub-block of 16 is fitted with {@link KQuantFit#symmetric}
     * (levels -32 .. 31); d = -(the scale of largest magnitude) / 128 is stored as fp16 and each scale as the
     * nearest multiple of d (at most 127); the levels are then re-derived from the stored scales. A block whose
     * scales are all below ggml's epsilon is all zeros.
     */
    static void encode(float[] src, int srcOffset, MemorySegment dst, long offset) {
        int[] levels = new int[256];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int j = 0; j < 16; j++) {
            scales[j] = KQuantFit.symmetric(src, srcOffset + 16 * j, 16, 32, levels, 16 * j);
            float abs = Math.abs(scales[j]);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scales[j];
            }
        }
        if (maxAbsScale < KQuantFit.GROUP_MAX_EPS) {
            dst.asSlice(offset, GgmlType.Q6_K.typeSize()).fill((byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        Bytes.putHalf(dst, offset + D, 1 / iscale);
        for (int j = 0; j < 16; j++) {
            Bytes.put8(dst, offset + SCALES + j, Math.min(127, KQuantFit.nearestInt(iscale * scales[j])));
        }
        float d = Bytes.half(dst, offset + D);
        for (int j = 0; j < 16; j++) {
            float dj = d * Bytes.i8(dst, offset + SCALES + j);
            if (dj == 0) {
                continue; // ggml keeps the levels of the fit
            }
            for (int l = 0; l < 16; l++) {
                levels[16 * j + l] = KQuantFit.clamp(KQuantFit.nearestInt(src[srcOffset + 16 * j + l] / dj), -32, 31) + 32;
            }
        }
        for (int h = 0; h < 2; h++) {
            long ql = offset + 64 * h;
            long qh = offset + QH + 32 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[128 * h + l];
                int q2 = levels[128 * h + l + 32];
                int q3 = levels[128 * h + l + 64];
                int q4 = levels[128 * h + l + 96];
                Bytes.put8(dst, ql + l, (q1 & 0xF) | (q3 & 0xF) << 4);
                Bytes.put8(dst, ql + l + 32, (q2 & 0xF) | (q4 & 0xF) << 4);
                Bytes.put8(dst, qh + l, q1 >>> 4 | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6);
            }
        }
    }
}
