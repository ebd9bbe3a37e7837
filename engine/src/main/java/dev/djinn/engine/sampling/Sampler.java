package dev.djinn.engine.sampling;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Picks each next token of one generation, following llama.cpp's default chain: penalties, top-k, top-p,
 * min-p, temperature, then a seeded random draw. Greedy (temperature 0) takes the argmax of the penalised
 * logits, the lowest id among equals.
 *
 * <p>The caller {@link #accept accepts} every token that enters the context, prompt tokens included, so that
 * penalties see them; {@link #sample} does not accept what it returns. Not thread-safe: one per generation.
 */
public final class Sampler {
    private final SamplingParams params;
    private final int vocabSize;
    private final long seed;
    private final RandomGenerator random;
    private final PenaltyWindow penalties;
    private final Candidates candidates = new Candidates();
    /** The logits of the last {@link #sample} call after penalties; logprobs are computed from them. */
    private final float[] penalised;
    private int lastToken = -1;

    public Sampler(SamplingParams params, int vocabSize) {
        this.params = Objects.requireNonNull(params, "params");
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive, was " + vocabSize);
        }
        this.vocabSize = vocabSize;
        this.seed = params.seed() == SamplingParams.RANDOM_SEED ? new SecureRandom().nextLong() : params.seed();
        // L64X128MixRandom: fast, statistically strong, and its sequence for a seed is fixed by its specification.
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        this.penalties = new PenaltyWindow(params, vocabSize);
        this.penalised = new float[vocabSize];
    }

    public SamplingParams params() {
        return params;
    }

    /** The seed in use: the one asked for, or the one drawn for {@link SamplingParams#RANDOM_SEED}. */
    public long seed() {
        return seed;
    }

    /** Records a token that entered the context (prompt or generated), for the penalties. */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException(
                    "token " + token + " is outside the vocabulary of " + vocabSize + " tokens");
        }
        penalties.accept(token);
    }

    /** Picks the next token from the logits of the vocabulary; {@code logits} is left unchanged. */
    public int sample(float[] logits) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException(
                    "expected " + vocabSize + " logits, one per vocabulary entry, got " + logits.length);
        }
        return sample(logits, 0);
    }

    /** Samples from the {@code vocabSize} logits starting at {@code offset} (a row of a packed batch). */
    public int sample(float[] logits, int offset) {
        if (offset < 0 || offset + vocabSize > logits.length) {
            throw new IllegalArgumentException("no " + vocabSize + " logits at offset " + offset);
        }
        System.arraycopy(logits, offset, penalised, 0, vocabSize);
        penalties.apply(penalised);
        lastToken = params.greedy() ? TopSelection.argmax(penalised) : drawFromChain();
        return lastToken;
    }

    private int drawFromChain() {
        candidates.reset(penalised);
        if (params.topK() > 0) {
            candidates.topK(params.topK());
        }
        if (params.topP() < 1) {
            candidates.topP(params.topP());
        }
        if (params.minP() > 0) {
            candidates.minP(params.minP());
        }
        return candidates.draw(params.temperature(), random);
    }

    /**
     * The log-probability of the last sampled token and of the {@code n} most likely tokens (fewer if the
     * vocabulary is smaller), from the full softmax of the penalised logits that sample saw.
     */
    public TokenLogprobs lastLogprobs(int n) {
        if (lastToken < 0) {
            throw new IllegalStateException("no token has been sampled yet");
        }
        if (n < 0) {
            throw new IllegalArgumentException("the number of alternatives must not be negative, was " + n);
        }
        return TokenLogprobs.of(penalised, lastToken, n);
    }
}
