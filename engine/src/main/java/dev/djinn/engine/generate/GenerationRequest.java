package dev.djinn.engine.generate;

import dev.djinn.engine.sampling.SamplingParams;

import java.util.List;

/**
 * What to generate: prompt token ids, how to sample, at most {@code maxTokens} new tokens (or until the
 * context is full when it is negative), stop strings, and whether end-of-generation tokens are ignored.
 */
public record GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, List<String> stop,
                                boolean ignoreEos) {
    public GenerationRequest {
        prompt = prompt.clone();
        stop = List.copyOf(stop);
    }

    public static GenerationRequest greedy(int[] prompt, int maxTokens) {
        return new GenerationRequest(prompt, SamplingParams.GREEDY, maxTokens, List.of(), false);
    }
}
