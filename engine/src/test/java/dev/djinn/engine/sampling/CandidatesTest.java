package dev.djinn.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CandidatesTest {
    /** Tokens 3, 0, 2, 1 with probabilities 0.5, 0.3, 0.15, 0.05, placed out of order on purpose. */
    private static final float[] KNOWN = {
        (float) Math.log(0.3), (float) Math.log(0.05), (float) Math.log(0.15), (float) Math.log(0.5)
    };

    private static Candidates over(float[] logits) {
        Candidates candidates = new Candidates();
        candidates.reset(logits);
        return candidates;
    }

    private static int[] ids(Candidates candidates) {
        return IntStream.range(0, candidates.size()).map(candidates::id).toArray();
    }

    @Test
    void startsWithTheWholeVocabulary() {
        assertThat(ids(over(KNOWN))).containsExactly(0, 1, 2, 3);
    }

    @Test
    void topKKeepsTheKBestWithTiesToTheLowestId() {
        float[] logits = {1f, 3f, 2f, 3f, 0f};
        Candidates candidates = over(logits);
        candidates.topK(2);
        assertThat(ids(candidates)).containsExactly(1, 3);

        candidates.reset(logits);
        candidates.topK(1);
        assertThat(ids(candidates)).containsExactly(1);

        candidates.reset(logits);
        candidates.topK(3);
        assertThat(ids(candidates)).containsExactly(1, 3, 2);
    }

    @Test
    void topKOfAtLeastTheVocabularyKeepsEverything() {
        Candidates candidates = over(KNOWN);
        candidates.topK(4);
        assertThat(ids(candidates)).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        assertTopP(0.45f, 3);
        assertTopP(0.75f, 3, 0);
        assertTopP(0.9f, 3, 0, 2);
        assertTopP(0.99f, 3, 0, 2, 1);
        assertTopP(1e-6f, 3);
    }

    private static void assertTopP(float p, int... expected) {
        Candidates whole = over(KNOWN);
        whole.topP(p);
        assertThat(ids(whole)).as("top-p %s over the whole vocabulary", p).containsExactly(expected);

        Candidates afterTopK = over(KNOWN);
        afterTopK.topK(3);
        afterTopK.topP(p);
        int[] withinTop3 = Arrays.copyOf(expected, Math.min(expected.length, 3));
        assertThat(ids(afterTopK)).as("top-p %s after top-k 3", p).containsExactly(withinTop3);
    }

    @Test
    void topPKeepsTheTokenThatReachesPExactly() {
        // Four tokens of probability 0.25 each (the fifth rounds away): two reach 0.5 exactly, and count.
        float[] flat = {0f, 0f, 0f, 0f, -200f};
        Candidates whole = over(flat);
        whole.topP(0.5f);
        assertThat(ids(whole)).containsExactly(0, 1);

        Candidates afterTopK = over(flat);
        afterTopK.topK(4);
        afterTopK.topP(0.5f);
        assertThat(ids(afterTopK)).containsExactly(0, 1);
    }

    @Test
    void topPAfterTopKUsesProbabilitiesRenormalisedOverTheSurvivors() {
        // Over tokens 3 and 0 alone, 3 has probability 0.5 / 0.8 = 0.625: enough for p = 0.6.
        Candidates candidates = over(KNOWN);
        candidates.topK(2);
        candidates.topP(0.6f);
        assertThat(ids(candidates)).containsExactly(3);
    }

    @Test
    void topPOverALargeFlatVocabularyLooksBeyondItsFirstGuess() {
        float[] flat = new float[2000];
        Candidates candidates = over(flat);
        // Each token holds 1/2000: reaching 0.5003 takes 1001 tokens, the lowest ids among equals.
        candidates.topP(0.5003f);
        assertThat(ids(candidates)).containsExactly(IntStream.range(0, 1001).toArray());
    }

    @Test
    void topPOverAWideVocabularyMatchesAFullSort() {
        SplittableRandom random = new SplittableRandom(11);
        float[] logits = new float[50_000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextGaussian() * 2);
        }
        Candidates candidates = over(logits);
        candidates.topP(0.9f);

        Integer[] order = IntStream.range(0, logits.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
        float max = logits[order[0]];
        double total = 0;
        for (float logit : logits) {
            total += Math.exp(logit - max);
        }
        double cumulative = 0;
        int expected = 0;
        while (cumulative < 0.9) {
            cumulative += Math.exp(logits[order[expected++]] - max) / total;
        }
        assertThat(candidates.size()).isEqualTo(expected).isGreaterThan(256);
        assertThat(ids(candidates)).containsExactly(
                Arrays.stream(order, 0, expected).mapToInt(Integer::intValue).toArray());
    }

    @Test
    void minPKeepsTokensAtLeastPTimesAsLikelyAsTheBest() {
        // Relative to token 3: token 0 is 0.6, token 2 0.3, token 1 0.1 as likely.
        assertMinP(0.05f, 0, 1, 2, 3);
        assertMinP(0.2f, 0, 2, 3);
        assertMinP(0.5f, 0, 3);
        assertMinP(0.9f, 3);
        assertMinP(1f, 3);
    }

    private static void assertMinP(float p, int... expected) {
        Candidates whole = over(KNOWN);
        whole.minP(p);
        assertThat(ids(whole)).as("min-p %s over the whole vocabulary", p).containsExactlyInAnyOrder(expected);

        Candidates sorted = over(KNOWN);
        sorted.topK(3);
        sorted.minP(p);
        int[] withinTop3 = Arrays.stream(expected).filter(id -> id != 1).toArray();
        assertThat(ids(sorted)).as("min-p %s after top-k 3", p).containsExactlyInAnyOrder(withinTop3);
    }

    @Test
    void minPKeepsEveryTokenTiedWithTheBest() {
        Candidates candidates = over(new float[] {2f, 5f, 5f, 1f});
        candidates.minP(1f);
        assertThat(ids(candidates)).containsExactlyInAnyOrder(1, 2);
    }
}
