package dev.djinn.engine.scheduler;

import dev.djinn.core.DjinnException;
import dev.djinn.engine.LocalModel;
import dev.djinn.engine.LocalSequence;
import dev.djinn.engine.ReferenceData;
import dev.djinn.engine.generate.FinishReason;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.Generator;
import dev.djinn.engine.generate.TokenSink;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.engine.sampling.SamplingParams;
import dev.djinn.engine.service.GenerationHandle;
import dev.djinn.engine.service.ModelInfo;
import dev.djinn.engine.service.QueueFullException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContinuousBatchingServiceTest {
    private static final String[] PROMPTS = {"Once upon a time", "The cat", "Lily and Tom went", "One day",
            "A big dog", "She saw a bird", "The sun was", "Tim had a red ball", "Mom said", "They played"};
    private static LocalModel model;

    @BeforeAll
    static void load() {
        model = LocalModel.open(ReferenceData.model("stories260K.gguf"), 2, 64);
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    private static ContinuousBatchingService service(int slots, int queue, long budget) {
        return service(model, slots, queue, budget);
    }

    private static ContinuousBatchingService service(LocalModel model, int slots, int queue, long budget) {
        ModelInfo info = new ModelInfo("test", "llama", 256, model.config().vocabSize(), null, "<s>", "</s>");
        return new ContinuousBatchingService(new LocalStepExecutor(model, KvCacheType.F32), model.tokenizer(), info,
                new ContinuousBatchingService.Options(slots, queue, budget, 256, 16),
                ContinuousBatchingService.Listener.NONE);
    }

    private static GenerationRequest request(String prompt, SamplingParams sampling, int n) {
        return request(model, prompt, sampling, n);
    }

    private static GenerationRequest request(LocalModel model, String prompt, SamplingParams sampling, int n) {
        return new GenerationRequest(model.tokenizer().encode(prompt, true, false), sampling, n, List.of(), false, -1);
    }

    private static GenerationResult alone(GenerationRequest r) {
        return alone(model, r);
    }

    private static GenerationResult alone(LocalModel model, GenerationRequest r) {
        try (LocalSequence seq = new LocalSequence(model, 256, KvCacheType.F32)) {
            return new Generator(model.tokenizer(), 64).generate(r, seq, TokenSink.IGNORE);
        }
    }

    /**
     * Each weight type's batched path for generated rows (Q8_0/Q4_0: gemmDots, or for packed Q4_0 at 512 bits the
     * float GEMM of six and more generated rows; F16: the float GEMM; Q4_K/Q6_K: the K-quant GEMM) must give
     * every request exactly its tokens alone, whatever shares its steps.
     */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K-q8_0.gguf", "stories260K-q4_0.gguf", "stories260K-f16.gguf",
            "llama-kquant-random-q4_k_m.gguf", "llama-kquant-random-q6_k.gguf"})
    void batchedStepsGiveSoloOutputsOnEveryWeightType(String file) throws Exception {
        try (LocalModel m = LocalModel.open(ReferenceData.model(file), 2, 64)) {
            List<GenerationRequest> reqs = new ArrayList<>();
            List<GenerationResult> solo = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                SamplingParams p = i % 2 == 0 ? SamplingParams.GREEDY : SamplingParams.DEFAULTS.withSeed(2000 + i);
                reqs.add(request(m, PROMPTS[i % PROMPTS.length], p, 16 + 2 * i));
                solo.add(alone(m, reqs.getLast()));
            }
            try (ContinuousBatchingService svc = service(m, 8, 64, 1L << 30)) {
                List<GenerationHandle> handles = new ArrayList<>();
                for (GenerationRequest r : reqs) {
                    handles.add(svc.submit(r, e -> true));
                }
                for (int i = 0; i < reqs.size(); i++) {
                    GenerationResult got = handles.get(i).result().get(60, TimeUnit.SECONDS);
                    assertThat(got.tokens()).as("%s request %d", file, i).containsExactly(solo.get(i).tokens());
                }
            }
        }
    }

    @Test
    void concurrentRequestsGiveTheirSoloOutputs() throws Exception {
        List<GenerationRequest> reqs = new ArrayList<>();
        List<GenerationResult> solo = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            SamplingParams p = i % 2 == 0 ? SamplingParams.GREEDY : SamplingParams.DEFAULTS.withSeed(1000 + i);
            reqs.add(request(PROMPTS[i % PROMPTS.length], p, 24 + i));
            solo.add(alone(reqs.getLast())); // before the service starts: the model's transformer serves one thread
        }
        try (ContinuousBatchingService svc = service(8, 64, 1L << 30)) {
            List<GenerationHandle> handles = new ArrayList<>();
            List<StringBuilder> streamed = new ArrayList<>();
            for (GenerationRequest r : reqs) {
                StringBuilder sb = new StringBuilder();
                streamed.add(sb);
                handles.add(svc.submit(r, e -> {
                    sb.append(e.text());
                    return true;
                }));
            }
            for (int i = 0; i < reqs.size(); i++) {
                GenerationResult got = handles.get(i).result().get(60, TimeUnit.SECONDS);
                GenerationResult want = solo.get(i);
                assertThat(got.tokens()).as("request %d", i).containsExactly(want.tokens());
                assertThat(got.text()).isEqualTo(want.text());
                assertThat(streamed.get(i).toString()).isEqualTo(want.text());
                assertThat(got.finishReason()).isEqualTo(want.finishReason());
            }
            assertThat(svc.stats().kvBytesUsed()).isZero();
        }
    }

    @Test
    void greedyMatchesLlamaCppReference() throws Exception {
        var run = ReferenceData.runs("f32").stream().filter(r -> r.model().equals("stories260K")).findFirst().orElseThrow();
        try (ContinuousBatchingService svc = service(4, 8, 1L << 30)) {
            GenerationRequest r = new GenerationRequest(run.promptIds(), SamplingParams.GREEDY, 64, List.of(), false, -1);
            List<GenerationHandle> hs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                hs.add(svc.submit(r, TokenSink.IGNORE));
            }
            for (GenerationHandle h : hs) {
                assertThat(h.result().get(60, TimeUnit.SECONDS).tokens()).containsExactly(run.generatedIds());
            }
        }
    }

    @Test
    void cancellingFreesTheSlotAndItsMemory() throws Exception {
        try (ContinuousBatchingService svc = service(2, 4, 1L << 30)) {
            CountDownLatch firstToken = new CountDownLatch(1);
            GenerationHandle h = svc.submit(request("Once upon a time", SamplingParams.GREEDY, 200), e -> {
                firstToken.countDown();
                return true;
            });
            assertThat(firstToken.await(30, TimeUnit.SECONDS)).isTrue();
            h.cancel();
            GenerationResult r = h.result().get(30, TimeUnit.SECONDS);
            assertThat(r.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(r.generatedTokens()).isLessThan(200);
            assertThat(svc.stats().running()).isZero();
            assertThat(svc.stats().kvBytesUsed()).isZero();
            // a sink that declines tokens (client gone) cancels too
            GenerationHandle gone = svc.submit(request("The cat", SamplingParams.GREEDY, 200), e -> false);
            assertThat(gone.result().get(30, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.CANCELLED);
        }
    }

    @Test
    void fullQueueIsRefusedAndOversizedRequestsAreRejected() throws Exception {
        try (ContinuousBatchingService svc = service(1, 1, 1L << 30)) {
            CountDownLatch hold = new CountDownLatch(1);
            TokenSink blocking = e -> {
                try {
                    hold.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                return true;
            };
            List<GenerationHandle> accepted = new ArrayList<>();
            assertThatThrownBy(() -> {
                for (int i = 0; i < 10; i++) {
                    accepted.add(svc.submit(request("Once upon a time", SamplingParams.GREEDY, 100), blocking));
                }
            }).isInstanceOf(QueueFullException.class);
            assertThat(accepted).hasSizeBetween(1, 3);
            hold.countDown();
            for (GenerationHandle h : accepted) {
                h.result().get(60, TimeUnit.SECONDS);
            }
        }
        long oneSequence = new LocalStepExecutor(model, KvCacheType.F32).kvBytes(100);
        try (ContinuousBatchingService svc = service(4, 4, oneSequence)) {
            assertThatThrownBy(() -> svc.submit(request("Once upon a time", SamplingParams.GREEDY, 200), TokenSink.IGNORE))
                    .isInstanceOf(DjinnException.class).hasMessageContaining("KV cache");
            assertThatThrownBy(() -> svc.submit(request("x ".repeat(300), SamplingParams.GREEDY, 10), TokenSink.IGNORE))
                    .isInstanceOf(DjinnException.class).hasMessageContaining("context");
        }
    }

    @Test
    void requestsWaitForKvMemoryInsteadOfFailing() throws Exception {
        long perSequence = new LocalStepExecutor(model, KvCacheType.F32).kvBytes(5 + 40);
        try (ContinuousBatchingService svc = service(8, 16, perSequence * 2)) {
            List<GenerationHandle> hs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                hs.add(svc.submit(request("Once upon a time", SamplingParams.GREEDY, 40), TokenSink.IGNORE));
            }
            for (GenerationHandle h : hs) {
                assertThat(h.result().get(60, TimeUnit.SECONDS).generatedTokens()).isEqualTo(40);
            }
        }
    }
}
