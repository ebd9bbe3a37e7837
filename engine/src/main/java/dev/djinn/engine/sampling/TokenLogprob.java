package dev.djinn.engine.sampling;

/** A token and its natural-log probability. */
public record TokenLogprob(int token, float logprob) {
}
