package dev.djinn.server.http;

import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.server.api.ApiException;
import dev.djinn.server.api.ChatCompletion;
import dev.djinn.server.api.ChatCompletionChunk;
import dev.djinn.server.api.ChatCompletionRequest;
import dev.djinn.server.api.ChatLogprobs;
import dev.djinn.server.api.GenerationSettings;
import dev.djinn.server.api.Json;
import dev.djinn.server.api.Usage;
import dev.djinn.server.chat.ChatPrompt;
import dev.djinn.server.chat.ChatTemplateException;
import io.javalin.http.Context;
import io.javalin.http.Handler;

import java.util.ArrayList;
import java.util.List;

/** {@code POST /v1/chat/completions}, streamed or not. */
final class ChatCompletionsHandler implements Handler {
    private final ApiContext api;
    private final LogprobsFormat logprobs;

    ChatCompletionsHandler(ApiContext api) {
        this.api = api;
        this.logprobs = new LogprobsFormat(api.service().tokenizer());
    }

    @Override
    public void handle(Context ctx) {
        long start = System.nanoTime();
        ChatCompletionRequest req = Json.read(ctx.bodyAsBytes(), ChatCompletionRequest.class);
        api.checkModel(req.model());
        GenerationSettings settings = GenerationSettings.of(req,
                GenerationSettings.chatLogprobs(req.logprobs(), req.topLogprobs()));
        ChatPrompt.Prompt prompt = render(req);
        api.checkPromptLength(prompt.tokens().length);
        GenerationRequest gen = new GenerationRequest(prompt.tokens(), settings.sampling(), settings.maxTokens(),
                settings.stop(), Boolean.TRUE.equals(req.ignoreEos()), settings.logprobs());
        String id = "chatcmpl-" + RequestIds.of(ctx);
        GenerationRun run = GenerationRun.submit(api, gen, start);
        if (settings.stream()) {
            stream(ctx, id, run, settings);
        } else {
            complete(ctx, id, run, settings);
        }
    }

    private ChatPrompt.Prompt render(ChatCompletionRequest req) {
        try {
            return api.chatPrompt().build(req.messages(), req.tools());
        } catch (ChatTemplateException e) {
            if (e.refused()) {
                throw ApiException.invalid("messages", e.getMessage());
            }
            throw e;
        }
    }

    private void complete(Context ctx, String id, GenerationRun run, GenerationSettings settings) {
        List<ChatLogprobs.Entry> entries = new ArrayList<>();
        GenerationRun.Outcome outcome = run.drain(e -> {
            if (logprobs.reported(e.token(), e.logprobs())) {
                entries.add(logprobs.chatEntry(e.logprobs()));
            }
            return true;
        });
        GenerationResult r = outcome.result();
        String finish = r.finishReason().openAiName();
        ctx.attribute(GenerationSummary.ATTRIBUTE,
                new GenerationSummary(r.promptTokens(), r.generatedTokens(), outcome.ttftNanos(), finish, false));
        ChatCompletion.Choice choice = new ChatCompletion.Choice(0, new ChatCompletion.Message("assistant", r.text()),
                settings.logprobs() >= 0 ? new ChatLogprobs(entries) : null, finish);
        ctx.json(new ChatCompletion(id, api.nowSeconds(), api.model().id(), choice,
                Usage.of(r.promptTokens(), r.generatedTokens())));
    }

    private void stream(Context ctx, String id, GenerationRun run, GenerationSettings settings) {
        long created = api.nowSeconds();
        String model = api.model().id();
        SseStream sse = Sse.open(ctx);
        sse.send(ChatCompletionChunk.of(id, created, model,
                new ChatCompletionChunk.Choice(0, new ChatCompletionChunk.Delta("assistant", ""), null, null)));
        GenerationRun.Outcome outcome;
        try {
            outcome = run.drain(e -> {
                ChatLogprobs lp = logprobs.reported(e.token(), e.logprobs())
                        ? new ChatLogprobs(List.of(logprobs.chatEntry(e.logprobs()))) : null;
                if (e.text().isEmpty() && lp == null) {
                    return !sse.broken();
                }
                return sse.send(ChatCompletionChunk.of(id, created, model, new ChatCompletionChunk.Choice(0,
                        new ChatCompletionChunk.Delta(null, e.text()), lp, null)));
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
        sse.send(ChatCompletionChunk.of(id, created, model, new ChatCompletionChunk.Choice(0,
                new ChatCompletionChunk.Delta(null, null), null, r.finishReason().openAiName())));
        if (settings.includeUsage()) {
            sse.send(ChatCompletionChunk.usage(id, created, model, Usage.of(r.promptTokens(), r.generatedTokens())));
        }
        sse.done();
    }
}
