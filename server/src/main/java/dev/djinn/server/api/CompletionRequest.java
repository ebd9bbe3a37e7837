package dev.djinn.server.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/completions}. {@code prompt} is a string, an array holding one string, or token ids;
 * {@code logprobs} is the number of alternatives to report per token.
 */
public record CompletionRequest(
        String model,
        JsonNode prompt,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Integer topK,
        Double minP,
        Long seed,
        JsonNode stop,
        Double presencePenalty,
        Double frequencyPenalty,
        Integer logprobs,
        Integer n,
        Boolean stream,
        StreamOptions streamOptions,
        Boolean ignoreEos) implements SamplingFields {
}
