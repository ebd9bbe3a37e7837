package dev.djinn.engine.sampling;

/**
 * The last N accepted tokens and how often each occurs in them, applied as llama.cpp's repeat, frequency and
 * presence penalties. Only tokens in the window are touched, so applying costs O(N), not O(vocabulary).
 */
final class PenaltyWindow {
    private final float repeatPenalty;
    private final float frequencyPenalty;
    private final float presencePenalty;
    private final boolean active;
    /** The window in arrival order, oldest overwritten first; empty when the window is the whole history. */
    private final int[] ring;
    private int ringSize;
    private int ringNext;
    private final int[] counts;
    /** The ids with a non-zero count, in no order, so apply need not scan the vocabulary. */
    private final int[] present;
    private int presentSize;
    /** Where each id sits in {@link #present}, for removal in O(1). */
    private final int[] presentSlot;

    PenaltyWindow(SamplingParams params, int vocabSize) {
        repeatPenalty = params.repeatPenalty();
        frequencyPenalty = params.frequencyPenalty();
        presencePenalty = params.presencePenalty();
        active = params.penalising();
        int window = active && params.repeatLastN() > 0 ? params.repeatLastN() : 0;
        int tracked = active ? vocabSize : 0;
        ring = new int[window];
        counts = new int[tracked];
        present = new int[window > 0 ? Math.min(window, tracked) : tracked];
        presentSlot = new int[tracked];
    }

    void accept(int token) {
        if (!active) {
            return;
        }
        if (ring.length > 0) {
            if (ringSize == ring.length) {
                forget(ring[ringNext]);
            } else {
                ringSize++;
            }
            ring[ringNext] = token;
            ringNext = (ringNext + 1) % ring.length;
        }
        if (counts[token]++ == 0) {
            presentSlot[token] = presentSize;
            present[presentSize++] = token;
        }
    }

    private void forget(int token) {
        if (--counts[token] == 0) {
            int last = present[--presentSize];
            present[presentSlot[token]] = last;
            presentSlot[last] = presentSlot[token];
        }
    }

    /** Penalises, in place, every token in the window. */
    void apply(float[] logits) {
        for (int i = 0; i < presentSize; i++) {
            int token = present[i];
            float logit = logits[token];
            // Dividing a negative logit would raise it, so those are multiplied instead (as llama.cpp does).
            logit = logit <= 0 ? logit * repeatPenalty : logit / repeatPenalty;
            logits[token] = logit - (counts[token] * frequencyPenalty + presencePenalty);
        }
    }
}
