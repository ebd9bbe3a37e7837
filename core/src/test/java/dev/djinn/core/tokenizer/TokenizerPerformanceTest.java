package dev.djinn.core.tokenizer;

import dev.djinn.core.gguf.GgufFile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Loose bounds (the build machines are small and shared); the timings are printed for the record. */
class TokenizerPerformanceTest {
    private static final String PROMPT = ("Once upon a time, in a small village at the edge of a great forest, there lived "
            + "a girl named Lily who loved to collect smooth stones from the river. Ünïcödé, 你好，世界 🦙 and code: "
            + "def f(x):\n    return x * 2  # comment\n").repeat(6);

    @Test
    void llama3VocabularyLoadsQuickly() {
        long bestNanos = Long.MAX_VALUE;
        long bestOpenNanos = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long open = System.nanoTime();
            try (GgufFile file = GgufFile.open(TestModels.dir().resolve("ggml-vocab-llama-bpe.gguf"))) {
                long start = System.nanoTime();
                Tokenizer.fromMetadata(file.metadata());
                bestNanos = Math.min(bestNanos, System.nanoTime() - start);
                bestOpenNanos = Math.min(bestOpenNanos, start - open);
            }
        }
        System.out.printf("llama-bpe tokenizer (128256 tokens, 280147 merges) built in %.1f ms (GGUF parse %.1f ms)%n",
                bestNanos / 1e6, bestOpenNanos / 1e6);
        assertThat(bestNanos / 1e6).isLessThan(2000);
    }

    @Test
    void encodingAThousandCharactersTakesMilliseconds() {
        assertThat(PROMPT.length()).isGreaterThan(1000);
        for (String gguf : new String[] {"ggml-vocab-llama-bpe.gguf", "ggml-vocab-llama-spm.gguf",
                "ggml-vocab-deepseek-coder.gguf", "bpe-random-tiny.gguf"}) {
            Tokenizer tokenizer = TestModels.tokenizer(gguf);
            int runs = 50;
            for (int i = 0; i < runs; i++) {
                tokenizer.encode(PROMPT, true, true); // warm up
            }
            long start = System.nanoTime();
            int tokens = 0;
            for (int i = 0; i < runs; i++) {
                tokens = tokenizer.encode(PROMPT, true, true).length;
            }
            double ms = (System.nanoTime() - start) / 1e6 / runs;
            System.out.printf("%s: %d chars -> %d tokens in %.2f ms%n", gguf, PROMPT.length(), tokens, ms);
            assertThat(ms).as(gguf).isLessThan(50);
        }
    }
}
