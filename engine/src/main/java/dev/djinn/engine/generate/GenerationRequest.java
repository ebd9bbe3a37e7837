package dev.djinn.engine.generate;

import dev.djinn.engine.sampling.SamplingParams;

import java.util.List;

/**
 * What to generate: prompt token ids, how to sample, at most {@code maxTokens} new tokens (or until the
 * context is full when negative), stop strings, whether end-of-generation tokens are ignored, and how many
 * top alternatives to report with each token's log-probability ({@code logprobs} < 0: none).
 */
public record GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens, List<String> stop,
                                boolean ignoreEos, int logprobs) {
    public GenerationRequest {
        prompt = prompt.clone();
        stop = List.copyOf(stop);
    }

    @Override
    public int[] prompt() {
        return prompt.clone();
    }

    public int promptLength() {
        return prompt.length;
    }

    public static GenerationRequest greedy(int[] prompt, int maxTokens) {
        return new GenerationRequest(prompt, SamplingParams.GREEDY, maxTokens, List.of(), false, -1);
    }
}
