package dev.djinn.server.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** The body of {@code POST /v1/chat/completions}; fields the server does not know are ignored. */
public record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        Integer maxTokens,
        Integer maxCompletionTokens,
        Double temperature,
        Double topP,
        Integer topK,
        Double minP,
        Long seed,
        JsonNode stop,
        Double presencePenalty,
        Double frequencyPenalty,
        Boolean logprobs,
        Integer topLogprobs,
        Integer n,
        Boolean stream,
        StreamOptions streamOptions,
        List<JsonNode> tools,
        Boolean ignoreEos) implements SamplingFields {

    /** {@code max_completion_tokens} replaced {@code max_tokens} in OpenAI's API; either is accepted. */
    @Override
    public Integer maxTokens() {
        return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
    }
}
