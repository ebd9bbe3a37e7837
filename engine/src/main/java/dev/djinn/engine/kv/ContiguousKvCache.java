package dev.djinn.engine.kv;

import dev.djinn.core.model.KvCache;
import dev.djinn.core.model.LayerRange;
import dev.djinn.core.model.ModelConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A KV cache for one sequence: for each layer of a shard, one off-heap block for keys and one for values,
 * each sized for the whole context. Closing it frees the memory at once.
 */
public final class ContiguousKvCache implements KvCache, AutoCloseable {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena;
    private final KvCacheType type;
    private final int capacity;
    private final int kvDimK;
    private final int kvDimV;
    private final int kvHeads;
    private final int headDimK;
    private final int headDimV;
    private final MemorySegment[] keys;
    private final MemorySegment[] values;

    public ContiguousKvCache(ModelConfig config, LayerRange range, int capacity, KvCacheType type) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("context must be positive, not " + capacity);
        }
        this.arena = Arena.ofShared();
        this.type = type;
        this.capacity = capacity;
        this.kvDimK = config.kvDimK();
        this.kvDimV = config.kvDimV();
        this.kvHeads = config.kvHeads();
        this.headDimK = config.headDimK();
        this.headDimV = config.headDimV();
        this.keys = new MemorySegment[range.size()];
        this.values = new MemorySegment[range.size()];
        try {
            for (int l = 0; l < range.size(); l++) {
                keys[l] = arena.allocate((long) capacity * kvDimK * type.bytesPerValue(), 64);
                values[l] = arena.allocate((long) capacity * kvDimV * type.bytesPerValue(), 64);
            }
        } catch (OutOfMemoryError | IllegalArgumentException e) {
            arena.close();
            throw e;
        }
    }

    /** Bytes this cache needs for the given model, shard and context. */
    public static long bytesFor(ModelConfig config, LayerRange range, int capacity, KvCacheType type) {
        return (long) range.size() * capacity * (config.kvDimK() + config.kvDimV()) * type.bytesPerValue();
    }

    public KvCacheType type() {
        return type;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public boolean halfPrecision() {
        return type == KvCacheType.F16;
    }

    @Override
    public MemorySegment keys(int localLayer) {
        return keys[localLayer];
    }

    @Override
    public MemorySegment values(int localLayer) {
        return values[localLayer];
    }

    @Override
    public void store(int localLayer, int position, float[] k, int kOff, float[] v, int vOff) {
        if (position < 0 || position >= capacity) {
            throw new IndexOutOfBoundsException("position " + position + " outside the context of " + capacity);
        }
        MemorySegment ks = keys[localLayer];
        MemorySegment vs = values[localLayer];
        for (int g = 0; g < kvHeads; g++) {
            long kAt = ((long) g * capacity + position) * headDimK;
            long vAt = ((long) g * capacity + position) * headDimV;
            int kFrom = kOff + g * headDimK;
            int vFrom = vOff + g * headDimV;
            if (type == KvCacheType.F32) {
                MemorySegment.copy(k, kFrom, ks, F32, kAt * 4, headDimK);
                MemorySegment.copy(v, vFrom, vs, F32, vAt * 4, headDimV);
            } else {
                for (int i = 0; i < headDimK; i++) {
                    ks.set(F16, 2 * (kAt + i), Float.floatToFloat16(k[kFrom + i]));
                }
                for (int i = 0; i < headDimV; i++) {
                    vs.set(F16, 2 * (vAt + i), Float.floatToFloat16(v[vFrom + i]));
                }
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
