package dev.djinn.engine.sampling;

import dev.djinn.core.DjinnException;

/**
 * How the next token is picked from the logits, with llama.cpp's meanings and defaults.
 *
 * <p>The chain runs penalties, top-k, top-p, min-p, temperature, then a random draw. Values that switch a
 * step off: {@code topK} 0, {@code topP} 1, {@code minP} 0, {@code repeatPenalty} 1, frequency and presence
 * penalties 0, {@code repeatLastN} 0 (all penalties). {@code repeatLastN} -1 penalises the whole history.
 * A {@code temperature} of 0 means greedy decoding: the argmax of the penalised logits. A {@code seed} of
 * {@link #RANDOM_SEED} draws a fresh seed for every generation.
 *
 * <p>The names in error messages are those of llama.cpp's server API, because that is what users type.
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repeatPenalty,
        int repeatLastN,
        float frequencyPenalty,
        float presencePenalty,
        long seed) {

    public static final long RANDOM_SEED = -1L;

    /** llama.cpp's command-line defaults. */
    public static final SamplingParams DEFAULTS =
            new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 0.0f, 0.0f, RANDOM_SEED);

    /** Always the most likely token; every truncation and penalty is off. */
    public static final SamplingParams GREEDY =
            new SamplingParams(0.0f, 0, 1.0f, 0.0f, 1.0f, 0, 0.0f, 0.0f, RANDOM_SEED);

    public SamplingParams {
        require(Float.isFinite(temperature) && temperature >= 0,
                "temperature must be a finite number of at least 0 (0 means greedy), but was " + temperature + ".");
        require(topK >= 0, "top_k must be at least 0 (0 turns it off), but was " + topK + ".");
        require(topP > 0 && topP <= 1, "top_p must be greater than 0 and at most 1, but was " + topP + ".");
        require(minP >= 0 && minP <= 1, "min_p must be between 0 and 1, but was " + minP + ".");
        require(Float.isFinite(repeatPenalty) && repeatPenalty > 0,
                "repeat_penalty must be a finite number greater than 0 (1 turns it off), but was "
                        + repeatPenalty + ".");
        require(repeatLastN >= -1,
                "repeat_last_n must be -1 (the whole history), 0 (no penalties) or a positive count, but was "
                        + repeatLastN + ".");
        require(Float.isFinite(frequencyPenalty),
                "frequency_penalty must be a finite number, but was " + frequencyPenalty + ".");
        require(Float.isFinite(presencePenalty),
                "presence_penalty must be a finite number, but was " + presencePenalty + ".");
    }

    private static void require(boolean valid, String message) {
        if (!valid) {
            throw new DjinnException(message);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }

    /** Whether any penalty can change a logit; when not, accepted tokens need not be tracked. */
    public boolean penalising() {
        return repeatLastN != 0 && (repeatPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0);
    }

    public SamplingParams withTemperature(float value) {
        return new SamplingParams(value, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withTopK(int value) {
        return new SamplingParams(temperature, value, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withTopP(float value) {
        return new SamplingParams(temperature, topK, value, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withMinP(float value) {
        return new SamplingParams(temperature, topK, topP, value, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withRepeatPenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, value, repeatLastN, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withRepeatLastN(int value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, value, frequencyPenalty,
                presencePenalty, seed);
    }

    public SamplingParams withFrequencyPenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, value,
                presencePenalty, seed);
    }

    public SamplingParams withPresencePenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                value, seed);
    }

    public SamplingParams withSeed(long value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, value);
    }
}
