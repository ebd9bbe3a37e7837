package dev.djinn.core.tensor;

import java.lang.foreign.MemorySegment;

/**
 * ggml's {@code block_q8_0}: 32 values as an fp16 scale {@code d} (bytes 0-1) and 32 signed bytes {@code qs}
 * (bytes 2-33); value j is {@code qs[j] * d}.
 */
final class BlockQ8_0 {
    private static final int VALUES = 32;
    private static final int QS = 2;

    private BlockQ8_0() {
    }

    static void decode(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.half(src, offset);
        for (int j = 0; j < VALUES; j++) {
            dst[dstOffset + j] = Bytes.i8(src, offset + QS + j) * d;
        }
    }

    /** Like ggml's {@code quantize_row_q8_0_ref}: d = amax / 127, q = roundf(x / d). */
    static void encode(float[] src, int srcOffset, MemorySegment dst, long offset) {
        float amax = 0;
        for (int j = 0; j < VALUES; j++) {
            float a = Math.abs(src[srcOffset + j]);
            amax = amax > a ? amax : a; // ggml's MAX macro, kept so that NaNs propagate the same way
        }
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        Bytes.putHalf(dst, offset, d);
        for (int j = 0; j < VALUES; j++) {
            Bytes.put8(dst, offset + QS + j, roundHalfAwayFromZero(src[srcOffset + j] * id));
        }
    }

    /** C's roundf; Math.round rounds halves up, so -2.5 would become -2 instead of -3. */
    private static int roundHalfAwayFromZero(float x) {
        // in double, |x| + 0.5 is exact for every float that can reach here, so the floor is exact too
        return (int) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
    }
}
