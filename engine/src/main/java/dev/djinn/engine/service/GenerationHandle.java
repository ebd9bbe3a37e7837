package dev.djinn.engine.service;

import dev.djinn.engine.generate.GenerationResult;

import java.util.concurrent.CompletableFuture;

/** A submitted generation: its eventual result, and a way to cancel it (its KV memory is freed at once). */
public interface GenerationHandle {
    /** Completes with the result, or exceptionally with a {@link dev.djinn.core.DjinnException} for bad input. */
    CompletableFuture<GenerationResult> result();

    void cancel();
}
