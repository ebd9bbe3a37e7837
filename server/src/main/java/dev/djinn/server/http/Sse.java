package dev.djinn.server.http;

import dev.djinn.server.api.ApiException;
import dev.djinn.server.metrics.ServerMetrics;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Starting and ending a streamed response (shared by both completion endpoints). */
final class Sse {
    private Sse() {
    }

    /** Commits a 200 with an event-stream body; from here on errors can only be sent as events. */
    static SseStream open(Context ctx) {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        // tells reverse proxies such as nginx not to buffer the events
        ctx.res().setHeader("X-Accel-Buffering", "no");
        try {
            return new SseStream(ctx.res().getOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An error after the stream began: OpenAI's error body as one last event. */
    static void fail(SseStream sse, ApiException e, ServerMetrics metrics) {
        metrics.recordError(e.kind());
        sse.send(e.body());
        sse.done();
    }

    static void summarize(Context ctx, GenerationRun.Outcome outcome, boolean stream) {
        var r = outcome.result();
        String finish = outcome.clientGone() ? "client_gone" : r.finishReason().openAiName();
        ctx.attribute(GenerationSummary.ATTRIBUTE, new GenerationSummary(r == null ? 0 : r.promptTokens(),
                r == null ? 0 : r.generatedTokens(), outcome.ttftNanos(), finish, stream));
    }
}
