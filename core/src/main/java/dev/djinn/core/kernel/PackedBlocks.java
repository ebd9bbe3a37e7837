package dev.djinn.core.kernel;

import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Q4_0, Q8_0, Q4_K and Q6_K weights repacked for the matrix-vector kernels, as llama.cpp repacks them for its
 * CPU kernels: rows in groups of four, and each group as two row pairs (rows 0-1, then rows 2-3), each pair all
 * its blocks in turn, so that a kernel reading one pair (two rows a call) streams through one contiguous run of
 * memory (for Q6_K, reading the two pairs interleaved instead halved the speed of a matrix streamed from memory).
 *
 * <p>Q4_0 and Q8_0: the pair's run is made of units of {@link #unitBlocks} blocks (a pair of blocks for Q4_0,
 * whose 64 nibbles per row one 256-bit load reads; one block for Q8_0), each unit ({@link #unitBytes}: 80 bytes
 * for Q4_0, 72 for Q8_0) the scales as floats (row 0's, then row 1's; exact conversions of the half-precision
 * ones) followed by each row's quant bytes (row 0's blocks, then row 1's). One vector load then reads a row's
 * block quants without the scale in the way, and the scales of both rows lie together, where the GGUF layout
 * (a scale before every block) needs blends or unaligned loads and two scalar conversions per row and pair.
 * Converting the halves once here rather than in every kernel pass made the Q4_0 matrix-vector kernel about
 * 15% faster for 11% more bytes (80 per 72: the kernel is bound by arithmetic, not by memory); Q8_0's units
 * are one block so that its kernel, a block a step, walks them at a constant stride (C2 then hoists most of
 * the bounds checks out of its loop), for 6% more bytes (72 per 68). Q4_0 row pairs do not lie run after run
 * but four at a time interleaved ({@link #q4_0Run}): unit 0 of pairs 0-3 (rows 0-7, two groups), then unit 1
 * of each, and so on, because its 512-bit kernel reads four pairs at once and one stream of memory kept
 * generation fed better than four (1B Q4_0 tg64 40.8-43.8 against 36.1-38.1 t/s).
 *
 * <p>Q4_K, per pair and super-block
 * ({@value #Q4_K_PAIR_BLOCK_BYTES} bytes): the two rows' d and dmin as floats (d0, dmin0, d1, dmin1), then per
 * row the eight 6-bit scales and eight 6-bit mins unpacked to a byte each, then per row the 128 quant bytes
 * reordered so that each 32-bit lane of a 32-byte run holds values 4L..4L+3 of the run's first sub-block in
 * its low 16 bits and the same of its second sub-block in its high 16 bits (nibble k at bit 4k): ggml's
 * integer lane L, pulled out by four shifts and one mask. 5.6% larger than the GGUF bytes, which unpacking
 * gives back exactly. Q6_K, per pair and super-block ({@value #Q6_K_PAIR_BLOCK_BYTES} bytes): the two rows'
 * d as floats, then per row the sixteen scales, then per row the 256 six-bit values less 32 (signed, -32..31)
 * a byte each in value order: an arithmetic shift of a 16-bit lane gives its high byte, so two loads a byte
 * apart give every value with one shift, where the GGUF layout spreads each value over two arrays. 31% larger
 * than the GGUF bytes; unpacking gives them back exactly.
 *
 * <p>Only whole groups are packed: rows past the last multiple of four stay in the GGUF layout, and Q4_0/Q8_0
 * matrices whose rows are not whole pairs of blocks (a multiple of 64 values) are not packed.
 *
 * <p>Where the kernels keep every Q4_0 row in ggml's per-block arithmetic (512 bits), Q4_0 takes the row-lane
 * layout of {@link #packRowLanes} instead.
 */
public final class PackedBlocks {
    static final int GROUP_ROWS = 4;
    static final int PAIR_VALUES = 64;
    /** Q4_0: the four scales (as floats) at the start of each unit (a row pair's pair of blocks). */
    static final long SCALE_BYTES = 16;
    /** Q4_K: bytes per row pair and super-block, and where the scales and quants start in them. */
    static final long Q4_K_PAIR_BLOCK_BYTES = 2 * 8 + 2 * 16 + 2 * 128;
    static final long Q4_K_SCALES = 2 * 8;
    static final long Q4_K_QUANTS = 2 * 8 + 2 * 16;
    /** Q6_K: bytes per row pair and super-block, and where the scales and values start in them. */
    static final long Q6_K_PAIR_BLOCK_BYTES = 2 * 4 + 2 * 16 + 2 * 256;
    static final long Q6_K_SCALES = 2 * 4;
    static final long Q6_K_QUANTS = 2 * 4 + 2 * 16;

    /**
     * K-quants: where super-block {@code b} of the row pair holding row {@code k} (0-3) of the group at {@code
     * groupOff} starts, for rows of {@code blocks} super-blocks; the row is the pair's {@code k % 2}.
     */
    static long kPairBlock(long groupOff, long pairBlockBytes, int blocks, int k, int b) {
        return groupOff + (k / 2) * blocks * pairBlockBytes + b * pairBlockBytes;
    }

    private static final java.nio.ByteOrder LE = java.nio.ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final long LOW_NIBBLES = 0x0f0f0f0f0f0f0f0fL;
    private static final long TWO_BITS = 0x0303030303030303L;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private PackedBlocks() {
    }

    /** Off with {@code -Ddjinn.pack=false}: every kernel then reads the GGUF layout (for comparisons). */
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("djinn.pack", "true"));

    /** Whether a matrix of this type and shape is packed. */
    public static boolean packable(Tensor t) {
        return ENABLED && t.rows() >= GROUP_ROWS && switch (t.type()) {
            case Q4_0, Q8_0 -> t.cols() % PAIR_VALUES == 0;
            case Q4_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Rows in whole groups: the ones the packed copy holds. */
    public static int packedRows(Tensor t) {
        return t.rows() / GROUP_ROWS * GROUP_ROWS;
    }

    /** Bytes from one group of rows to the next in {@code t}'s packed copy. */
    static long groupBytes(Tensor t) {
        return switch (t.type()) {
            case Q4_K -> t.cols() / 256 * 2 * Q4_K_PAIR_BLOCK_BYTES;
            case Q6_K -> t.cols() / 256 * 2 * Q6_K_PAIR_BLOCK_BYTES;
            default -> t.cols() / PAIR_VALUES * 2 * pairBlockBytes(t.type());
        };
    }

    /** Quant bytes of one block: 16 for Q4_0, 32 for Q8_0. */
    static int quantBytes(GgmlType type) {
        return type.typeSize() - 2;
    }

    /** Q4_0/Q8_0: blocks per unit of a row pair's run: two for Q4_0, one for Q8_0. */
    static int unitBlocks(GgmlType type) {
        return type == GgmlType.Q4_0 ? 2 : 1;
    }

    /** Q4_0/Q8_0: bytes of the scales at the start of a unit: a float per row and block. */
    static long unitScaleBytes(GgmlType type) {
        return 2 * 4L * unitBlocks(type);
    }

    /** Q4_0/Q8_0: bytes per row pair and unit: 80 for Q4_0, 72 for Q8_0. */
    static long unitBytes(GgmlType type) {
        return unitScaleBytes(type) + 2L * unitBlocks(type) * quantBytes(type);
    }

    /** Q4_0/Q8_0: bytes per row pair and 64 values: 80 for Q4_0, 144 for Q8_0. */
    static long pairBlockBytes(GgmlType type) {
        return unitBytes(type) * 2 / unitBlocks(type);
    }

    /**
     * Q8_0: where unit {@code u} of the row pair holding row {@code k} (0-3) of the group at {@code groupOff}
     * starts, for rows of {@code units} units; the row is the pair's {@code k % 2}. (Q4_0: {@link #q4_0Run}.)
     */
    static long unit(GgmlType type, long groupOff, int units, int k, int u) {
        return groupOff + (k / 2) * units * unitBytes(type) + u * unitBytes(type);
    }

    /** Q4_0: row pairs whose units lie side by side, unit after unit (the last block of a matrix may hold two). */
    static final int Q4_0_INTERLEAVED_PAIRS = 4;

    /**
     * Q4_0: where the first unit of row pair {@code pair} (rows 2 pair and 2 pair + 1) of {@code t}'s packed copy
     * starts. Pairs come in blocks of {@link #Q4_0_INTERLEAVED_PAIRS} (two groups) whose units interleave: unit
     * 0 of each pair, then unit 1 of each, and so on, so that a kernel reading a block's four pairs at once
     * reads one stream of memory ({@link #q4_0Stride} from one unit of a pair to its next).
     */
    static long q4_0Run(Tensor t, int pair) {
        long runBytes = (long) (t.cols() / PAIR_VALUES) * unitBytes(GgmlType.Q4_0);
        int block = pair / Q4_0_INTERLEAVED_PAIRS;
        return block * Q4_0_INTERLEAVED_PAIRS * runBytes + (pair % Q4_0_INTERLEAVED_PAIRS) * unitBytes(GgmlType.Q4_0);
    }

    /** Q4_0: bytes from one unit of row pair {@code pair} to its next (see {@link #q4_0Run}). */
    static long q4_0Stride(Tensor t, int pair) {
        int pairs = packedRows(t) / 2;
        int first = pair / Q4_0_INTERLEAVED_PAIRS * Q4_0_INTERLEAVED_PAIRS;
        return Math.min(Q4_0_INTERLEAVED_PAIRS, pairs - first) * unitBytes(GgmlType.Q4_0);
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
        MemorySegment dst = NativeMemory.allocate(groups * groupBytes(t));
        pool.parallelFor(groups, 16, (from, to) -> {
            switch (t.type()) {
                case Q4_K, Q6_K -> packKQuantGroups(t, dst, from, to);
                default -> packGroups(t, dst, from, to);
            }
        });
        if (releaseMapping && t.data().isReadOnly()) {
            NativeMemory.releaseMapped(t.data());
        }
        return dst;
    }

    /** Q4_0 row lanes: rows per quad, the unit of {@link #packRowLanes}. */
    public static final int QUAD_ROWS = 64;
    /** Q4_0 row lanes: bytes per quad and block (64 rows x 18 bytes, as in the file). */
    static final long LANE_BLOCK_BYTES = 1152;
    /** Q4_0 row lanes: where a quad's block holds its scales (after four 256-byte runs of quant words). */
    static final long LANE_SCALES = 1024;

    /** Whether {@code t} can take the row-lane layout: Q4_0 with at least one whole quad of rows. */
    public static boolean rowLanesPackable(Tensor t) {
        return ENABLED && t.type() == GgmlType.Q4_0 && t.rows() >= QUAD_ROWS;
    }

    /** Rows the row-lane copy holds: whole quads; the rest stay in the GGUF layout. */
    public static int laneRows(Tensor t) {
        return t.rows() / QUAD_ROWS * QUAD_ROWS;
    }

    /** Bytes from one quad of rows to the next in the row-lane copy. */
    static long quadBytes(Tensor t) {
        return t.cols() / 32 * LANE_BLOCK_BYTES;
    }

    /**
     * Q4_0 weights with rows in the lanes of 512-bit vectors, for kernels that keep ggml's arithmetic per row
     * (each block's exact integer dot product, then {@code sum = fma(dot, dw * dx, sum)} block by block) in one
     * and many activation rows alike. Rows come in quads of 64 (four groups of sixteen); per quad and block,
     * {@value #LANE_BLOCK_BYTES} bytes: four runs t = 0..3 of 256 bytes, each the four groups' 64 bytes, which
     * hold the group's sixteen rows' quant bytes 4t..4t+3 (GGUF order: byte j has value j in its low nibble and
     * value j + 16 in its high one) as one 32-bit lane per row; then the four groups' sixteen scales as
     * half-precision bits, as in the file (as floats the copy was 11% larger than the file, and generation,
     * bound by memory, that much slower).
     * A 512-bit load then takes one 32-bit lane of nibbles for each of sixteen rows, and a matrix-vector pass
     * over a quad reads one stream in address order (the order mattered: reading the scales before the
     * nibbles, or the groups one after another, was 20-50% slower on a matrix streamed from memory).
     */
    public static MemorySegment packRowLanes(Tensor t, ComputePool pool, boolean releaseMapping) {
        if (!rowLanesPackable(t)) {
            throw new IllegalArgumentException(t + " cannot take the row-lane layout");
        }
        int quads = t.rows() / QUAD_ROWS;
        long quadBytes = quadBytes(t);
        MemorySegment dst = NativeMemory.allocate(quads * quadBytes);
        MemorySegment src = t.data();
        long rowBytes = t.rowBytes();
        int blocks = t.cols() / 32;
        pool.parallelFor(quads, 1, (from, to) -> {
            for (int q = from; q < to; q++) {
                for (int r = 0; r < QUAD_ROWS; r++) {
                    int g = r / 16;
                    int i = r % 16;
                    long row = (q * QUAD_ROWS + r) * rowBytes;
                    for (int b = 0; b < blocks; b++) {
                        long blk = row + 18L * b;
                        long out = q * quadBytes + b * LANE_BLOCK_BYTES;
                        dst.set(SHORT, out + LANE_SCALES + 32L * g + 2L * i, src.get(SHORT, blk));
                        for (int w = 0; w < 4; w++) {
                            dst.set(INT, out + 256L * w + 64L * g + 4L * i, src.get(INT, blk + 2 + 4L * w));
                        }
                    }
                }
            }
        });
        if (releaseMapping && t.data().isReadOnly()) {
            NativeMemory.releaseMapped(t.data());
        }
        return dst;
    }

    private static void packGroups(Tensor t, MemorySegment dst, int from, int to) {
        GgmlType type = t.type();
        long rowBytes = t.rowBytes();
        int unitBlocks = unitBlocks(type);
        int units = t.cols() / 32 / unitBlocks;
        int block = type.typeSize();
        int quants = quantBytes(type);
        long groupBytes = groupBytes(t);
        MemorySegment src = t.data();
        for (int g = from; g < to; g++) {
            long group = g * groupBytes;
            long rows = g * GROUP_ROWS * rowBytes;
            for (int u = 0; u < units; u++) {
                for (int r = 0; r < GROUP_ROWS; r++) {
                    int pair = g * GROUP_ROWS / 2 + r / 2;
                    long out = type == GgmlType.Q4_0 ? q4_0Run(t, pair) + u * q4_0Stride(t, pair)
                            : unit(type, group, units, r, u);
                    int j = r % 2;
                    for (int i = 0; i < unitBlocks; i++) {
                        long blk = rows + r * rowBytes + (long) (u * unitBlocks + i) * block;
                        // half to float is exact, and float back to half gives the same bits (unpack)
                        dst.set(FLOAT, out + 4L * (unitBlocks * j + i), Float.float16ToFloat(src.get(SHORT, blk)));
                        copyQuants(src, blk + 2, dst, out + unitScaleBytes(type) + (long) quants * (unitBlocks * j + i),
                                quants);
                    }
                }
            }
        }
    }

    /** A block's quant bytes, eight at a time (for 16 or 32 bytes, MemorySegment.copy's checks cost more). */
    private static void copyQuants(MemorySegment src, long from, MemorySegment dst, long to, int bytes) {
        for (int i = 0; i < bytes; i += 8) {
            dst.set(LONG, to + i, src.get(LONG, from + i));
        }
    }

    /** Q4_K and Q6_K: every row and super-block of groups [from, to) into its row pair's run. */
    private static void packKQuantGroups(Tensor t, MemorySegment dst, int from, int to) {
        boolean q4k = t.type() == GgmlType.Q4_K;
        long pairBlockBytes = q4k ? Q4_K_PAIR_BLOCK_BYTES : Q6_K_PAIR_BLOCK_BYTES;
        long rowBytes = t.rowBytes();
        long groupBytes = groupBytes(t);
        int blockBytes = t.type().typeSize();
        int blocks = t.cols() / 256;
        MemorySegment src = t.data();
        for (int g = from; g < to; g++) {
            for (int r = 0; r < GROUP_ROWS; r++) {
                for (int b = 0; b < blocks; b++) {
                    long out = kPairBlock(g * groupBytes, pairBlockBytes, blocks, r, b);
                    long blk = (g * GROUP_ROWS + r) * rowBytes + (long) blockBytes * b;
                    if (q4k) {
                        packQ4_KBlock(src, blk, dst, out, r % 2);
                    } else {
                        packQ6_KBlock(src, blk, dst, out, r % 2);
                    }
                }
            }
        }
    }

    /** One Q4_K super-block at {@code blk} as row {@code j} (0 or 1) of the pair block at {@code out}. */
    private static void packQ4_KBlock(MemorySegment src, long blk, MemorySegment dst, long out, int j) {
        dst.set(FLOAT, out + 8L * j, Float.float16ToFloat(src.get(SHORT, blk)));
        dst.set(FLOAT, out + 8L * j + 4, Float.float16ToFloat(src.get(SHORT, blk + 2)));
        // ggml's get_scale_min_k4: eight 6-bit scales and eight 6-bit mins in twelve bytes
        int u0 = src.get(INT, blk + 4);
        int u1 = src.get(INT, blk + 8);
        int u2 = src.get(INT, blk + 12);
        long sc = out + Q4_K_SCALES + 16L * j;
        dst.set(INT, sc, u0 & 0x3f3f3f3f);
        dst.set(INT, sc + 4, (u2 & 0x0f0f0f0f) | ((u0 >>> 2) & 0x30303030));
        dst.set(INT, sc + 8, u1 & 0x3f3f3f3f);
        dst.set(INT, sc + 12, ((u2 >>> 4) & 0x0f0f0f0f) | ((u1 >>> 2) & 0x30303030));
        long q = out + Q4_K_QUANTS + 128L * j;
        for (int i = 0; i < 128; i += 4) {
            int u = src.get(INT, blk + 16 + i);
            dst.set(INT, q + i, nibbles(u & 0x0f0f0f0f) | nibbles((u >>> 4) & 0x0f0f0f0f) << 16);
        }
    }

    /** One Q6_K super-block at {@code blk} as row {@code j} (0 or 1) of the pair block at {@code out}. */
    private static void packQ6_KBlock(MemorySegment src, long blk, MemorySegment dst, long out, int j) {
        dst.set(FLOAT, out + 4L * j, Float.float16ToFloat(src.get(SHORT, blk + 208)));
        MemorySegment.copy(src, blk + 192, dst, out + Q6_K_SCALES + 16L * j, 16);
        long q = out + Q6_K_QUANTS + 256L * j;
        // ggml's dequantize_row_q6_K: per half, value l, l + 32, l + 64, l + 96 from ql[l], ql[l + 32]
        // (low, then high nibbles) and two bits each of qh[l]
        // (eight bytes at a time: the masks keep every shift inside its byte)
        for (int half = 0; half < 2; half++) {
            long ql = blk + 64L * half;
            long qh = blk + 128 + 32L * half;
            for (int l = 0; l < 32; l += 8) {
                long lo = src.get(LONG, ql + l);
                long lo2 = src.get(LONG, ql + 32 + l);
                long hi = src.get(LONG, qh + l);
                long v = q + 128L * half + l;
                dst.set(LONG, v, signedBytes((lo & LOW_NIBBLES) | (hi & TWO_BITS) << 4));
                dst.set(LONG, v + 32, signedBytes((lo2 & LOW_NIBBLES) | (hi >>> 2 & TWO_BITS) << 4));
                dst.set(LONG, v + 64, signedBytes((lo >>> 4 & LOW_NIBBLES) | (hi >>> 4 & TWO_BITS) << 4));
                dst.set(LONG, v + 96, signedBytes((lo2 >>> 4 & LOW_NIBBLES) | (hi >>> 6 & TWO_BITS) << 4));
            }
        }
    }

    /** The inverse of {@link #packQ6_KBlock}, for every super-block of row {@code k} of the group at {@code group}, into {@code row}. */
    private static void unpackQ6_KRow(Tensor t, long group, int k, MemorySegment dst, long row) {
        MemorySegment packed = t.packed();
        int blocks = t.cols() / 256;
        for (int b = 0; b < blocks; b++) {
            long in = kPairBlock(group, Q6_K_PAIR_BLOCK_BYTES, blocks, k, b);
            int j = k % 2;
            long blk = row + 210L * b;
            dst.set(SHORT, blk + 208, Float.floatToFloat16(packed.get(FLOAT, in + 4L * j)));
            MemorySegment.copy(packed, in + Q6_K_SCALES + 16L * j, dst, blk + 192, 16);
            long q = in + Q6_K_QUANTS + 256L * j;
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l += 8) {
                    long v = q + 128L * half + l;
                    long q1 = unsignedBytes(packed.get(LONG, v));
                    long q2 = unsignedBytes(packed.get(LONG, v + 32));
                    long q3 = unsignedBytes(packed.get(LONG, v + 64));
                    long q4 = unsignedBytes(packed.get(LONG, v + 96));
                    dst.set(LONG, blk + 64L * half + l, (q1 & LOW_NIBBLES) | (q3 & LOW_NIBBLES) << 4);
                    dst.set(LONG, blk + 64L * half + 32 + l, (q2 & LOW_NIBBLES) | (q4 & LOW_NIBBLES) << 4);
                    dst.set(LONG, blk + 128 + 32L * half + l, (q1 >>> 4 & TWO_BITS) | (q2 >>> 4 & TWO_BITS) << 2
                            | (q3 >>> 4 & TWO_BITS) << 4 | (q4 >>> 4 & TWO_BITS) << 6);
                }
            }
        }
    }

    private static final long HIGH_BITS = 0x8080808080808080L;

    /**
     * Eight Q6_K values (q, 0..63, a byte each) as q - 32 in signed bytes, each byte on its own: the low seven
     * bits of q + 0x60 never carry out of the byte, and flipping the top bit adds the remaining 0x80.
     */
    static long signedBytes(long q) {
        return (q + 0x6060606060606060L) ^ HIGH_BITS;
    }

    /** The inverse of {@link #signedBytes}: signed q - 32 back to q, each byte on its own. */
    static long unsignedBytes(long s) {
        return ((s & ~HIGH_BITS) + 0x2020202020202020L) ^ (s & HIGH_BITS);
    }

    /** The four nibbles at bits 0, 8, 16 and 24 of {@code n} (the rest zero) moved to bits 0, 4, 8 and 12. */
    private static int nibbles(int n) {
        int pairs = (n | n >>> 4) & 0x00ff00ff;
        return (pairs | pairs >>> 8) & 0xffff;
    }

    /** The inverse of {@link #nibbles}: nibbles at bits 0, 4, 8 and 12 to bits 0, 8, 16 and 24. */
    private static int spread(int n) {
        int pairs = (n | n << 8) & 0x00ff00ff;
        return (pairs | pairs << 4) & 0x0f0f0f0f;
    }

    /** The inverse of {@link #packQ4_KBlock}, for every super-block of row {@code k} of the group at {@code group}, into {@code row}. */
    private static void unpackQ4_KRow(Tensor t, long group, int k, MemorySegment dst, long row) {
        MemorySegment packed = t.packed();
        int blocks = t.cols() / 256;
        for (int b = 0; b < blocks; b++) {
            long in = kPairBlock(group, Q4_K_PAIR_BLOCK_BYTES, blocks, k, b);
            int j = k % 2;
            long blk = row + 144L * b;
            dst.set(SHORT, blk, Float.floatToFloat16(packed.get(FLOAT, in + 8L * j)));
            dst.set(SHORT, blk + 2, Float.floatToFloat16(packed.get(FLOAT, in + 8L * j + 4)));
            long sc = in + Q4_K_SCALES + 16L * j;
            int scLo = packed.get(INT, sc);
            int scHi = packed.get(INT, sc + 4);
            int mLo = packed.get(INT, sc + 8);
            int mHi = packed.get(INT, sc + 12);
            dst.set(INT, blk + 4, scLo | ((scHi & 0x30303030) << 2));
            dst.set(INT, blk + 8, mLo | ((mHi & 0x30303030) << 2));
            dst.set(INT, blk + 12, (scHi & 0x0f0f0f0f) | ((mHi & 0x0f0f0f0f) << 4));
            long q = in + Q4_K_QUANTS + 128L * j;
            for (int i = 0; i < 128; i += 4) {
                int word = packed.get(INT, q + i);
                dst.set(INT, blk + 16 + i, spread(word & 0xffff) | spread(word >>> 16) << 4);
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
        GgmlType type = t.type();
        long rowBytes = t.rowBytes();
        int block = type.typeSize();
        int quants = quantBytes(type);
        int packedRows = packedRows(t);
        for (int i = 0; i < rows; i++) {
            int r = from + i;
            long row = i * rowBytes;
            if (r >= packedRows) {
                MemorySegment.copy(t.data(), r * rowBytes, dst, row, rowBytes);
                continue;
            }
            long group = (r / GROUP_ROWS) * groupBytes(t);
            int k = r % GROUP_ROWS;
            if (type == GgmlType.Q4_K) {
                unpackQ4_KRow(t, group, k, dst, row);
                continue;
            }
            if (type == GgmlType.Q6_K) {
                unpackQ6_KRow(t, group, k, dst, row);
                continue;
            }
            int unitBlocks = unitBlocks(type);
            int units = t.cols() / 32 / unitBlocks;
            int j = k % 2;
            for (int u = 0; u < units; u++) {
                long in = type == GgmlType.Q4_0 ? q4_0Run(t, r / 2) + u * q4_0Stride(t, r / 2)
                        : unit(type, group, units, k, u);
                for (int b = 0; b < unitBlocks; b++) {
                    long blk = row + (long) (u * unitBlocks + b) * block;
                    dst.set(SHORT, blk, Float.floatToFloat16(packed.get(FLOAT, in + 4L * (unitBlocks * j + b))));
                    copyQuants(packed, in + unitScaleBytes(type) + (long) quants * (unitBlocks * j + b), dst, blk + 2,
                            quants);
                }
            }
        }
    }
}
