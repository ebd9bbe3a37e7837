package dev.djinn.cli.bench;

import dev.djinn.core.kernel.ComputePool;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Measures how fast this machine reads memory: threads sum a large off-heap buffer (far beyond the caches)
 * with vector loads, the way token generation streams weights. The best of a few runs is the ceiling that
 * generation speed is compared with.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
    private static final long CHUNK = 1L << 20;

    private MemoryBandwidth() {
    }

    /** Best read bandwidth in bytes per second over {@code runs} passes over {@code bytes} bytes. */
    public static double measure(int threads, long bytes, int runs) {
        long size = Math.max(CHUNK, bytes / CHUNK * CHUNK);
        int chunks = Math.toIntExact(size / CHUNK);
        long[] sums = new long[chunks];
        try (Arena arena = Arena.ofShared(); ComputePool pool = new ComputePool(threads)) {
            MemorySegment buf = arena.allocate(size, 4096);
            buf.fill((byte) 1); // touch every page before timing: first-touch faults are far slower than reads
            double best = 0;
            for (int r = 0; r < runs + 1; r++) { // the first pass warms up the JIT
                long t0 = System.nanoTime();
                pool.parallelFor(chunks, 1, (from, to) -> {
                    for (int c = from; c < to; c++) {
                        sums[c] = sum(buf, c * CHUNK, CHUNK);
                    }
                });
                long t = System.nanoTime() - t0;
                if (r > 0) {
                    best = Math.max(best, size * 1e9 / t);
                }
            }
            if (sums[chunks - 1] != CHUNK / 8 * 0x0101010101010101L) {
                throw new IllegalStateException("bandwidth buffer read back wrong"); // also keeps the sums alive
            }
            return best;
        }
    }

    private static long sum(MemorySegment seg, long off, long len) {
        int step = SPECIES.vectorByteSize();
        LongVector a = LongVector.zero(SPECIES), b = a, c = a, d = a;
        long end = off + len;
        for (long o = off; o < end; o += 4L * step) {
            a = a.add(LongVector.fromMemorySegment(SPECIES, seg, o, ByteOrder.LITTLE_ENDIAN));
            b = b.add(LongVector.fromMemorySegment(SPECIES, seg, o + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(LongVector.fromMemorySegment(SPECIES, seg, o + 2L * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(LongVector.fromMemorySegment(SPECIES, seg, o + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c.add(d)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
