package dev.djinn.server.http;

import dev.djinn.engine.service.InferenceService;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.server.api.ApiException;
import dev.djinn.server.chat.ChatPrompt;
import dev.djinn.server.metrics.ServerMetrics;

import java.time.Clock;

/** What the API handlers share; {@code startedSeconds} is when the model was loaded (its {@code created}). */
public record ApiContext(InferenceService service, ChatPrompt chatPrompt, ServerMetrics metrics, Clock clock,
                         long startedSeconds) {

    ModelInfo model() {
        return service.model();
    }

    /** A request may leave the model out; naming another one is an error, as with OpenAI. */
    void checkModel(String requested) {
        if (requested != null && !requested.equals(model().id())) {
            throw ApiException.modelNotFound(requested);
        }
    }

    void checkPromptLength(int tokens) {
        if (tokens == 0) {
            throw ApiException.invalid("prompt", "The prompt is empty.");
        }
        int ctx = model().contextLength();
        if (tokens >= ctx) {
            throw ApiException.contextLength("This model's maximum context length is " + ctx
                    + " tokens, but the prompt has " + tokens + " tokens (one more is needed to generate). "
                    + "Shorten the prompt.");
        }
    }

    long nowSeconds() {
        return clock.millis() / 1000;
    }
}
