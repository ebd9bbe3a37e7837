package dev.djinn.cli.bench;

/** Timings of one repetition: prefill and generation, and the young GCs during generation. */
public record Repetition(long prefillNanos, long generateNanos, long youngGcs) {
}
