package dev.djinn.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.djinn.engine.sampling.SamplingParams;

import java.util.ArrayList;
import java.util.List;

/**
 * The validated generation options of a request: how to sample, at most how many tokens (-1: until the end of
 * the context, as llama.cpp's server does), stop strings and how many top log-probabilities to report (-1: none).
 * Unset options take llama.cpp's defaults.
 */
public record GenerationSettings(SamplingParams sampling, int maxTokens, List<String> stop, int logprobs,
                                 boolean stream, boolean includeUsage) {
    public static final int MAX_TOP_LOGPROBS = 20;

    /** Validates the shared fields; {@code logprobs} was already validated by the caller. */
    public static GenerationSettings of(SamplingFields f, int logprobs) {
        if (f.n() != null && f.n() != 1) {
            throw ApiException.invalid("n", "This server generates one choice per request; 'n' must be 1.");
        }
        Integer max = f.maxTokens();
        if (max != null && max < 1) {
            throw ApiException.invalid(f instanceof ChatCompletionRequest c && c.maxCompletionTokens() != null
                    ? "max_completion_tokens" : "max_tokens", "The token limit must be at least 1, but was " + max + ".");
        }
        SamplingParams s = SamplingParams.DEFAULTS;
        if (f.temperature() != null) {
            s = s.withTemperature((float) range("temperature", f.temperature(), 0, 2));
        }
        if (f.topP() != null) {
            double p = f.topP();
            if (!(p > 0 && p <= 1)) {
                throw ApiException.invalid("top_p", "'top_p' must be greater than 0 and at most 1, but was " + p + ".");
            }
            s = s.withTopP((float) p);
        }
        if (f.topK() != null) {
            if (f.topK() < 0) {
                throw ApiException.invalid("top_k", "'top_k' must be at least 0 (0 turns it off), but was "
                        + f.topK() + ".");
            }
            s = s.withTopK(f.topK());
        }
        if (f.minP() != null) {
            s = s.withMinP((float) range("min_p", f.minP(), 0, 1));
        }
        if (f.presencePenalty() != null) {
            s = s.withPresencePenalty((float) range("presence_penalty", f.presencePenalty(), -2, 2));
        }
        if (f.frequencyPenalty() != null) {
            s = s.withFrequencyPenalty((float) range("frequency_penalty", f.frequencyPenalty(), -2, 2));
        }
        if (f.seed() != null) {
            s = s.withSeed(f.seed());
        }
        boolean stream = Boolean.TRUE.equals(f.stream());
        return new GenerationSettings(s, max == null ? -1 : max, stops(f.stop()), logprobs, stream,
                stream && f.streamOptions() != null && f.streamOptions().usage());
    }

    private static double range(String param, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw ApiException.invalid(param, "'" + param + "' must be between " + fmt(min) + " and " + fmt(max)
                    + ", but was " + value + ".");
        }
        return value;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** A string or an array of strings; empty strings can never match and are dropped. */
    private static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isTextual()) {
            add(out, stop.textValue());
            return out;
        }
        if (!stop.isArray()) {
            throw ApiException.invalid("stop", "invalid_type", "'stop' must be a string or an array of strings.");
        }
        for (JsonNode s : stop) {
            if (!s.isTextual()) {
                throw ApiException.invalid("stop", "invalid_type", "'stop' must be a string or an array of strings.");
            }
            add(out, s.textValue());
        }
        return out;
    }

    private static void add(List<String> out, String s) {
        if (!s.isEmpty()) {
            out.add(s);
        }
    }

    /** Chat: {@code logprobs: true} turns them on; {@code top_logprobs} (0 to 20) asks for alternatives. */
    public static int chatLogprobs(Boolean logprobs, Integer topLogprobs) {
        if (topLogprobs != null && (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS)) {
            throw ApiException.invalid("top_logprobs", "'top_logprobs' must be between 0 and " + MAX_TOP_LOGPROBS
                    + ", but was " + topLogprobs + ".");
        }
        if (!Boolean.TRUE.equals(logprobs)) {
            if (topLogprobs != null) {
                throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs' set to true.");
            }
            return -1;
        }
        return topLogprobs == null ? 0 : topLogprobs;
    }

    /** Completions: {@code logprobs: n} (0 to 20) reports the sampled token and the n most likely. */
    public static int completionLogprobs(Integer logprobs) {
        if (logprobs == null) {
            return -1;
        }
        if (logprobs < 0 || logprobs > MAX_TOP_LOGPROBS) {
            throw ApiException.invalid("logprobs", "'logprobs' must be between 0 and " + MAX_TOP_LOGPROBS
                    + ", but was " + logprobs + ".");
        }
        return logprobs;
    }
}
