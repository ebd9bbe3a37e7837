package dev.djinn.engine.sampling;

/**
 * Finds the largest logits without sorting the vocabulary: sampling runs once per token over up to 256k
 * entries, and only a few dozen of them matter.
 *
 * <p>Everything here orders tokens by logit, highest first, and breaks ties towards the lowest token id, so
 * that greedy decoding, top-k and logprobs agree on which of two equal tokens comes first.
 */
final class TopSelection {
    private TopSelection() {
    }

    /** The id of the largest logit, the lowest id among equals. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    static float max(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        return max;
    }

    /**
     * Writes the {@code k} best tokens of {@code logits} (k at most its length) into {@code ids} and
     * {@code values}, best first, and returns how many it wrote.
     */
    static int select(float[] logits, int k, int[] ids, float[] values) {
        int n = Math.min(k, logits.length);
        if (n == 0) {
            return 0;
        }
        // A heap of the best n seen so far with the worst at the root, so most tokens cost one comparison.
        for (int i = 0; i < n; i++) {
            ids[i] = i;
            values[i] = logits[i];
            siftUp(ids, values, i);
        }
        float worst = values[0];
        for (int i = n; i < logits.length; i++) {
            // A later token equal to the worst has a higher id, so it is worse still: strictly greater only.
            if (logits[i] > worst) {
                ids[0] = i;
                values[0] = logits[i];
                siftDown(ids, values, 0, n);
                worst = values[0];
            }
        }
        // Heap sort: moving the worst to the end, one by one, leaves the best first.
        for (int end = n - 1; end > 0; end--) {
            swap(ids, values, 0, end);
            siftDown(ids, values, 0, end);
        }
        return n;
    }

    private static boolean worse(int[] ids, float[] values, int a, int b) {
        return values[a] < values[b] || (values[a] == values[b] && ids[a] > ids[b]);
    }

    private static void siftUp(int[] ids, float[] values, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!worse(ids, values, i, parent)) {
                return;
            }
            swap(ids, values, i, parent);
            i = parent;
        }
    }

    private static void siftDown(int[] ids, float[] values, int i, int size) {
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                return;
            }
            if (child + 1 < size && worse(ids, values, child + 1, child)) {
                child++;
            }
            if (!worse(ids, values, child, i)) {
                return;
            }
            swap(ids, values, i, child);
            i = child;
        }
    }

    private static void swap(int[] ids, float[] values, int a, int b) {
        int id = ids[a];
        ids[a] = ids[b];
        ids[b] = id;
        float value = values[a];
        values[a] = values[b];
        values[b] = value;
    }
}
