package dev.djinn.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PenaltyWindowTest {
    private static final SamplingParams OFF = SamplingParams.DEFAULTS;

    private static float[] penalise(SamplingParams params, float[] logits, int... accepted) {
        PenaltyWindow window = new PenaltyWindow(params, logits.length);
        for (int token : accepted) {
            window.accept(token);
        }
        float[] out = logits.clone();
        window.apply(out);
        return out;
    }

    @Test
    void repeatPenaltyDividesPositiveLogitsAndMultipliesNegativeOnesOfSeenTokensOnly() {
        float[] out = penalise(OFF.withRepeatPenalty(2f), new float[] {4f, -3f, 0f, 6f}, 0, 1, 2, 0);
        assertThat(out).containsExactly(2f, -6f, 0f, 6f);
    }

    @Test
    void frequencyPenaltySubtractsCountTimesPenalty() {
        float[] out = penalise(OFF.withFrequencyPenalty(0.5f), new float[] {1f, 1f, 1f}, 0, 0, 0, 1);
        assertThat(out).containsExactly(1f - 3 * 0.5f, 1f - 0.5f, 1f);
    }

    @Test
    void presencePenaltySubtractsOnceWhateverTheCount() {
        float[] out = penalise(OFF.withPresencePenalty(0.75f), new float[] {1f, 1f, 1f}, 0, 0, 0, 1);
        assertThat(out).containsExactly(0.25f, 0.25f, 1f);
    }

    @Test
    void allThreeCombineAsInLlamaCpp() {
        SamplingParams params = OFF.withRepeatPenalty(2f).withFrequencyPenalty(0.5f).withPresencePenalty(0.25f);
        float[] out = penalise(params, new float[] {2f, -2f}, 0, 0, 0, 1);
        // 2/2 - (3*0.5 + 0.25) and -2*2 - (1*0.5 + 0.25)
        assertThat(out).containsExactly(-0.75f, -4.75f);
    }

    @Test
    void onlyTheLastNTokensCount() {
        SamplingParams params = OFF.withFrequencyPenalty(1f).withRepeatLastN(3);
        // Window after these: 2, 1, 1 (the two 0s and the first 2 have left it).
        float[] out = penalise(params, new float[] {0f, 0f, 0f, 0f}, 0, 2, 0, 2, 1, 1);
        assertThat(out).containsExactly(0f, -2f, -1f, 0f);
    }

    @Test
    void minusOneKeepsTheWholeHistory() {
        SamplingParams params = OFF.withFrequencyPenalty(1f).withRepeatLastN(-1);
        int[] accepted = new int[500];
        accepted[0] = 1;
        float[] out = penalise(params, new float[] {0f, 0f}, accepted);
        assertThat(out).containsExactly(-499f, -1f);
    }

    @Test
    void aZeroWindowSwitchesPenaltiesOff() {
        SamplingParams params = OFF.withRepeatPenalty(3f).withFrequencyPenalty(1f).withRepeatLastN(0);
        assertThat(penalise(params, new float[] {5f, -5f}, 0, 1, 1)).containsExactly(5f, -5f);
    }
}
