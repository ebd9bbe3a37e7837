package dev.djinn.core.tokenizer;

import java.util.Arrays;

/** An open-addressing map from long keys to non-negative ints, for the ~280k BPE merge ranks without boxing. */
final class LongIntMap {
    private final long[] keys;
    private final int[] values;
    private final int mask;

    LongIntMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(values, -1);
        mask = capacity - 1;
    }

    /** Stores {@code value} (>= 0) unless the key is already present: the first merge of a pair wins. */
    void putIfAbsent(long key, int value) {
        int i = slot(key);
        while (values[i] >= 0) {
            if (keys[i] == key) {
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** The value for {@code key}, or -1. */
    int get(long key) {
        int i = slot(key);
        while (values[i] >= 0) {
            if (keys[i] == key) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
