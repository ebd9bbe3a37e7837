package dev.djinn.server.http;

import dev.djinn.core.DjinnException;
import dev.djinn.engine.generate.FinishReason;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.TokenEvent;
import dev.djinn.engine.service.GenerationHandle;
import dev.djinn.engine.service.QueueFullException;
import dev.djinn.server.api.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * One request's generation as the request's thread sees it: submitted to the engine, then its tokens handed to
 * a listener in order, with the latency metrics recorded on the way. A listener that answers false (its client
 * went away) cancels the generation.
 */
final class GenerationRun {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationRun.class);

    @FunctionalInterface
    interface Listener {
        /** @return false when the client is gone */
        boolean accept(TokenEvent event);
    }

    /**
     * @param result     null when the client left before the engine finished
     * @param ttftNanos  from the request's arrival to its first token, or -1
     * @param clientGone whether the client disconnected
     */
    record Outcome(GenerationResult result, long ttftNanos, boolean clientGone) {
    }

    private final ApiContext api;
    private final GenerationHandle handle;
    private final TokenQueue queue;
    private final long startNanos;

    private GenerationRun(ApiContext api, GenerationHandle handle, TokenQueue queue, long startNanos) {
        this.api = api;
        this.handle = handle;
        this.queue = queue;
        this.startNanos = startNanos;
    }

    /** Queues the generation; a full queue or a request the engine refuses becomes an {@link ApiException}. */
    static GenerationRun submit(ApiContext api, GenerationRequest request, long startNanos) {
        TokenQueue queue = new TokenQueue();
        GenerationHandle handle;
        try {
            handle = api.service().submit(request, queue);
        } catch (QueueFullException e) {
            throw ApiException.busy(e.getMessage(), e.retryAfterSeconds());
        } catch (DjinnException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
        handle.result().whenComplete(queue::end);
        return new GenerationRun(api, handle, queue, startNanos);
    }

    Outcome drain(Listener listener) {
        long ttft = -1;
        long last = -1;
        boolean gone = false;
        while (true) {
            TokenQueue.Item item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                handle.cancel();
                Thread.currentThread().interrupt();
                throw ApiException.unavailable("The server is shutting down.");
            }
            switch (item) {
                case TokenQueue.Token t -> {
                    if (t.event().token() >= 0) {
                        if (last < 0) {
                            ttft = t.nanos() - startNanos;
                            api.metrics().recordTimeToFirstToken(ttft);
                        } else {
                            api.metrics().recordInterTokenLatency(t.nanos() - last);
                        }
                        last = t.nanos();
                        api.metrics().recordGeneratedToken();
                    }
                    if (!gone && !listener.accept(t.event())) {
                        gone = true;
                        api.metrics().recordError("client_disconnected");
                        queue.abandon();
                        handle.cancel();
                    }
                }
                case TokenQueue.End end -> {
                    if (end.failure() != null) {
                        if (gone) {
                            return new Outcome(null, ttft, true);
                        }
                        throw translate(end.failure());
                    }
                    GenerationResult r = end.result();
                    api.metrics().recordTokens(r.promptTokens(), r.generatedTokens());
                    return new Outcome(r, ttft, gone || r.finishReason() == FinishReason.CANCELLED);
                }
            }
        }
    }

    private static ApiException translate(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (t instanceof DjinnException e) {
            return ApiException.invalid(null, e.getMessage());
        }
        if (t instanceof CancellationException) {
            return ApiException.unavailable("The generation was cancelled.");
        }
        LOG.error("generation failed", t);
        return ApiException.internal();
    }
}
