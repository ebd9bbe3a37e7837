package dev.djinn.engine.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * The log-probability of a sampled token and of the most likely alternatives, as OpenAI's {@code logprobs}
 * option reports them: from the softmax of the penalised logits over the whole vocabulary, before any
 * truncation or temperature.
 *
 * @param chosen the token that was sampled
 * @param top    the most likely tokens, best first (lowest id first among equals); may include the chosen one
 */
public record TokenLogprobs(TokenLogprob chosen, List<TokenLogprob> top) {
    public TokenLogprobs {
        top = List.copyOf(top);
    }

    static TokenLogprobs of(float[] logits, int chosen, int topN) {
        float max = TopSelection.max(logits);
        double total = 0;
        for (float logit : logits) {
            total += Math.exp(logit - max);
        }
        double logNormaliser = max + Math.log(total);
        int[] ids = new int[Math.min(topN, logits.length)];
        float[] values = new float[ids.length];
        int n = TopSelection.select(logits, topN, ids, values);
        List<TokenLogprob> top = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            top.add(new TokenLogprob(ids[i], (float) (values[i] - logNormaliser)));
        }
        return new TokenLogprobs(new TokenLogprob(chosen, (float) (logits[chosen] - logNormaliser)), top);
    }
}
