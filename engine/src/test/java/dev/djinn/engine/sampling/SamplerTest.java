package dev.djinn.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {
    /** Everything off but the draw, so the distribution is a plain softmax. */
    private static final SamplingParams PLAIN = SamplingParams.GREEDY.withTemperature(1f).withSeed(1);

    private static float[] randomLogits(SplittableRandom random, int n) {
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        return logits;
    }

    private static long[] histogram(Sampler sampler, float[] logits, int draws) {
        long[] counts = new long[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(logits)]++;
        }
        return counts;
    }

    private static double[] softmax(float[] logits, double temperature) {
        double max = IntStream.range(0, logits.length).mapToDouble(i -> logits[i]).max().orElseThrow();
        double[] p = IntStream.range(0, logits.length)
                .mapToDouble(i -> Math.exp((logits[i] - max) / temperature)).toArray();
        double total = 0;
        for (double v : p) {
            total += v;
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }

    /** Pearson's chi-square statistic of observed counts against expected probabilities (all non-zero). */
    private static double chiSquare(long[] counts, double[] expected) {
        long draws = 0;
        for (long c : counts) {
            draws += c;
        }
        double statistic = 0;
        for (int i = 0; i < counts.length; i++) {
            double e = expected[i] * draws;
            statistic += (counts[i] - e) * (counts[i] - e) / e;
        }
        return statistic;
    }

    @Test
    void greedyIsTheArgmaxWithTiesToTheLowestId() {
        Sampler sampler = new Sampler(SamplingParams.GREEDY, 5);
        assertThat(sampler.sample(new float[] {1f, 7f, 3f, 7f, 7f})).isEqualTo(1);
        assertThat(sampler.sample(new float[] {-4f, -2f, -3f, -2f, -9f})).isEqualTo(1);
        assertThat(sampler.sample(new float[] {0f, 0f, 0f, 0f, 0f})).isZero();
        assertThat(sampler.sample(new float[] {0f, 0f, 0f, 0f, 0.001f})).isEqualTo(4);
    }

    @Test
    void zeroTemperatureIgnoresTruncationSettingsAndIsGreedy() {
        SplittableRandom random = new SplittableRandom(3);
        Sampler sampler = new Sampler(SamplingParams.DEFAULTS.withTemperature(0), 1000);
        for (int i = 0; i < 50; i++) {
            float[] logits = randomLogits(random, 1000);
            assertThat(sampler.sample(logits)).isEqualTo(TopSelection.argmax(logits));
        }
    }

    @Test
    void topKOfOneIsGreedyAtAnyTemperature() {
        SplittableRandom random = new SplittableRandom(5);
        for (float temperature : new float[] {0.01f, 0.5f, 1f, 3f, 100f}) {
            SamplingParams params = SamplingParams.DEFAULTS.withTopK(1).withTemperature(temperature)
                    .withPresencePenalty(1.5f).withSeed(9);
            Sampler topOne = new Sampler(params, 300);
            Sampler greedy = new Sampler(SamplingParams.GREEDY.withPresencePenalty(1.5f).withRepeatLastN(64), 300);
            for (int step = 0; step < 100; step++) {
                float[] logits = randomLogits(random, 300);
                // Ties at the top, which top-k must break the way greedy does.
                logits[200] = logits[100] = logits[50] = 20f;
                int token = topOne.sample(logits);
                assertThat(token).as("temperature %s step %s", temperature, step).isEqualTo(greedy.sample(logits));
                topOne.accept(token);
                greedy.accept(token);
            }
        }
    }

    private static int[] generate(SamplingParams params, int steps) {
        SplittableRandom logitSource = new SplittableRandom(99);
        Sampler sampler = new Sampler(params, 500);
        int[] tokens = new int[steps];
        for (int i = 0; i < steps; i++) {
            tokens[i] = sampler.sample(randomLogits(logitSource, 500));
            sampler.accept(tokens[i]);
        }
        return tokens;
    }

    @Test
    void theSameSeedGivesTheSameSequenceAndDifferentSeedsDiffer() {
        SamplingParams params = SamplingParams.DEFAULTS.withTemperature(1.5f).withRepeatPenalty(1.1f);
        int[] first = generate(params.withSeed(42), 300);
        assertThat(generate(params.withSeed(42), 300)).containsExactly(first);
        assertThat(generate(params.withSeed(43), 300)).isNotEqualTo(first);
        // Not a degenerate sequence that any seed would produce.
        assertThat(IntStream.of(first).distinct().count()).isGreaterThan(50);
    }

    @Test
    void aRandomSeedIsDrawnPerSampler() {
        SamplingParams random = SamplingParams.DEFAULTS.withSeed(SamplingParams.RANDOM_SEED);
        assertThat(new Sampler(random, 10).seed()).isNotEqualTo(new Sampler(random, 10).seed());
        assertThat(new Sampler(SamplingParams.DEFAULTS.withSeed(7), 10).seed()).isEqualTo(7);
    }

    @Test
    void atTemperatureOneTheDrawFollowsTheSoftmax() {
        float[] logits = {0f, 1f, 2f, -1f, 0.5f, 1.5f};
        long[] counts = histogram(new Sampler(PLAIN, logits.length), logits, 60_000);
        // 20.52 is the 0.1% critical value for 5 degrees of freedom; the seed is fixed, so this never flakes.
        assertThat(chiSquare(counts, softmax(logits, 1))).isLessThan(20.52);
    }

    @Test
    void temperatureDividesTheLogits() {
        float[] logits = {0f, 1f, 2f, -1f, 0.5f, 1.5f};
        long[] counts = histogram(new Sampler(PLAIN.withTemperature(0.5f), logits.length), logits, 60_000);
        assertThat(chiSquare(counts, softmax(logits, 0.5))).isLessThan(20.52);
        // The check has power: the untempered distribution is rejected by far.
        assertThat(chiSquare(counts, softmax(logits, 1))).isGreaterThan(1000);
    }

    @Test
    void temperatureAppliesAfterTruncation() {
        float[] logits = {0f, 3f, 1f, 2f, -1f};
        SamplingParams params = PLAIN.withTopK(3).withTemperature(2f);
        long[] counts = histogram(new Sampler(params, logits.length), logits, 60_000);
        assertThat(counts[0]).isZero();
        assertThat(counts[4]).isZero();
        double[] expected = softmax(new float[] {3f, 1f, 2f}, 2);
        // 13.82 is the 0.1% critical value for 2 degrees of freedom.
        assertThat(chiSquare(new long[] {counts[1], counts[2], counts[3]}, expected)).isLessThan(13.82);
    }

    @Test
    void theChainNeverDrawsATruncatedTokenAndDrawsEverySurvivor() {
        // Probabilities 0.3, 0.05, 0.15, 0.5: top-p 0.9 keeps tokens 3, 0, 2; min-p 0.4 then drops 2 (0.3 of 3).
        float[] logits = {(float) Math.log(0.3), (float) Math.log(0.05), (float) Math.log(0.15),
            (float) Math.log(0.5)};
        assertThat(histogram(new Sampler(PLAIN.withTopP(0.9f).withTemperature(5f), 4), logits, 5000))
                .satisfies(c -> assertThat(c[1]).isZero())
                .satisfies(c -> assertThat(c[0]).isPositive())
                .satisfies(c -> assertThat(c[2]).isPositive())
                .satisfies(c -> assertThat(c[3]).isPositive());
        assertThat(histogram(new Sampler(PLAIN.withTopP(0.9f).withMinP(0.4f).withTemperature(5f), 4),
                logits, 5000))
                .satisfies(c -> assertThat(c[1]).isZero())
                .satisfies(c -> assertThat(c[2]).isZero())
                .satisfies(c -> assertThat(c[0]).isPositive())
                .satisfies(c -> assertThat(c[3]).isPositive());
        assertThat(histogram(new Sampler(PLAIN.withTopK(2).withTemperature(5f), 4), logits, 5000))
                .satisfies(c -> assertThat(c[1] + c[2]).isZero())
                .satisfies(c -> assertThat(c[0]).isPositive())
                .satisfies(c -> assertThat(c[3]).isPositive());
    }

    @Test
    void maskedTokensAreNeverDrawn() {
        float[] logits = new float[100];
        Arrays.fill(logits, Float.NEGATIVE_INFINITY);
        logits[17] = 1f;
        logits[60] = 1.2f;
        long[] counts = histogram(new Sampler(PLAIN.withTemperature(2f), 100), logits, 2000);
        assertThat(counts[17] + counts[60]).isEqualTo(2000);
        assertThat(counts[17]).isPositive();
        assertThat(counts[60]).isPositive();
    }

    @Test
    void penaltiesApplyToTheTokensAcceptedSoFar() {
        Sampler sampler = new Sampler(SamplingParams.GREEDY.withRepeatPenalty(2f).withRepeatLastN(64), 3);
        float[] logits = {5f, 4f, -1f};
        assertThat(sampler.sample(logits)).isZero();
        sampler.accept(0);
        // 5 / 2 = 2.5 now loses to 4.
        assertThat(sampler.sample(logits)).isEqualTo(1);
        TokenLogprobs logprobs = sampler.lastLogprobs(3);
        assertThat(logprobs.top().get(0).token()).isEqualTo(1);
        assertThat(logprobs.top().get(1).token()).isZero();
        assertThat(logprobs.top().get(0).logprob() - logprobs.top().get(1).logprob()).isCloseTo(1.5f, within(1e-5f));
        assertThat(logits).containsExactly(5f, 4f, -1f);
    }

    @Test
    void logprobsComeFromTheFullSoftmaxBeforeTruncation() {
        // Probabilities 0.1, 0.2, 0.3, 0.4.
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(4)};
        Sampler sampler = new Sampler(PLAIN.withTopK(1).withTemperature(0.3f), 4);
        assertThat(sampler.sample(logits)).isEqualTo(3);

        TokenLogprobs logprobs = sampler.lastLogprobs(2);
        assertThat(logprobs.chosen().token()).isEqualTo(3);
        assertThat(logprobs.chosen().logprob()).isCloseTo((float) Math.log(0.4), within(1e-6f));
        assertThat(logprobs.top()).extracting(TokenLogprob::token).containsExactly(3, 2);
        assertThat(logprobs.top().get(1).logprob()).isCloseTo((float) Math.log(0.3), within(1e-6f));

        assertThat(sampler.lastLogprobs(10).top()).hasSize(4);
        assertThat(sampler.lastLogprobs(0).top()).isEmpty();
    }

    @Test
    void logprobsOfTheChosenTokenEvenWhenItIsNotAmongTheTop() {
        float[] logits = {5f, 0f, 5f};
        Sampler sampler = new Sampler(PLAIN, 3);
        int token;
        do {
            token = sampler.sample(logits);
        } while (token != 1);
        TokenLogprobs logprobs = sampler.lastLogprobs(1);
        assertThat(logprobs.chosen().token()).isEqualTo(1);
        assertThat(logprobs.chosen().logprob()).isCloseTo((float) -Math.log(1 + 2 * Math.exp(5)), within(1e-5f));
        assertThat(logprobs.top()).extracting(TokenLogprob::token).containsExactly(0);
    }

    @Test
    void misuseIsRejected() {
        Sampler sampler = new Sampler(SamplingParams.DEFAULTS, 4);
        assertThatThrownBy(() -> sampler.lastLogprobs(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sampler.sample(new float[5])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sampler.accept(4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sampler.accept(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Sampler(SamplingParams.DEFAULTS, 0)).isInstanceOf(IllegalArgumentException.class);
        sampler.sample(new float[4]);
        assertThatThrownBy(() -> sampler.lastLogprobs(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Prints, not asserts, the time per token: it depends on the machine and its load. Reports the best of
     * several batches, the figure least disturbed by whatever else runs.
     */
    @Test
    void printsTheTimeToSampleFromA128kVocabulary() {
        int vocab = 128 * 1024;
        SplittableRandom random = new SplittableRandom(1);
        float[][] logits = new float[8][];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = randomLogits(random, vocab);
        }
        SamplingParams penalised = SamplingParams.DEFAULTS.withSeed(3).withRepeatPenalty(1.1f)
                .withFrequencyPenalty(0.1f);
        Map<String, SamplingParams> configurations = new LinkedHashMap<>();
        configurations.put("defaults + penalties", penalised);
        configurations.put("greedy", SamplingParams.GREEDY);
        configurations.put("top-k off, top-p 0.95", penalised.withTopK(0));
        configurations.put("everything off", PLAIN);
        configurations.forEach((name, params) -> {
            Sampler sampler = new Sampler(params, vocab);
            for (int i = 0; i < 64; i++) {
                sampler.accept(random.nextInt(vocab));
            }
            long checksum = 0;
            for (int i = 0; i < 300; i++) {
                checksum += sampler.sample(logits[i % logits.length]);
            }
            double best = Double.MAX_VALUE;
            for (int batch = 0; batch < 5; batch++) {
                long start = System.nanoTime();
                for (int i = 0; i < 60; i++) {
                    checksum += sampler.sample(logits[i % logits.length]);
                }
                best = Math.min(best, (System.nanoTime() - start) / 1e3 / 60);
            }
            System.out.printf("sample, %d-token vocabulary, %s: %.1f us per token (checksum %d)%n",
                    vocab, name, best, checksum);
        });
    }
}
