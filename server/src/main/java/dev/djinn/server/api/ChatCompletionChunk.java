package dev.djinn.server.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** One server-sent event of a streamed chat completion. The usage chunk has no choices. */
public record ChatCompletionChunk(String id, String object, long created, String model, List<Choice> choices,
                                  @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {
    public static ChatCompletionChunk of(String id, long created, String model, Choice choice) {
        return new ChatCompletionChunk(id, "chat.completion.chunk", created, model, List.of(choice), null);
    }

    public static ChatCompletionChunk usage(String id, long created, String model, Usage usage) {
        return new ChatCompletionChunk(id, "chat.completion.chunk", created, model, List.of(), usage);
    }

    public record Choice(int index, Delta delta, ChatLogprobs logprobs, String finishReason) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content) {
    }
}
