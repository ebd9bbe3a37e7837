package dev.djinn.engine.generate;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tokenizer.StreamingDecoder;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.sampling.Sampler;
import dev.djinn.engine.sampling.TokenLogprobs;

import java.util.Arrays;

/**
 * The generation loop: prefill the prompt in chunks, then sample, stream and feed back one token at a time
 * until an end-of-generation token, a stop string, the token limit or the end of the context.
 */
public final class Generator {
    private final Tokenizer tokenizer;
    private final int prefillChunk;

    /** @param prefillChunk most prompt tokens per forward pass (the model's batch capacity) */
    public Generator(Tokenizer tokenizer, int prefillChunk) {
        this.tokenizer = tokenizer;
        this.prefillChunk = prefillChunk;
    }

    public GenerationResult generate(GenerationRequest req, SequenceModel model, TokenSink sink) {
        int[] prompt = req.prompt();
        if (prompt.length == 0) {
            throw new DjinnException("the prompt is empty (and the model adds no BOS token)");
        }
        int ctx = model.contextLength();
        if (prompt.length >= ctx) {
            throw new DjinnException("the prompt has " + prompt.length + " tokens but the context holds " + ctx
                    + "; use a larger context (--ctx) or a shorter prompt");
        }
        int limit = ctx - prompt.length;
        if (req.maxTokens() >= 0) {
            limit = Math.min(limit, req.maxTokens());
        }
        Sampler sampler = new Sampler(req.sampling(), model.vocabSize());
        for (int t : prompt) {
            sampler.accept(t);
        }
        StreamingDecoder decoder = new StreamingDecoder(tokenizer);
        StopMatcher stops = new StopMatcher(req.stop());
        StringBuilder text = new StringBuilder();
        int[] out = new int[Math.max(0, limit)];
        int produced = 0;
        FinishReason finish = FinishReason.LENGTH;

        long start = System.nanoTime();
        float[] logits = null;
        for (int from = 0; from < prompt.length && limit > 0; from += prefillChunk) {
            int count = Math.min(prefillChunk, prompt.length - from);
            logits = model.forward(prompt, from, count, from);
        }
        long promptNanos = System.nanoTime() - start;
        long genStart = System.nanoTime();
        int[] one = new int[1];
        while (produced < limit) {
            int token = sampler.sample(logits, model.logitsOffset());
            TokenLogprobs lp = req.logprobs() >= 0 ? sampler.lastLogprobs(req.logprobs()) : null;
            sampler.accept(token);
            out[produced++] = token;
            if (!req.ignoreEos() && tokenizer.isEndOfGeneration(token)) {
                finish = FinishReason.STOP;
                String rest = stops.push(decoder.flush()).text() + stops.flush();
                text.append(rest);
                if (!sink.accept(new TokenEvent(token, rest, lp))) {
                    finish = FinishReason.CANCELLED;
                }
                break;
            }
            StopMatcher.Result r = stops.push(decoder.push(token));
            text.append(r.text());
            boolean wanted = sink.accept(new TokenEvent(token, r.text(), lp));
            if (r instanceof StopMatcher.Stop) {
                finish = FinishReason.STOP;
                break;
            }
            if (!wanted) {
                finish = FinishReason.CANCELLED;
                break;
            }
            if (produced == limit) {
                String rest = stops.push(decoder.flush()).text() + stops.flush();
                text.append(rest);
                if (!rest.isEmpty()) {
                    sink.accept(new TokenEvent(-1, rest, null));
                }
                break;
            }
            one[0] = token;
            logits = model.forward(one, 0, 1, prompt.length + produced - 1);
        }
        long genNanos = System.nanoTime() - genStart;
        return new GenerationResult(Arrays.copyOf(out, produced), text.toString(), finish, prompt.length,
                promptNanos, genNanos);
    }
}
