package dev.djinn.server.api;

import java.util.List;

/** A non-streamed chat completion. */
public record ChatCompletion(String id, String object, long created, String model, List<Choice> choices,
                             Usage usage) {
    public ChatCompletion(String id, long created, String model, Choice choice, Usage usage) {
        this(id, "chat.completion", created, model, List.of(choice), usage);
    }

    public record Choice(int index, Message message, ChatLogprobs logprobs, String finishReason) {
    }

    public record Message(String role, String content) {
    }
}
