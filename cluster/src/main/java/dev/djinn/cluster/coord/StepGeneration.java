package dev.djinn.cluster.coord;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tokenizer.StreamingDecoder;
import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.generate.FinishReason;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.StopMatcher;
import dev.djinn.engine.generate.TokenEvent;
import dev.djinn.engine.generate.TokenSink;
import dev.djinn.engine.sampling.TokenLogprobs;
import dev.djinn.engine.scheduler.Step;
import dev.djinn.engine.scheduler.StepExecutor;
import dev.djinn.engine.scheduler.StepResult;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One generation driven through a {@link StepExecutor}, without a thread waiting on it: each step's
 * completion submits the next. It behaves like the single-machine {@code Generator}: the prompt in chunks of
 * at most the executor's batch, then one token per step; the same end-of-generation, stop-string, token-limit
 * and cancellation rules; the same streamed text. It serves gRPC {@code Generate} calls ({@code djinn run
 * --peers}), one request each; the HTTP API ({@code djinn node --api-port}) puts the continuous-batching
 * scheduler in front of the same executor instead.
 *
 * <p>With {@code forced} tokens (teacher forcing, for measuring agreement) the sampled token is reported but
 * the forced one is fed back.
 */
public final class StepGeneration {
    private final StepExecutor executor;
    private final Tokenizer tokenizer;
    private final GenerationRequest req;
    private final int[] prompt;
    private final int limit;
    private final int chunk;
    private final long seq;
    private final int[] forced;
    private final int paceMs;
    private final ScheduledExecutorService timer;
    private final TokenSink sink;
    private final Executor callbacks;
    private final StreamingDecoder decoder;
    private final StopMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private int[] out;
    private int produced;
    private int prefillFrom;
    private long start;
    private long promptNanos;
    private long genStart;
    private volatile boolean cancelled;

    public StepGeneration(StepExecutor executor, Tokenizer tokenizer, GenerationRequest req, int contextLength,
                          int prefillChunk, long seq, int[] forced, int paceMs, ScheduledExecutorService timer,
                          TokenSink sink, Executor callbacks) {
        this.executor = executor;
        this.tokenizer = tokenizer;
        this.req = req;
        this.prompt = req.prompt();
        if (prompt.length == 0) {
            throw new DjinnException("the prompt is empty (and the model adds no BOS token)");
        }
        if (prompt.length >= contextLength) {
            throw new DjinnException("the prompt has " + prompt.length + " tokens but the context holds "
                    + contextLength + "; use a larger context (--ctx) or a shorter prompt");
        }
        int l = contextLength - prompt.length;
        if (req.maxTokens() >= 0) {
            l = Math.min(l, req.maxTokens());
        }
        this.limit = l;
        this.chunk = Math.max(1, Math.min(prefillChunk, executor.maxBatch()));
        this.seq = seq;
        this.forced = forced;
        this.paceMs = paceMs;
        this.timer = timer;
        this.sink = sink;
        this.callbacks = callbacks;
        this.decoder = new StreamingDecoder(tokenizer);
        this.stops = new StopMatcher(req.stop());
        this.out = new int[Math.max(0, limit)];
        executor.open(seq, contextLength, req.sampling(), req.logprobs());
    }

    /** Starts; the future completes with the result, or exceptionally when the cluster failed it. */
    public CompletableFuture<GenerationResult> start() {
        start = System.nanoTime();
        if (limit <= 0) {
            finish(FinishReason.LENGTH);
        } else {
            prefill();
        }
        return result;
    }

    public void cancel() {
        cancelled = true;
    }

    private void prefill() {
        int count = Math.min(chunk, prompt.length - prefillFrom);
        long[] seqs = new long[count];
        Arrays.fill(seqs, seq);
        int[] positions = new int[count];
        boolean[] sample = new boolean[count];
        for (int i = 0; i < count; i++) {
            positions[i] = prefillFrom + i;
        }
        boolean lastChunk = prefillFrom + count == prompt.length;
        sample[count - 1] = lastChunk;
        boolean[] promptRows = new boolean[count];
        Arrays.fill(promptRows, true);
        Step step = new Step(seqs, Arrays.copyOfRange(prompt, prefillFrom, prefillFrom + count), positions, sample,
                promptRows, count);
        prefillFrom += count;
        executor.submit(step).whenCompleteAsync((r, t) -> {
            if (t != null) {
                fail(t);
            } else if (cancelled) {
                finish(FinishReason.CANCELLED);
            } else if (!lastChunk) {
                prefill();
            } else {
                promptNanos = System.nanoTime() - start;
                genStart = System.nanoTime();
                next(r.sampled()[count - 1], r.logprobs()[count - 1]);
            }
        }, callbacks);
    }

    /** Handles a sampled token: stream it, decide whether to go on, feed it back. */
    private void next(int token, TokenLogprobs lp) {
        try {
            out[produced++] = token;
            int fed = forced != null && produced - 1 < forced.length ? forced[produced - 1] : token;
            if (!req.ignoreEos() && tokenizer.isEndOfGeneration(fed) && forced == null) {
                String rest = stops.push(decoder.flush()).text() + stops.flush();
                text.append(rest);
                boolean wanted = sink.accept(new TokenEvent(token, rest, lp));
                finish(wanted ? FinishReason.STOP : FinishReason.CANCELLED);
                return;
            }
            StopMatcher.Result sr = stops.push(decoder.push(fed));
            text.append(sr.text());
            boolean wanted = sink.accept(new TokenEvent(token, sr.text(), lp));
            if (sr instanceof StopMatcher.Stop) {
                finish(FinishReason.STOP);
                return;
            }
            if (!wanted || cancelled) {
                finish(FinishReason.CANCELLED);
                return;
            }
            if (produced == limit) {
                String rest = stops.push(decoder.flush()).text() + stops.flush();
                text.append(rest);
                if (!rest.isEmpty()) {
                    sink.accept(new TokenEvent(-1, rest, null));
                }
                finish(FinishReason.LENGTH);
                return;
            }
            Step step = new Step(new long[] {seq}, new int[] {fed}, new int[] {prompt.length + produced - 1},
                    new boolean[] {true}, new boolean[] {false}, 1);
            if (paceMs > 0) {
                timer.schedule(() -> decode(step), paceMs, TimeUnit.MILLISECONDS);
            } else {
                decode(step);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void decode(Step step) {
        try {
            executor.submit(step).whenCompleteAsync((r, t) -> {
                if (t != null) {
                    fail(t);
                } else {
                    next(r.sampled()[0], r.logprobs()[0]);
                }
            }, callbacks);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void finish(FinishReason reason) {
        executor.close(seq);
        long genNanos = genStart == 0 ? 0 : System.nanoTime() - genStart;
        result.complete(new GenerationResult(Arrays.copyOf(out, produced), text.toString(), reason, prompt.length,
                promptNanos, genNanos));
    }

    private void fail(Throwable t) {
        executor.close(seq);
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        result.completeExceptionally(c);
    }
}
