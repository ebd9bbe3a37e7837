package dev.djinn.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TopSelectionTest {
    @Test
    void argmaxTakesTheLowestIdAmongEqualMaxima() {
        assertThat(TopSelection.argmax(new float[] {1, 5, 3, 5, 5})).isEqualTo(1);
        assertThat(TopSelection.argmax(new float[] {-2, -1, -1})).isEqualTo(1);
        assertThat(TopSelection.argmax(new float[] {7})).isZero();
    }

    @Test
    void selectAgreesWithAFullSortIncludingTies() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(300);
            float[] logits = new float[n];
            for (int i = 0; i < n; i++) {
                // Few distinct values, so ties are common.
                logits[i] = random.nextInt(12) - 6;
            }
            int k = 1 + random.nextInt(n + 5);
            int[] ids = new int[Math.min(k, n)];
            float[] values = new float[ids.length];

            int selected = TopSelection.select(logits, k, ids, values);

            int[] expected = IntStream.range(0, n).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]).thenComparingInt(i -> i))
                    .limit(k).mapToInt(Integer::intValue).toArray();
            assertThat(selected).isEqualTo(expected.length);
            assertThat(ids).containsExactly(expected);
            for (int i = 0; i < selected; i++) {
                assertThat(values[i]).isEqualTo(logits[ids[i]]);
            }
        }
    }

    @Test
    void selectingNothingWritesNothing() {
        assertThat(TopSelection.select(new float[] {1, 2}, 0, new int[0], new float[0])).isZero();
    }
}
