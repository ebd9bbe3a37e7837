package dev.djinn.core.kernel;

import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 weights repacked for the matrix-vector kernel, as llama.cpp repacks them for its CPU kernels: rows in
 * groups of four, and per group and pair of blocks 144 bytes holding the eight half-precision scales
 * (row 0 block 0, row 0 block 1, row 1 block 0, ... row 3 block 1) followed by each row's 32 quant bytes
 * (block 0's 16, then block 1's 16). One vector load then reads a row's two blocks of nibbles, and one
 * conversion gives the scales of all four rows, where the GGUF layout (18-byte blocks, scale first) needs a
 * blend of two loads and two scalar conversions per row. Same bytes, same size, different order.
 *
 * <p>Only whole groups are packed: rows past the last multiple of four stay in the GGUF layout, and matrices
 * whose rows are not whole pairs of blocks (a multiple of 64 values) are not packed.
 */
public final class PackedQ4_0 {
    static final int GROUP_ROWS = 4;
    static final int PAIR_VALUES = 64;
    /** Bytes per group of four rows and pair of blocks. */
    static final long GROUP_PAIR_BYTES = 8 * 2 + GROUP_ROWS * 32;
    private static final long BLOCK_BYTES = 18;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private PackedQ4_0() {
    }

    /** Off with {@code -Ddjinn.pack=false}: every kernel then reads the GGUF layout (for comparisons). */
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("djinn.pack", "true"));

    /** Whether a Q4_0 matrix of this shape is packed. */
    public static boolean packable(Tensor t) {
        return ENABLED && t.type() == GgmlType.Q4_0 && t.cols() % PAIR_VALUES == 0 && t.rows() >= GROUP_ROWS;
    }

    /** Rows in whole groups: the ones the packed copy holds. */
    public static int packedRows(Tensor t) {
        return t.rows() / GROUP_ROWS * GROUP_ROWS;
    }

    /** Bytes from one group of rows to the next (four GGUF rows' worth). */
    static long groupBytes(long rowBytes) {
        return GROUP_ROWS * rowBytes;
    }

    /**
     * The packed copy of {@code t}'s whole groups of rows, in memory freed when it becomes unreachable (huge
     * pages where the system gives them), made by
     * the pool's threads. Reads each weight byte once. With {@code releaseMapping} (only for a tensor read from
     * a file mapping, never for memory the process wrote) the pages under {@code t.data()} are then handed back
     * to the operating system ({@link NativeMemory}), so the process does not keep both copies resident.
     */
    public static MemorySegment pack(Tensor t, ComputePool pool, boolean releaseMapping) {
        if (!packable(t)) {
            throw new IllegalArgumentException(t + " cannot be packed");
        }
        int groups = t.rows() / GROUP_ROWS;
        MemorySegment dst = NativeMemory.allocate(groups * groupBytes(t.rowBytes()));
        pool.parallelFor(groups, 16, (from, to) -> packGroups(t, dst, from, to));
        if (releaseMapping && t.data().isReadOnly()) {
            NativeMemory.releaseMapped(t.data());
        }
        return dst;
    }

    private static void packGroups(Tensor t, MemorySegment dst, int from, int to) {
        long rowBytes = t.rowBytes();
        int pairs = t.cols() / PAIR_VALUES;
        MemorySegment src = t.data();
        for (int g = from; g < to; g++) {
            long group = g * groupBytes(rowBytes);
            for (int p = 0; p < pairs; p++) {
                long out = group + p * GROUP_PAIR_BYTES;
                for (int r = 0; r < GROUP_ROWS; r++) {
                    long b0 = group + r * rowBytes + 2 * p * BLOCK_BYTES;
                    long b1 = b0 + BLOCK_BYTES;
                    dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, out + 4L * r, src.get(ValueLayout.JAVA_SHORT_UNALIGNED, b0));
                    dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, out + 4L * r + 2, src.get(ValueLayout.JAVA_SHORT_UNALIGNED, b1));
                    long q = out + 16 + 32L * r;
                    dst.set(LONG, q, src.get(LONG, b0 + 2));
                    dst.set(LONG, q + 8, src.get(LONG, b0 + 10));
                    dst.set(LONG, q + 16, src.get(LONG, b1 + 2));
                    dst.set(LONG, q + 24, src.get(LONG, b1 + 10));
                }
            }
        }
    }

    /**
     * Writes rows [from, from + rows) of {@code t} in the GGUF layout to {@code dst} from offset 0: packed rows
     * from the packed copy, the rows after the last whole group from {@code t.data()}. For the kernels that
     * read the GGUF layout (prompt rows, batched generated rows), so that only the packed copy is read.
     */
    public static void unpackRows(Tensor t, int from, int rows, MemorySegment dst) {
        MemorySegment packed = t.packed();
        long rowBytes = t.rowBytes();
        int pairs = t.cols() / PAIR_VALUES;
        int packedRows = packedRows(t);
        for (int i = 0; i < rows; i++) {
            int r = from + i;
            long row = i * rowBytes;
            if (r >= packedRows) {
                MemorySegment.copy(t.data(), r * rowBytes, dst, row, rowBytes);
                continue;
            }
            long group = (r / GROUP_ROWS) * groupBytes(rowBytes);
            int k = r % GROUP_ROWS;
            for (int p = 0; p < pairs; p++) {
                long in = group + p * GROUP_PAIR_BYTES;
                long q = in + 16 + 32L * k;
                long b0 = row + 2 * p * BLOCK_BYTES;
                long b1 = b0 + BLOCK_BYTES;
                dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, b0, packed.get(ValueLayout.JAVA_SHORT_UNALIGNED, in + 4L * k));
                dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, b1, packed.get(ValueLayout.JAVA_SHORT_UNALIGNED, in + 4L * k + 2));
                dst.set(LONG, b0 + 2, packed.get(LONG, q));
                dst.set(LONG, b0 + 10, packed.get(LONG, q + 8));
                dst.set(LONG, b1 + 2, packed.get(LONG, q + 16));
                dst.set(LONG, b1 + 10, packed.get(LONG, q + 24));
            }
        }
    }
}
