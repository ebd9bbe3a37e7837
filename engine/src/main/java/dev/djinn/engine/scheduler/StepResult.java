package dev.djinn.engine.scheduler;

import dev.djinn.engine.sampling.TokenLogprobs;

/**
 * What a step produced: for each row of the {@link Step}, the sampled token ({@code -1} for rows that did not
 * sample) and, when the sequence asked for them, its log-probabilities (else null).
 */
public record StepResult(int[] sampled, TokenLogprobs[] logprobs) {
}
