package dev.djinn.core.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor whose bytes live in {@code data} (usually a slice of a memory-mapped file). {@code shape}
 * follows ggml: {@code shape[0]} is the length of a row (the contiguous dimension). {@code packed}, when not
 * null, holds the same weights reordered for the matrix-vector kernels (see
 * {@code dev.djinn.core.kernel.PackedBlocks}); {@code data} stays the reference. {@code rowLanes} says that
 * {@code packed} is the row-lane layout of Q4_0 weights ({@code PackedBlocks.packRowLanes}), not the row-pair one.
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data, MemorySegment packed,
                     boolean rowLanes) {
    public Tensor {
        shape = shape.clone();
    }

    public Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        this(name, type, shape, data, null, false);
    }

    /** This tensor with {@code packed} as its packed copy (row pairs). */
    public Tensor withPacked(MemorySegment packed) {
        return new Tensor(name, type, shape, data, packed, false);
    }

    /** This tensor with {@code packed} as its packed copy in the row-lane layout. */
    public Tensor withRowLanes(MemorySegment packed) {
        return new Tensor(name, type, shape, data, packed, true);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int dims() {
        return shape.length;
    }

    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    /** Values per row. */
    public int cols() {
        return Math.toIntExact(shape[0]);
    }

    /** Number of rows (the product of every dimension but the first). */
    public int rows() {
        long r = 1;
        for (int i = 1; i < shape.length; i++) {
            r *= shape[i];
        }
        return Math.toIntExact(r);
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long rowBytes() {
        return type.rowBytes(shape[0]);
    }

    public long byteSize() {
        return rowBytes() * rows();
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
