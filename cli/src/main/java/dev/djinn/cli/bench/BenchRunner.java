package dev.djinn.cli.bench;

import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.LocalModel;
import dev.djinn.engine.LocalSequence;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs llama-bench's two tests on a loaded model: prefill of a fixed prompt of random valid token ids into a
 * fresh KV cache, then greedy generation of one token per forward pass, continuing after the prompt. One
 * untimed warm-up repetition first lets the JIT compile the kernels.
 */
public final class BenchRunner {
    private final LocalModel model;
    private final BenchConfig config;
    private final int[] prompt;

    public BenchRunner(LocalModel model, BenchConfig config) {
        this.model = model;
        this.config = config;
        this.prompt = promptIds(model.tokenizer(), model.config().vocabSize(), Math.max(1, config.promptTokens()),
                config.seed());
    }

    /** BOS first when the model adds one (as llama-bench does), then random ids from the whole vocabulary. */
    static int[] promptIds(Tokenizer tok, int vocab, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = random.nextInt(vocab);
        }
        if (tok.addBos() && tok.bosId() >= 0) {
            ids[0] = tok.bosId();
        }
        return ids;
    }

    public List<Repetition> run() {
        warmUp();
        List<Repetition> reps = new ArrayList<>(config.repetitions());
        for (int i = 0; i < config.repetitions(); i++) {
            reps.add(once());
        }
        return reps;
    }

    /** The untimed repetition that lets the JIT compile the kernels. */
    public void warmUp() {
        once();
    }

    /** One measured repetition. */
    public Repetition once() {
        try (LocalSequence seq = new LocalSequence(model, config.contextLength(), config.kvType())) {
            int p = config.promptTokens();
            float[] logits = null;
            long t0 = System.nanoTime();
            for (int from = 0; from < p; from += config.batch()) {
                logits = seq.forward(prompt, from, Math.min(config.batch(), p - from), from, true);
            }
            long prefill = System.nanoTime() - t0;

            // with no prompt, generation starts from the prompt's first id at position 0 (llama-bench's tg test)
            int[] one = {prompt[0]};
            int vocab = seq.vocabSize();
            long gcBefore = GcCounter.youngCollections();
            long t1 = System.nanoTime();
            for (int i = 0; i < config.generateTokens(); i++) {
                if (logits != null) {
                    one[0] = argmax(logits, seq.logitsOffset(), vocab);
                }
                logits = seq.forward(one, 0, 1, p + i, false);
            }
            long generate = System.nanoTime() - t1;
            long gcs = GcCounter.youngCollections() - gcBefore;
            return new Repetition(prefill, generate, gcs);
        }
    }

    /** Greedy choice; ties go to the lowest id, as in djinn's sampler. */
    static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        float max = logits[offset];
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > max) {
                max = logits[offset + i];
                best = i;
            }
        }
        return best;
    }
}
