package dev.djinn.engine.sampling;

import java.util.Arrays;

/**
 * Top-p over a whole vocabulary, which top-k has not narrowed: the nucleus can hold thousands of tokens, so
 * instead of sorting guesses of growing size it buckets the probability mass by logit in one pass, and sorts
 * only the tokens of the buckets that reach p. Keeps its buffers from one token to the next.
 */
final class Nucleus {
    /** Buckets are this narrow (in logits) below the maximum; the last one takes everything further down. */
    private static final float BUCKETS_PER_LOGIT = 16;
    private static final int BUCKETS = 512;

    private final double[] bucketMass = new double[BUCKETS];
    private float[] weights = new float[0];
    /** The collected tokens, as keys whose natural order is TopSelection's: best logit first, then lowest id. */
    private long[] keys = new long[0];

    /** Finds the nucleus of {@code logits} for p and returns its size; {@link #id} lists it, best first. */
    int find(float[] logits, float p) {
        int n = logits.length;
        if (weights.length < n) {
            weights = new float[n];
        }
        float max = TopSelection.max(logits);
        Arrays.fill(bucketMass, 0);
        double total = 0;
        for (int i = 0; i < n; i++) {
            float weight = (float) Math.exp(logits[i] - max);
            weights[i] = weight;
            total += weight;
            bucketMass[bucket(logits[i], max)] += weight;
        }
        double target = p * total;
        int lastBucket = 0;
        double mass = bucketMass[0];
        while (mass < target && lastBucket < BUCKETS - 1) {
            mass += bucketMass[++lastBucket];
        }
        int kept = collectAndCut(logits, max, lastBucket, total, p);
        // Summing in another order can round the bucket walk just past p: then look at every bucket.
        return kept > 0 ? kept : collectAndCut(logits, max, BUCKETS - 1, total, p);
    }

    int id(int i) {
        return (int) keys[i];
    }

    /** Sorts the tokens of buckets up to lastBucket and returns how many reach p, 0 if none do. */
    private int collectAndCut(float[] logits, float max, int lastBucket, double total, float p) {
        int count = 0;
        for (int i = 0; i < logits.length; i++) {
            if (bucket(logits[i], max) <= lastBucket) {
                if (count == keys.length) {
                    keys = Arrays.copyOf(keys, Math.max(1024, Math.min(logits.length, 2 * count)));
                }
                keys[count++] = key(logits[i], i);
            }
        }
        Arrays.sort(keys, 0, count);
        double cumulative = 0;
        for (int i = 0; i < count; i++) {
            cumulative += weights[id(i)] / total;
            if (cumulative >= p) {
                return i + 1;
            }
        }
        // Everything was collected, and rounding kept the sum of all probabilities under p: keep it all.
        return lastBucket == BUCKETS - 1 ? count : 0;
    }

    private static int bucket(float logit, float max) {
        return (int) Math.min(BUCKETS - 1, (max - logit) * BUCKETS_PER_LOGIT);
    }

    /** Higher logits give lower keys, and equal logits order by id. */
    private static long key(float logit, int id) {
        int bits = Float.floatToIntBits(logit + 0.0f); // + 0 makes -0 and 0 one key, as they compare equal
        int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ascending << 32) | id;
    }
}
