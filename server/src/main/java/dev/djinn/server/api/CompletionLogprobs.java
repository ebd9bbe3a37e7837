package dev.djinn.server.api;

import java.util.List;
import java.util.Map;

/** A text completion's {@code logprobs}, in the legacy completions format (parallel lists). */
public record CompletionLogprobs(List<String> tokens, List<Double> tokenLogprobs,
                                 List<Map<String, Double>> topLogprobs, List<Integer> textOffset) {
}
