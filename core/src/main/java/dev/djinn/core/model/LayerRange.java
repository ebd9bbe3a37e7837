package dev.djinn.core.model;

/**
 * The contiguous layers [start, end) one shard runs. The first shard (start 0) also embeds tokens; the last
 * (end == layer count) also applies the final norm and the output head. An empty range passes the hidden
 * state through.
 */
public record LayerRange(int start, int end) {
    public LayerRange {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("invalid layer range [" + start + ", " + end + ")");
        }
    }

    public static LayerRange all(ModelConfig config) {
        return new LayerRange(0, config.layers());
    }

    public int size() {
        return end - start;
    }

    public boolean embeds() {
        return start == 0;
    }

    public boolean producesLogits(ModelConfig config) {
        return end == config.layers();
    }

    public boolean contains(int layer) {
        return layer >= start && layer < end;
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end + ")";
    }
}
