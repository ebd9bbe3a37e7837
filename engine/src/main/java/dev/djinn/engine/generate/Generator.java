package dev.djinn.engine.generate;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.sampling.Sampler;
import dev.djinn.engine.sampling.TokenLogprobs;

/**
 * The single-sequence generation loop: prefill the prompt in chunks, then sample, stream and feed back one
 * token at a time until {@link TokenOutput} says the generation is over.
 */
public final class Generator {
    private final Tokenizer tokenizer;
    private final int prefillChunk;

    /** @param prefillChunk most prompt tokens per forward pass (the model's batch capacity) */
    public Generator(Tokenizer tokenizer, int prefillChunk) {
        this.tokenizer = tokenizer;
        this.prefillChunk = prefillChunk;
    }

    /** The most tokens {@code request} may generate in a context of {@code ctx}; fails if the prompt can't fit. */
    public static int tokenLimit(GenerationRequest request, int ctx) {
        int n = request.promptLength();
        if (n == 0) {
            throw new DjinnException("the prompt is empty (and the model adds no BOS token)");
        }
        if (n >= ctx) {
            throw new DjinnException("the prompt has " + n + " tokens but the context holds " + ctx
                    + "; use a larger context or a shorter prompt");
        }
        int limit = ctx - n;
        return request.maxTokens() >= 0 ? Math.min(limit, request.maxTokens()) : limit;
    }

    public GenerationResult generate(GenerationRequest req, SequenceModel model, TokenSink sink) {
        int[] prompt = req.prompt();
        int limit = tokenLimit(req, model.contextLength());
        Sampler sampler = new Sampler(req.sampling(), model.vocabSize());
        for (int t : prompt) {
            sampler.accept(t);
        }
        TokenOutput output = new TokenOutput(tokenizer, req, limit, sink);

        long start = System.nanoTime();
        float[] logits = null;
        for (int from = 0; from < prompt.length && !output.finished(); from += prefillChunk) {
            int count = Math.min(prefillChunk, prompt.length - from);
            logits = model.forward(prompt, from, count, from, true);
        }
        long promptNanos = System.nanoTime() - start;
        long genStart = System.nanoTime();
        int[] one = new int[1];
        while (!output.finished()) {
            int token = sampler.sample(logits, model.logitsOffset());
            TokenLogprobs lp = req.logprobs() >= 0 ? sampler.lastLogprobs(req.logprobs()) : null;
            sampler.accept(token);
            if (output.accept(token, lp)) {
                break;
            }
            one[0] = token;
            logits = model.forward(one, 0, 1, prompt.length + output.count() - 1, false);
        }
        long genNanos = System.nanoTime() - genStart;
        return new GenerationResult(output.tokens(), output.text(), output.finishReason(), prompt.length,
                promptNanos, genNanos);
    }
}
