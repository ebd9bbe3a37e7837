package dev.djinn.core.kernel;

import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0 and Q8_0 weights repacked for the matrix-vector kernels, as llama.cpp repacks them for its CPU kernels:
 * rows in groups of four, and per group and pair of blocks the eight half-precision scales (row 0 block 0,
 * row 0 block 1, row 1 block 0, ... row 3 block 1) followed by each row's quant bytes (block 0's, then block
 * 1's: 32 bytes per row for Q4_0, 64 for Q8_0). One vector load then reads a row's block quants without the
 * scale in the way, and one conversion gives the scales of all four rows, where the GGUF layout (a scale before
 * every block) needs blends or unaligned loads and two scalar conversions per row and pair. Same bytes, same
 * size, different order.
 *
 * <p>Only whole groups are packed: rows past the last multiple of four stay in the GGUF layout, and matrices
 * whose rows are not whole pairs of blocks (a multiple of 64 values) are not packed.
 */
public final class PackedBlocks {
    static final int GROUP_ROWS = 4;
    static final int PAIR_VALUES = 64;
    /** The eight scales at the start of each group and pair. */
    static final long SCALE_BYTES = 16;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private PackedBlocks() {
    }

    /** Off with {@code -Ddjinn.pack=false}: every kernel then reads the GGUF layout (for comparisons). */
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("djinn.pack", "true"));

    /** Whether a matrix of this type and shape is packed. */
    public static boolean packable(Tensor t) {
        return ENABLED && (t.type() == GgmlType.Q4_0 || t.type() == GgmlType.Q8_0) && t.cols() % PAIR_VALUES == 0
                && t.rows() >= GROUP_ROWS;
    }

    /** Rows in whole groups: the ones the packed copy holds. */
    public static int packedRows(Tensor t) {
        return t.rows() / GROUP_ROWS * GROUP_ROWS;
    }

    /** Bytes from one group of rows to the next (four GGUF rows' worth). */
    static long groupBytes(long rowBytes) {
        return GROUP_ROWS * rowBytes;
    }

    /** Quant bytes of one block: 16 for Q4_0, 32 for Q8_0. */
    static int quantBytes(GgmlType type) {
        return type.typeSize() - 2;
    }

    /** Bytes per group of four rows and pair of blocks: 144 for Q4_0, 272 for Q8_0. */
    static long groupPairBytes(GgmlType type) {
        return SCALE_BYTES + GROUP_ROWS * 2L * quantBytes(type);
    }

    /**
     * The packed copy of {@code t}'s whole groups of rows, in memory freed when it becomes unreachable (huge
     * pages where the system gives them), made by the pool's threads. Reads each weight byte once. With
     * {@code releaseMapping} (only for a tensor read from a file mapping, never for memory the process wrote)
     * the pages under {@code t.data()} are then handed back to the operating system ({@link NativeMemory}), so
     * the process does not keep both copies resident.
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
        int block = t.type().typeSize();
        int quants = quantBytes(t.type());
        long pairBytes = groupPairBytes(t.type());
        MemorySegment src = t.data();
        for (int g = from; g < to; g++) {
            long group = g * groupBytes(rowBytes);
            for (int p = 0; p < pairs; p++) {
                long out = group + p * pairBytes;
                for (int r = 0; r < GROUP_ROWS; r++) {
                    long b0 = group + r * rowBytes + 2L * p * block;
                    long b1 = b0 + block;
                    dst.set(SHORT, out + 4L * r, src.get(SHORT, b0));
                    dst.set(SHORT, out + 4L * r + 2, src.get(SHORT, b1));
                    long q = out + SCALE_BYTES + 2L * quants * r;
                    for (int i = 0; i < quants; i += 8) {
                        dst.set(LONG, q + i, src.get(LONG, b0 + 2 + i));
                        dst.set(LONG, q + quants + i, src.get(LONG, b1 + 2 + i));
                    }
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
        int block = t.type().typeSize();
        int quants = quantBytes(t.type());
        long pairBytes = groupPairBytes(t.type());
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
                long in = group + p * pairBytes;
                long q = in + SCALE_BYTES + 2L * quants * k;
                long b0 = row + 2L * p * block;
                long b1 = b0 + block;
                dst.set(SHORT, b0, packed.get(SHORT, in + 4L * k));
                dst.set(SHORT, b1, packed.get(SHORT, in + 4L * k + 2));
                for (int j = 0; j < quants; j += 8) {
                    dst.set(LONG, b0 + 2 + j, packed.get(LONG, q + j));
                    dst.set(LONG, b1 + 2 + j, packed.get(LONG, q + quants + j));
                }
            }
        }
    }
}
