package dev.djinn.cli.bench;

/** Timings of one repetition: prefill and generation, and the young GCs during generation. */
public record Repetition(long prefillNanos, long generateNanos, long youngGcs) {
    /** Prompt tokens per second, for a prefill of {@code tokens} tokens (0 when nothing was timed). */
    public double prefillRate(int tokens) {
        return rate(tokens, prefillNanos);
    }

    /** Generated tokens per second, for {@code tokens} generated (0 when nothing was timed). */
    public double generateRate(int tokens) {
        return rate(tokens, generateNanos);
    }

    private static double rate(int tokens, long nanos) {
        return nanos <= 0 ? 0 : tokens * 1e9 / nanos;
    }
}
