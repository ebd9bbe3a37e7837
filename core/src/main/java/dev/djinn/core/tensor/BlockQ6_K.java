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
}
