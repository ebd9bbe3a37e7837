package dev.djinn.core.gguf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Serializes a GGUF header into memory, little-endian, checking that every value matches its declared type
 * (the checks the reader would otherwise make on the way back).
 */
final class GgufEncoder {
    private byte[] buf = new byte[1 << 16];
    private int size;

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    void u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
    }

    void i16(int v) {
        u8(v);
        u8(v >>> 8);
    }

    void i32(int v) {
        i16(v);
        i16(v >>> 16);
    }

    void i64(long v) {
        i32((int) v);
        i32((int) (v >>> 32));
    }

    void string(String s) {
        if (s == null) {
            throw new IllegalArgumentException("GGUF strings must not be null");
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        i64(bytes.length);
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, size, bytes.length);
        size += bytes.length;
    }

    /** Zero bytes up to the next multiple of {@code alignment}. */
    void pad(int alignment) {
        while (size % alignment != 0) {
            u8(0);
        }
    }

    void keyValue(String key, GgufValue value) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("metadata key must not be empty");
        }
        string(key);
        i32(value.type().id());
        value(key, value);
    }

    private void value(String key, GgufValue v) {
        Object o = v.value();
        switch (v.type()) {
            case UINT8, INT8 -> u8((int) integer(key, v.type(), o));
            case UINT16, INT16 -> i16((int) integer(key, v.type(), o));
            case UINT32, INT32 -> i32((int) integer(key, v.type(), o));
            case UINT64, INT64 -> i64(integer(key, v.type(), o));
            case FLOAT32 -> i32(Float.floatToRawIntBits(as(key, v.type(), o, Float.class)));
            case FLOAT64 -> i64(Double.doubleToRawLongBits(as(key, v.type(), o, Double.class)));
            case BOOL -> u8(as(key, v.type(), o, Boolean.class) ? 1 : 0);
            case STRING -> string(as(key, v.type(), o, String.class));
            case ARRAY -> array(key, as(key, v.type(), o, GgufArray.class), 0);
        }
    }

    private void array(String key, GgufArray a, int depth) {
        if (depth >= GgufFile.MAX_ARRAY_NESTING) {
            throw new IllegalArgumentException("metadata " + key + " nests arrays more than "
                    + GgufFile.MAX_ARRAY_NESTING + " deep, which readers reject");
        }
        i32(a.elementType().id());
        switch (a.elementType()) {
            case UINT8, INT8 -> {
                byte[] b = elements(key, a, byte[].class);
                i64(b.length);
                ensure(b.length);
                System.arraycopy(b, 0, buf, size, b.length);
                size += b.length;
            }
            case UINT16, INT16 -> {
                short[] s = elements(key, a, short[].class);
                i64(s.length);
                for (short x : s) i16(x);
            }
            case UINT32, INT32 -> {
                int[] ints = elements(key, a, int[].class);
                i64(ints.length);
                for (int x : ints) i32(x);
            }
            case UINT64, INT64 -> {
                long[] longs = elements(key, a, long[].class);
                i64(longs.length);
                for (long x : longs) i64(x);
            }
            case FLOAT32 -> {
                float[] f = elements(key, a, float[].class);
                i64(f.length);
                for (float x : f) i32(Float.floatToRawIntBits(x));
            }
            case FLOAT64 -> {
                double[] d = elements(key, a, double[].class);
                i64(d.length);
                for (double x : d) i64(Double.doubleToRawLongBits(x));
            }
            case BOOL -> {
                boolean[] b = elements(key, a, boolean[].class);
                i64(b.length);
                for (boolean x : b) u8(x ? 1 : 0);
            }
            case STRING -> {
                String[] s = elements(key, a, String[].class);
                i64(s.length);
                for (String x : s) string(x);
            }
            case ARRAY -> {
                GgufArray[] nested = elements(key, a, GgufArray[].class);
                i64(nested.length);
                for (GgufArray x : nested) array(key, x, depth + 1);
            }
        }
    }

    private static long integer(String key, GgufValueType type, Object o) {
        long v = as(key, type, o, Long.class);
        boolean fits = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xff;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xffff;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xffffffffL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true; // 64-bit: a Long holds every bit pattern (UINT64 above Long.MAX_VALUE wraps)
        };
        if (!fits) {
            throw new IllegalArgumentException("metadata " + key + " = " + v + " does not fit " + type);
        }
        return v;
    }

    private static <T> T as(String key, GgufValueType type, Object o, Class<T> expected) {
        if (!expected.isInstance(o)) {
            throw new IllegalArgumentException("metadata " + key + " is declared " + type + " but holds "
                    + (o == null ? "null" : o.getClass().getSimpleName()) + ", expected " + expected.getSimpleName());
        }
        return expected.cast(o);
    }

    private static <T> T elements(String key, GgufArray a, Class<T> expected) {
        Object values = a.values();
        if (!expected.isInstance(values)) {
            throw new IllegalArgumentException("metadata " + key + " is an array of " + a.elementType()
                    + " but holds " + (values == null ? "null" : values.getClass().getSimpleName())
                    + ", expected " + expected.getSimpleName());
        }
        return expected.cast(values);
    }

    private void ensure(int n) {
        if (buf.length - size < n) {
            long wanted = Math.max((long) buf.length * 2, (long) size + n);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("GGUF header would exceed 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) wanted);
        }
    }
}
