package dev.djinn.server.http;

import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.sampling.TokenLogprob;
import dev.djinn.engine.sampling.TokenLogprobs;
import dev.djinn.server.api.ChatLogprobs;
import dev.djinn.server.api.CompletionLogprobs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Token log-probabilities in OpenAI's two formats; a token's text is its piece decoded on its own. */
final class LogprobsFormat {
    private final Tokenizer tokenizer;

    LogprobsFormat(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** End-of-generation tokens are not part of the answer, so OpenAI lists no log-probability for them. */
    boolean reported(int token, TokenLogprobs lp) {
        return lp != null && token >= 0 && !tokenizer.isEndOfGeneration(token);
    }

    String text(int token) {
        return new String(tokenizer.pieceBytes(token), StandardCharsets.UTF_8);
    }

    private static List<Integer> bytes(byte[] b) {
        List<Integer> out = new ArrayList<>(b.length);
        for (byte x : b) {
            out.add(x & 0xff);
        }
        return out;
    }

    ChatLogprobs.Entry chatEntry(TokenLogprobs lp) {
        List<ChatLogprobs.Top> top = new ArrayList<>(lp.top().size());
        for (TokenLogprob t : lp.top()) {
            byte[] b = tokenizer.pieceBytes(t.token());
            top.add(new ChatLogprobs.Top(new String(b, StandardCharsets.UTF_8), t.logprob(), bytes(b)));
        }
        byte[] b = tokenizer.pieceBytes(lp.chosen().token());
        return new ChatLogprobs.Entry(new String(b, StandardCharsets.UTF_8), lp.chosen().logprob(), bytes(b), top);
    }

    /** Collects a text completion's log-probabilities token by token. */
    final class CompletionBuilder {
        private final List<String> tokens = new ArrayList<>();
        private final List<Double> logprobs = new ArrayList<>();
        private final List<Map<String, Double>> top = new ArrayList<>();
        private final List<Integer> offsets = new ArrayList<>();
        private int offset;

        /** Adds a token; returns its entry alone, as a streamed chunk carries it. */
        CompletionLogprobs add(TokenLogprobs lp) {
            String text = text(lp.chosen().token());
            double logprob = lp.chosen().logprob();
            Map<String, Double> alternatives = new LinkedHashMap<>();
            for (TokenLogprob t : lp.top()) {
                alternatives.putIfAbsent(text(t.token()), (double) t.logprob());
            }
            tokens.add(text);
            logprobs.add(logprob);
            top.add(alternatives);
            offsets.add(offset);
            CompletionLogprobs one = new CompletionLogprobs(List.of(text), List.of(logprob), List.of(alternatives),
                    List.of(offset));
            offset += text.length();
            return one;
        }

        CompletionLogprobs build() {
            return new CompletionLogprobs(tokens, logprobs, top, offsets);
        }
    }
}
