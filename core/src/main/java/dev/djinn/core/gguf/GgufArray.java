package dev.djinn.core.gguf;

import java.lang.reflect.Array;

/**
 * A metadata array. {@code values} is a primitive Java array matching the element type:
 * byte[] for (U)INT8, short[] for (U)INT16, int[] for (U)INT32, long[] for (U)INT64, float[], double[],
 * boolean[], String[], or GgufArray[] for nested arrays.
 */
public record GgufArray(GgufValueType elementType, Object values) {
    public int length() {
        return Array.getLength(values);
    }

    @Override
    public String toString() {
        return "[" + elementType.name().toLowerCase() + " x " + length() + "]";
    }
}
