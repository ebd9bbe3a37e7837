package dev.djinn.core.tensor;

/**
 * IEEE half precision as ggml stores it ({@code ggml_half}). Conversions round to nearest even, like the F16C
 * instructions ggml uses on x86.
 */
public final class Float16 {
    private Float16() {
    }

    public static float toFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static short fromFloat(float f) {
        if (Float.isNaN(f)) {
            // F16C quiets a NaN and keeps the top of its payload; Float.floatToFloat16 leaves NaN bits unspecified
            int bits = Float.floatToRawIntBits(f);
            return (short) ((bits >>> 16 & 0x8000) | 0x7e00 | (bits >>> 13 & 0x3ff));
        }
        return Float.floatToFloat16(f);
    }
}
