package dev.djinn.core.tokenizer;

/**
 * An open-addressing map from strings to ints that can also look up a region of a string, or a string with one
 * character left out, without building the key: the vocabulary is probed ~10^6 times while merges load.
 */
final class StringIntMap {
    private final String[] keys;
    private final int[] values;
    private final int mask;

    StringIntMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new String[capacity];
        values = new int[capacity];
        mask = capacity - 1;
    }

    /** Maps {@code key} to {@code value}, replacing an earlier value. */
    void put(String key, int value) {
        int i = slot(key.hashCode());
        while (keys[i] != null && !keys[i].equals(key)) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** The value of {@code key}, or -1. */
    int get(String key) {
        int i = slot(key.hashCode());
        for (String k; (k = keys[i]) != null; i = (i + 1) & mask) {
            if (k.equals(key)) {
                return values[i];
            }
        }
        return -1;
    }

    /** The value of {@code s.substring(from, to)}, or -1. */
    int get(String s, int from, int to) {
        int h = 0;
        for (int j = from; j < to; j++) {
            h = 31 * h + s.charAt(j); // String.hashCode over the region
        }
        int len = to - from;
        for (int i = slot(h); keys[i] != null; i = (i + 1) & mask) {
            String k = keys[i];
            if (k.length() == len && k.regionMatches(0, s, from, len)) {
                return values[i];
            }
        }
        return -1;
    }

    /** The value of {@code s} without its character at {@code skip}, or -1. */
    int getSkipping(String s, int skip) {
        int h = 0;
        for (int j = 0; j < s.length(); j++) {
            if (j != skip) {
                h = 31 * h + s.charAt(j);
            }
        }
        int len = s.length() - 1;
        for (int i = slot(h); keys[i] != null; i = (i + 1) & mask) {
            String k = keys[i];
            if (k.length() == len && k.regionMatches(0, s, 0, skip) && k.regionMatches(skip, s, skip + 1, len - skip)) {
                return values[i];
            }
        }
        return -1;
    }

    private int slot(int hash) {
        return (hash ^ (hash >>> 16)) * 0x9E3779B9 >>> 1 & mask;
    }
}
