package dev.djinn.core.model;

import java.util.Arrays;

/**
 * The tokens of one forward pass. Each row is one token of some sequence at some position, with that
 * sequence's KV cache, so a batch can hold a prompt's tokens, or the next token of many sequences
 * (continuous batching), or both. Rows of one sequence must be in position order. Reused between passes.
 */
public final class Batch {
    private final int capacity;
    private final int[] tokens;
    private final int[] positions;
    private final KvCache[] caches;
    private final boolean[] wantLogits;
    private final boolean[] prompt;
    private int size;
    private int logitRows;

    public Batch(int capacity) {
        this.capacity = capacity;
        this.tokens = new int[capacity];
        this.positions = new int[capacity];
        this.caches = new KvCache[capacity];
        this.wantLogits = new boolean[capacity];
        this.prompt = new boolean[capacity];
    }

    public Batch clear() {
        Arrays.fill(caches, 0, size, null);
        size = 0;
        logitRows = 0;
        return this;
    }

    /** Adds a generated-token row; see {@link #add(int, int, KvCache, boolean, boolean)}. */
    public Batch add(int token, int position, KvCache cache, boolean logits) {
        return add(token, position, cache, logits, false);
    }

    /**
     * Adds a row; {@code token} is ignored by shards that receive hidden states instead of tokens.
     * {@code promptRow} marks a prompt token: prompt rows go through the matrix-matrix kernels, generated
     * tokens through the matrix-vector ones, whatever else shares the batch, so a sequence's numbers never
     * depend on how it was batched.
     */
    public Batch add(int token, int position, KvCache cache, boolean logits, boolean promptRow) {
        if (size == capacity) {
            throw new IllegalStateException("batch is full (" + capacity + " rows)");
        }
        if (position < 0 || position >= cache.capacity()) {
            throw new IllegalArgumentException("position " + position + " is outside the context of "
                    + cache.capacity());
        }
        tokens[size] = token;
        positions[size] = position;
        caches[size] = cache;
        wantLogits[size] = logits;
        prompt[size] = promptRow;
        if (logits) {
            logitRows++;
        }
        size++;
        return this;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public int token(int row) {
        return tokens[row];
    }

    public int position(int row) {
        return positions[row];
    }

    public KvCache cache(int row) {
        return caches[row];
    }

    public boolean isPrompt(int row) {
        return prompt[row];
    }

    /** The prompt flags of the rows, for the matrix multiplies (do not modify). */
    public boolean[] promptFlags() {
        return prompt;
    }

    public boolean wantsLogits(int row) {
        return wantLogits[row];
    }

    /** Number of rows that want logits; their logits come out packed in row order. */
    public int logitRows() {
        return logitRows;
    }
}
