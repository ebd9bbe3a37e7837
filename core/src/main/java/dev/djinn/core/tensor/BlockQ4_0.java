package dev.djinn.core.tensor;

import java.lang.foreign.MemorySegment;

/**
 * ggml's {@code block_q4_0}: 32 values as an fp16 scale {@code d} (bytes 0-1) and 16 bytes {@code qs} (bytes
 * 2-17). Value j &lt; 16 is {@code ((qs[j] & 0xF) - 8) * d}; value j + 16 uses the high nibble of {@code qs[j]}.
 */
final class BlockQ4_0 {
    private static final int VALUES = 32;
    private static final int QS = 2;
    private static final int HALF = VALUES / 2;

    private BlockQ4_0() {
    }

    static void decode(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.half(src, offset);
        for (int j = 0; j < HALF; j++) {
            int q = Bytes.u8(src, offset + QS + j);
            dst[dstOffset + j] = ((q & 0xF) - 8) * d;
            dst[dstOffset + j + HALF] = ((q >>> 4) - 8) * d;
        }
    }

    /**
     * Like ggml's {@code quantize_row_q4_0_ref}: d = -max / 8 where max is the value of largest magnitude (the
     * first one on ties), q = min(15, (int8) (x / d + 8.5)).
     */
    static void encode(float[] src, int srcOffset, MemorySegment dst, long offset) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < VALUES; j++) {
            float v = src[srcOffset + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        Bytes.putHalf(dst, offset, d);
        for (int j = 0; j < HALF; j++) {
            int lo = level(src[srcOffset + j], id);
            int hi = level(src[srcOffset + j + HALF], id);
            Bytes.put8(dst, offset + QS + j, lo | hi << 4);
        }
    }

    /**
     * ggml is compiled with floating-point contraction, so {@code x * id + 8.5f} is one fused multiply-add there;
     * rounding the product first changes some levels (gguf-py emulates the FMA for the same reason).
     */
    private static int level(float x, float id) {
        return Math.min(15, (byte) (int) Math.fma(x, id, 8.5f));
    }
}
