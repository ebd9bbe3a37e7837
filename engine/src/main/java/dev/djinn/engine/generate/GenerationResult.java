package dev.djinn.engine.generate;

/** The outcome of one generation, with its timings. */
public record GenerationResult(int[] tokens, String text, FinishReason finishReason, int promptTokens,
                               long promptNanos, long generationNanos) {
    public int generatedTokens() {
        return tokens.length;
    }

    /** Prompt tokens per second of the prefill. */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /**
     * Generated tokens per second after the first (the first comes from the prefill's logits, like
     * llama.cpp's eval timing).
     */
    public double generationTokensPerSecond() {
        return generationNanos == 0 || tokens.length < 2 ? 0 : (tokens.length - 1) * 1e9 / generationNanos;
    }
}
