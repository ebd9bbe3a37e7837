package dev.djinn.engine.service;

import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.TokenSink;

/**
 * What front ends (the HTTP API, the CLI) use to generate: one model, many concurrent requests. Tokens are
 * pushed to each request's sink from engine threads, in order; a sink returning false cancels its request.
 */
public interface InferenceService extends AutoCloseable {
    ModelInfo model();

    Tokenizer tokenizer();

    /**
     * Queues a generation.
     *
     * @throws QueueFullException           when every slot and the queue are taken
     * @throws dev.djinn.core.DjinnException when the request cannot run (e.g. its prompt exceeds the context)
     */
    GenerationHandle submit(GenerationRequest request, TokenSink sink);

    EngineStats stats();

    @Override
    void close();
}
