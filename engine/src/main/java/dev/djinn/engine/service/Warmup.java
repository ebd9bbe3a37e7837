package dev.djinn.engine.service;

import dev.djinn.core.DjinnException;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.TokenSink;
import dev.djinn.engine.sampling.SamplingParams;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Small generations run through a service before it takes requests, so that the JIT has compiled what every
 * shape of step uses (one sequence, two, a batch of many; prompts in chunks) and the first client sees the
 * speed of the rest: without it, a fresh server's first request runs partly interpreted (1B Q4_0, 2 threads:
 * 3.7-4.0 s for 32 tokens against 0.9 s for the next). llama.cpp's server warms up too (an empty run, {@code
 * --no-warmup} to skip it). After each round the engine idles until the compiler threads, which share the
 * cores, have finished what it queued; rounds repeat until one queues next to nothing, within a time limit.
 */
public final class Warmup {
    /** Requests at once per round, where the service takes as many: the step kernels differ for these. */
    private static final int[] WIDTHS = {1, 2, 8};
    private static final int MAX_ROUNDS = 6;
    /** How long one warm-up generation may take before the warm-up fails (it should take seconds). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);
    /** Compilation time in a round below which the JIT counts as settled. */
    private static final long SETTLED_MS = 50;

    private Warmup() {
    }

    /**
     * What a warm-up did.
     *
     * @param rounds    rounds run (each: every width in turn)
     * @param generated tokens generated in all
     * @param took      wall time
     */
    public record Report(int rounds, long generated, Duration took) {
    }

    /**
     * Warms {@code service} up with random prompts, greedy, at most {@code parallel} requests at once, until
     * a round leaves the JIT idle or {@code limit} has passed (the round under way finishes).
     */
    public static Report run(InferenceService service, int parallel, Duration limit) {
        ModelInfo info = service.model();
        // one request with a prompt long enough for the prompt kernels, the batches mostly decode: short rounds,
        // since what takes the time is C2 compiling in the background, not reaching its thresholds
        int longPrompt = Math.max(1, Math.min(32, info.contextLength() / 4));
        int shortPrompt = Math.max(1, Math.min(4, info.contextLength() / 4));
        int genTokens = Math.max(1, Math.min(8, info.contextLength() / 4));
        TreeSet<Integer> widths = new TreeSet<>();
        for (int w : WIDTHS) {
            widths.add(Math.min(w, parallel));
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timed = jit != null && jit.isCompilationTimeMonitoringSupported();
        SplittableRandom random = new SplittableRandom(1);
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        long generated = 0;
        int rounds = 0;
        long compiled = timed ? jit.getTotalCompilationTime() : 0;
        while (rounds < MAX_ROUNDS) {
            for (int width : widths) {
                generated += wave(service, width, width == 1 ? longPrompt : shortPrompt, genTokens, info.vocabSize(),
                        random);
            }
            rounds++;
            if (!timed) {
                break;
            }
            // the compiler threads share the cores with the engine's: let them finish what the round queued
            long now = awaitIdleCompiler(jit, deadline);
            boolean settled = now - compiled < SETTLED_MS;
            compiled = now;
            if (settled || System.nanoTime() > deadline) {
                break;
            }
        }
        return new Report(rounds, generated, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Waits until the JIT's compilation time stops growing for a while (or the deadline); returns it. */
    private static long awaitIdleCompiler(CompilationMXBean jit, long deadline) {
        long last = jit.getTotalCompilationTime();
        int quiet = 0;
        while (quiet < QUIET_POLLS && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long now = jit.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
        return last;
    }

    private static final long POLL_MS = 50;
    private static final int QUIET_POLLS = 4;

    /** {@code width} requests at once; returns the tokens they generated. */
    private static long wave(InferenceService service, int width, int promptTokens, int genTokens, int vocab,
                             SplittableRandom random) {
        List<CompletableFuture<GenerationResult>> results = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            int[] prompt = random.ints(promptTokens, 0, vocab).toArray();
            GenerationRequest request = new GenerationRequest(prompt, SamplingParams.GREEDY, genTokens, List.of(),
                    true, -1);
            results.add(service.submit(request, TokenSink.IGNORE).result());
        }
        long generated = 0;
        for (CompletableFuture<GenerationResult> r : results) {
            try {
                generated += r.get(REQUEST_TIMEOUT.toMinutes(), TimeUnit.MINUTES).generatedTokens();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re
                        : new DjinnException("warm-up generation failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new DjinnException("warm-up generation did not finish within " + REQUEST_TIMEOUT.toMinutes()
                        + " minutes; start with --no-warmup to skip it");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DjinnException("interrupted while warming up");
            }
        }
        return generated;
    }
}
