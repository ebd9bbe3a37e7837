package dev.djinn.core.gguf;

import dev.djinn.core.tensor.GgmlType;

import java.util.Arrays;

/**
 * A tensor's entry in the GGUF header: its shape (ggml order, {@code shape[0]} contiguous), type and offset
 * relative to the start of the data section.
 */
public record GgufTensorInfo(String name, long[] shape, GgmlType type, long offset) {
    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return elementCount() / type.blockSize() * type.typeSize();
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset;
    }
}
