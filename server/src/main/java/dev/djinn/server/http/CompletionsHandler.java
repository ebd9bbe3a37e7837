package dev.djinn.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.server.api.ApiException;
import dev.djinn.server.api.Completion;
import dev.djinn.server.api.CompletionLogprobs;
import dev.djinn.server.api.CompletionRequest;
import dev.djinn.server.api.GenerationSettings;
import dev.djinn.server.api.Json;
import dev.djinn.server.api.Usage;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.util.List;

/** {@code POST /v1/completions}: raw text in, text out, streamed or not. */
final class CompletionsHandler implements Handler {
    private final ApiContext api;
    private final LogprobsFormat logprobs;

    CompletionsHandler(ApiContext api) {
        this.api = api;
        this.logprobs = new LogprobsFormat(api.service().tokenizer());
    }

    @Override
    public void handle(Context ctx) {
        long start = System.nanoTime();
        CompletionRequest req = Json.read(ctx.bodyAsBytes(), CompletionRequest.class);
        api.checkModel(req.model());
        GenerationSettings settings = GenerationSettings.of(req, GenerationSettings.completionLogprobs(req.logprobs()));
        int[] prompt = promptTokens(req.prompt());
        api.checkPromptLength(prompt.length);
        GenerationRequest gen = new GenerationRequest(prompt, settings.sampling(), settings.maxTokens(),
                settings.stop(), Boolean.TRUE.equals(req.ignoreEos()), settings.logprobs());
        String id = "cmpl-" + RequestIds.of(ctx);
        GenerationRun run = GenerationRun.submit(api, gen, start);
        if (settings.stream()) {
            stream(ctx, id, run, settings);
        } else {
            complete(ctx, id, run, settings);
        }
    }

    /**
     * A string (tokenized like llama.cpp's server: BOS as the vocabulary asks, special tokens parsed), an array
     * holding one string, or token ids (flat, or one array of them).
     */
    private int[] promptTokens(JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw ApiException.invalid("prompt", "'prompt' is required.");
        }
        JsonNode p = prompt;
        if (p.isArray() && p.size() == 1 && (p.get(0).isTextual() || p.get(0).isArray())) {
            p = p.get(0);
        }
        Tokenizer tok = api.service().tokenizer();
        if (p.isTextual()) {
            return tok.encode(p.textValue(), true, true);
        }
        if (p.isArray()) {
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                JsonNode t = p.get(i);
                if (!t.canConvertToInt() || !t.isIntegralNumber() || t.intValue() < 0 || t.intValue() >= tok.vocabSize()) {
                    throw ApiException.invalid("prompt", "'prompt' must be a string, one string in an array, "
                            + "or token ids from 0 to " + (tok.vocabSize() - 1) + "; this server takes one prompt "
                            + "per request.");
                }
                ids[i] = t.intValue();
            }
            return ids;
        }
        throw ApiException.invalid("prompt", "invalid_type", "'prompt' must be a string, one string in an array, "
                + "or token ids; this server takes one prompt per request.");
    }

    private void complete(Context ctx, String id, GenerationRun run, GenerationSettings settings) {
        LogprobsFormat.CompletionBuilder lp = logprobs.new CompletionBuilder();
        GenerationRun.Outcome outcome = run.drain(e -> {
            if (logprobs.reported(e.token(), e.logprobs())) {
                lp.add(e.logprobs());
            }
            return true;
        });
        GenerationResult r = outcome.result();
        String finish = r.finishReason().openAiName();
        ctx.attribute(GenerationSummary.ATTRIBUTE,
                new GenerationSummary(r.promptTokens(), r.generatedTokens(), outcome.ttftNanos(), finish, false));
        Completion.Choice choice = new Completion.Choice(r.text(), 0, settings.logprobs() >= 0 ? lp.build() : null,
                finish);
        ctx.json(new Completion(id, api.nowSeconds(), api.model().id(), List.of(choice),
                Usage.of(r.promptTokens(), r.generatedTokens())));
    }

    private void stream(Context ctx, String id, GenerationRun run, GenerationSettings settings) {
        long created = api.nowSeconds();
        String model = api.model().id();
        SseStream sse = Sse.open(ctx);
        LogprobsFormat.CompletionBuilder offsets = logprobs.new CompletionBuilder();
        GenerationRun.Outcome outcome;
        try {
            outcome = run.drain(e -> {
                CompletionLogprobs lp = logprobs.reported(e.token(), e.logprobs()) ? offsets.add(e.logprobs()) : null;
                if (e.text().isEmpty() && lp == null) {
                    return !sse.broken();
                }
                return sse.send(new Completion(id, created, model,
                        List.of(new Completion.Choice(e.text(), 0, lp, null)), null));
            });
        } catch (ApiException e) {
            Sse.fail(sse, e, api.metrics());
            return;
        }
        Sse.summarize(ctx, outcome, true);
        if (outcome.clientGone()) {
            return;
        }
        GenerationResult r = outcome.result();
        sse.send(new Completion(id, created, model,
                List.of(new Completion.Choice("", 0, null, r.finishReason().openAiName())), null));
        if (settings.includeUsage()) {
            sse.send(new Completion(id, created, model, List.of(), Usage.of(r.promptTokens(), r.generatedTokens())));
        }
        sse.done();
    }
}
