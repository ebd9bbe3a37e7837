package dev.djinn.core.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The key-value metadata of a GGUF file, in file order, with typed accessors. */
public final class GgufMetadata {
    private final Map<String, GgufValue> values;

    public GgufMetadata(Map<String, GgufValue> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public Map<String, GgufValue> asMap() {
        return values;
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public Optional<String> string(String key) {
        return get(key).map(v -> cast(key, v, String.class));
    }

    public String requireString(String key) {
        return string(key).orElseThrow(() -> missing(key));
    }

    public Optional<Long> integer(String key) {
        return get(key).map(v -> {
            if (!v.type().isInteger()) {
                throw new GgufFormatException("metadata " + key + " should be an integer but is " + v.type());
            }
            return (Long) v.value();
        });
    }

    public long requireInteger(String key) {
        return integer(key).orElseThrow(() -> missing(key));
    }

    public int intOr(String key, int fallback) {
        return integer(key).map(v -> toInt(key, v)).orElse(fallback);
    }

    public int requireInt(String key) {
        return toInt(key, requireInteger(key));
    }

    public Optional<Float> floatValue(String key) {
        return get(key).map(v -> switch (v.value()) {
            case Float f -> f;
            case Double d -> d.floatValue();
            case Long l -> l.floatValue();
            default -> throw new GgufFormatException("metadata " + key + " should be a number but is " + v.type());
        });
    }

    public float floatOr(String key, float fallback) {
        return floatValue(key).orElse(fallback);
    }

    public boolean boolOr(String key, boolean fallback) {
        return get(key).map(v -> cast(key, v, Boolean.class)).orElse(fallback);
    }

    public Optional<GgufArray> array(String key) {
        return get(key).map(v -> cast(key, v, GgufArray.class));
    }

    public Optional<String[]> stringArray(String key) {
        return array(key).map(a -> arrayOf(key, a, String[].class));
    }

    public Optional<float[]> floatArray(String key) {
        return array(key).map(a -> arrayOf(key, a, float[].class));
    }

    /** An integer array of any width, widened to int. */
    public Optional<int[]> intArray(String key) {
        return array(key).map(a -> switch (a.values()) {
            case int[] ints -> ints;
            case byte[] bytes -> {
                int[] out = new int[bytes.length];
                for (int i = 0; i < bytes.length; i++) {
                    out[i] = a.elementType() == GgufValueType.UINT8 ? bytes[i] & 0xff : bytes[i];
                }
                yield out;
            }
            case short[] shorts -> {
                int[] out = new int[shorts.length];
                for (int i = 0; i < shorts.length; i++) {
                    out[i] = a.elementType() == GgufValueType.UINT16 ? shorts[i] & 0xffff : shorts[i];
                }
                yield out;
            }
            case long[] longs -> {
                int[] out = new int[longs.length];
                for (int i = 0; i < longs.length; i++) {
                    out[i] = toInt(key, longs[i]);
                }
                yield out;
            }
            default -> throw new GgufFormatException("metadata " + key + " should be an integer array but holds "
                    + a.elementType());
        });
    }

    private static int toInt(String key, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new GgufFormatException("metadata " + key + " = " + v + " is out of range");
        }
        return (int) v;
    }

    private static <T> T cast(String key, GgufValue v, Class<T> type) {
        if (!type.isInstance(v.value())) {
            throw new GgufFormatException("metadata " + key + " has type " + v.type() + ", expected "
                    + type.getSimpleName());
        }
        return type.cast(v.value());
    }

    private static <T> T arrayOf(String key, GgufArray a, Class<T> type) {
        if (!type.isInstance(a.values())) {
            throw new GgufFormatException("metadata " + key + " is an array of " + a.elementType()
                    + ", expected " + type.getComponentType().getSimpleName());
        }
        return type.cast(a.values());
    }

    private static GgufFormatException missing(String key) {
        return new GgufFormatException("required metadata " + key + " is missing");
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
