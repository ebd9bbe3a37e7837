package dev.djinn.core.gguf;

/**
 * One metadata value with its on-disk type. Integer scalars are held as {@link Long} (unsigned 64-bit values
 * above {@code Long.MAX_VALUE} wrap), FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as
 * {@link Boolean}, STRING as {@link String} and ARRAY as {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {
    public static GgufValue of(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofUint32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue ofInt32(long v) {
        return new GgufValue(GgufValueType.INT32, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofArray(GgufArray array) {
        return new GgufValue(GgufValueType.ARRAY, array);
    }

    @Override
    public String toString() {
        return String.valueOf(value);
    }
}
