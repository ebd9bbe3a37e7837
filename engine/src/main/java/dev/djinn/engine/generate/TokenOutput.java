package dev.djinn.engine.generate;

import dev.djinn.core.tokenizer.StreamingDecoder;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.sampling.TokenLogprobs;

import java.util.Arrays;

/**
 * Turns one sequence's sampled tokens into streamed text and decides when it is finished: end-of-generation
 * tokens, stop strings, the token limit, or a sink that no longer wants tokens. Shared by the single-sequence
 * {@link Generator} and the batching scheduler, so both end generations the same way.
 */
public final class TokenOutput {
    private final Tokenizer tokenizer;
    private final boolean ignoreEos;
    private final int limit;
    private final TokenSink sink;
    private final StreamingDecoder decoder;
    private final StopMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private int[] tokens;
    private int count;
    private FinishReason finish;

    /** @param limit the most tokens to generate */
    public TokenOutput(Tokenizer tokenizer, GenerationRequest request, int limit, TokenSink sink) {
        this.tokenizer = tokenizer;
        this.ignoreEos = request.ignoreEos();
        this.limit = limit;
        this.sink = sink;
        this.decoder = new StreamingDecoder(tokenizer);
        this.stops = new StopMatcher(request.stop());
        this.tokens = new int[Math.max(16, Math.min(limit, 1024))];
        if (limit <= 0) {
            finish = FinishReason.LENGTH;
        }
    }

    /** Takes the next sampled token; returns true when the generation is over (see {@link #finishReason()}). */
    public boolean accept(int token, TokenLogprobs logprobs) {
        if (finish != null) {
            throw new IllegalStateException("generation already finished: " + finish);
        }
        if (count == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[count++] = token;
        if (!ignoreEos && tokenizer.isEndOfGeneration(token)) {
            finish = FinishReason.STOP;
            emit(token, releaseHeldText(), logprobs);
            return true;
        }
        StopMatcher.Result r = stops.push(decoder.push(token));
        boolean wanted = emit(token, r.text(), logprobs);
        if (r instanceof StopMatcher.Stop) {
            finish = FinishReason.STOP;
        } else if (!wanted) {
            finish = FinishReason.CANCELLED;
        } else if (count >= limit) {
            finish = FinishReason.LENGTH;
            String rest = releaseHeldText();
            if (!rest.isEmpty()) {
                emit(-1, rest, null);
            }
        }
        return finish != null;
    }

    /** Ends the generation early (the client went away). */
    public void cancel() {
        if (finish == null) {
            finish = FinishReason.CANCELLED;
        }
    }

    public boolean finished() {
        return finish != null;
    }

    private String releaseHeldText() {
        return stops.push(decoder.flush()).text() + stops.flush();
    }

    private boolean emit(int token, String piece, TokenLogprobs logprobs) {
        text.append(piece);
        boolean wanted = sink.accept(new TokenEvent(token, piece, logprobs));
        if (!wanted && finish == null) {
            finish = FinishReason.CANCELLED;
        }
        return wanted;
    }

    public FinishReason finishReason() {
        return finish;
    }

    public int[] tokens() {
        return Arrays.copyOf(tokens, count);
    }

    public int count() {
        return count;
    }

    /** The last token accepted (the one to feed next). */
    public int lastToken() {
        return tokens[count - 1];
    }

    public String text() {
        return text.toString();
    }
}
