package dev.djinn.server.api;

import com.fasterxml.jackson.databind.JsonNode;

/** The request fields that chat and text completions share; both request records implement it by their components. */
public interface SamplingFields {
    String model();

    Integer maxTokens();

    Double temperature();

    Double topP();

    Integer topK();

    Double minP();

    Long seed();

    /** A string, an array of strings, or null. */
    JsonNode stop();

    Double presencePenalty();

    Double frequencyPenalty();

    Integer n();

    Boolean stream();

    StreamOptions streamOptions();

    /** llama.cpp server's extension: keep generating past end-of-generation tokens (for benchmarks). */
    Boolean ignoreEos();
}
