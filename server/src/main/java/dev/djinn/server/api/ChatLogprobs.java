package dev.djinn.server.api;

import java.util.List;

/** A chat choice's {@code logprobs}: one entry per generated token. */
public record ChatLogprobs(List<Entry> content) {
    public record Entry(String token, double logprob, List<Integer> bytes, List<Top> topLogprobs) {
    }

    public record Top(String token, double logprob, List<Integer> bytes) {
    }
}
