package dev.djinn.engine.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The tokens still in the running while the truncation steps narrow them down, with buffers kept across
 * tokens so that sampling allocates nothing once they have grown.
 *
 * <p>It starts as the whole vocabulary without copying it. Top-k, and top-p when top-k is off, turn it into
 * a prefix of the vocabulary sorted best first (see {@link TopSelection} for the order); min-p cuts that
 * prefix, or, when nothing ran before it, filters the vocabulary into an unsorted set. The steps must run in
 * llama.cpp's order: {@link #topK}, {@link #topP}, {@link #minP}, then {@link #draw}.
 */
final class Candidates {
    private float[] vocab = new float[0];
    private boolean wholeVocab;
    private int size;
    private int[] ids = new int[0];
    private float[] logits = new float[0];
    private double[] weights = new double[0];
    private final Nucleus nucleus = new Nucleus();

    /** Starts over with every token of {@code vocabLogits}, which it reads until the next reset. */
    void reset(float[] vocabLogits) {
        vocab = vocabLogits;
        wholeVocab = true;
        size = vocabLogits.length;
    }

    int size() {
        return size;
    }

    /** The id of the i-th candidate: best first unless only min-p filtered the whole vocabulary. */
    int id(int i) {
        return wholeVocab ? i : ids[i];
    }

    /** Keeps the k most likely tokens; k at least the vocabulary size keeps them all. */
    void topK(int k) {
        if (k >= vocab.length) {
            return;
        }
        ensureCapacity(k);
        size = TopSelection.select(vocab, k, ids, logits);
        wholeVocab = false;
    }

    /** Keeps the fewest most likely tokens whose probabilities (at temperature 1) add up to at least p. */
    void topP(float p) {
        if (wholeVocab) {
            takeNucleusOfVocab(p);
            return;
        }
        ensureWeights(size);
        double total = 0;
        for (int i = 0; i < size; i++) {
            weights[i] = Math.exp(logits[i] - logits[0]);
            total += weights[i];
        }
        double cumulative = 0;
        for (int i = 0; i < size; i++) {
            cumulative += weights[i] / total;
            if (cumulative >= p) {
                size = i + 1;
                return;
            }
        }
        // Rounding kept the sum of all probabilities just under p: everything stays.
    }

    private void takeNucleusOfVocab(float p) {
        size = nucleus.find(vocab, p);
        ensureCapacity(size);
        for (int i = 0; i < size; i++) {
            ids[i] = nucleus.id(i);
            logits[i] = vocab[ids[i]];
        }
        wholeVocab = false;
    }

    /** Keeps the tokens at least p times as likely as the most likely one. */
    void minP(float p) {
        if (!wholeVocab) {
            float threshold = logits[0] + (float) Math.log(p);
            int kept = 1;
            while (kept < size && logits[kept] >= threshold) {
                kept++;
            }
            size = kept;
            return;
        }
        float threshold = TopSelection.max(vocab) + (float) Math.log(p);
        int kept = 0;
        for (int i = 0; i < vocab.length; i++) {
            if (vocab[i] >= threshold) {
                ensureCapacity(kept + 1);
                ids[kept] = i;
                logits[kept] = vocab[i];
                kept++;
            }
        }
        size = kept;
        wholeVocab = false;
    }

    /** Picks one candidate at random, each with its softmax probability after dividing logits by temperature. */
    int draw(float temperature, RandomGenerator random) {
        float[] values = wholeVocab ? vocab : logits;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, values[i]);
        }
        ensureWeights(size);
        double total = 0;
        for (int i = 0; i < size; i++) {
            double weight = Math.exp((values[i] - max) / temperature);
            weights[i] = weight;
            total += weight;
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < size; i++) {
            cumulative += weights[i];
            // Summed in the same order as total, so some token passes any target below it.
            if (cumulative > target) {
                return id(i);
            }
        }
        // Only when every logit is -infinity (total is NaN): nothing is likelier than anything else.
        return id(0);
    }

    private void ensureCapacity(int n) {
        if (ids.length < n) {
            int capacity = (int) Math.min(vocab.length, Math.max(n, 2L * ids.length));
            ids = Arrays.copyOf(ids, capacity);
            logits = Arrays.copyOf(logits, capacity);
        }
    }

    private void ensureWeights(int n) {
        if (weights.length < n) {
            weights = new double[n];
        }
    }
}
