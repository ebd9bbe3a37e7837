package dev.djinn.core.model;

import java.lang.foreign.MemorySegment;

/**
 * Key and value storage for one sequence on one shard. For each of the shard's layers (indexed from 0 at the
 * shard's first layer) keys are laid out as [kvHead][position][headDimK] and values as
 * [kvHead][position][headDimV] (positions up to {@link #capacity()}), in F32 or F16. Attention reads the
 * segments directly; head-major, one head's keys for every position are one contiguous run, which attention
 * streams through instead of jumping a whole position's row for every head.
 */
public interface KvCache {
    /** Positions this cache can hold. */
    int capacity();

    /** True when entries are stored as F16, false for F32. */
    boolean halfPrecision();

    MemorySegment keys(int localLayer);

    MemorySegment values(int localLayer);

    /** Stores the key and value rows of one position (converting to the storage precision). */
    void store(int localLayer, int position, float[] k, int kOff, float[] v, int vOff);
}
