package dev.djinn.cli.bench;

import dev.djinn.engine.kv.KvCacheType;

/**
 * What one benchmark runs, like llama-bench's options.
 *
 * @param promptTokens    tokens prefilled per repetition (0: no prefill; generation then starts at position 0)
 * @param generateTokens  tokens generated per repetition, greedily, ignoring end-of-generation tokens
 * @param repetitions     measured repetitions (after one warm-up)
 * @param batch           most prompt tokens per forward pass
 * @param kvType          KV cache precision
 * @param seed            seed of the random prompt token ids
 */
public record BenchConfig(int promptTokens, int generateTokens, int repetitions, int batch, KvCacheType kvType,
                          long seed) {
    public BenchConfig {
        if (promptTokens < 0 || generateTokens < 0 || promptTokens + generateTokens == 0) {
            throw new IllegalArgumentException("need prompt or generation tokens (and neither negative)");
        }
        if (repetitions < 1 || batch < 1) {
            throw new IllegalArgumentException("repetitions and batch must be positive");
        }
    }

    /** The same benchmark over {@code n} measured repetitions. */
    public BenchConfig withRepetitions(int n) {
        return new BenchConfig(promptTokens, generateTokens, n, batch, kvType, seed);
    }

    /** Positions one repetition fills. */
    public int contextLength() {
        return Math.max(1, promptTokens + generateTokens);
    }
}
