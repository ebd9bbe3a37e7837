package dev.djinn.engine.service;

import dev.djinn.core.tokenizer.Tokenizer;
import dev.djinn.engine.generate.FinishReason;
import dev.djinn.engine.generate.GenerationRequest;
import dev.djinn.engine.generate.GenerationResult;
import dev.djinn.engine.generate.TokenSink;
import dev.djinn.engine.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WarmupTest {
    /** Records what it is asked to generate; generations complete at once with the requested token count. */
    private static final class RecordingService implements InferenceService {
        final ModelInfo info;
        final List<GenerationRequest> requests = new ArrayList<>();
        RuntimeException failure;

        RecordingService(int context, int vocab) {
            info = new ModelInfo("m", "llama", context, vocab, null, "", "");
        }

        @Override
        public ModelInfo model() {
            return info;
        }

        @Override
        public Tokenizer tokenizer() {
            throw new UnsupportedOperationException();
        }

        @Override
        public GenerationHandle submit(GenerationRequest request, TokenSink sink) {
            requests.add(request);
            GenerationResult result = new GenerationResult(new int[request.maxTokens()], "", FinishReason.LENGTH,
                    request.promptLength(), 1, 1);
            return new GenerationHandle() {
                @Override
                public CompletableFuture<GenerationResult> result() {
                    return failure == null ? CompletableFuture.completedFuture(result)
                            : CompletableFuture.failedFuture(failure);
                }

                @Override
                public void cancel() {
                }
            };
        }

        @Override
        public EngineStats stats() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aRoundIsOneLongPromptThenTwoAndEightShortOnesGreedyToTheirFullLength() {
        RecordingService service = new RecordingService(4096, 1000);
        Warmup.Report report = Warmup.run(service, 16, Duration.ZERO);
        assertThat(report.rounds()).isEqualTo(1); // no time left for a second
        assertThat(service.requests).hasSize(1 + 2 + 8);
        assertThat(service.requests.getFirst().promptLength()).isEqualTo(32);
        assertThat(service.requests.subList(1, 11)).allSatisfy(r -> assertThat(r.promptLength()).isEqualTo(4));
        assertThat(service.requests).allSatisfy(r -> {
            assertThat(r.maxTokens()).isEqualTo(8);
            assertThat(r.ignoreEos()).isTrue(); // every request generates its full length
            assertThat(r.sampling()).isEqualTo(SamplingParams.GREEDY);
            assertThat(java.util.Arrays.stream(r.prompt()).allMatch(t -> t >= 0 && t < 1000)).isTrue();
        });
        assertThat(report.generated()).isEqualTo(11 * 8);
    }

    @Test
    void requestsFitASmallContextAndTheSlotsThereAre() {
        RecordingService service = new RecordingService(12, 50);
        Warmup.run(service, 1, Duration.ZERO);
        // one slot: every wave is a single request; prompt and generation within the 12-token context
        assertThat(service.requests).hasSize(1);
        GenerationRequest r = service.requests.getFirst();
        assertThat(r.promptLength() + r.maxTokens()).isLessThanOrEqualTo(12);
        assertThat(r.promptLength()).isPositive();
    }

    @Test
    void aFailedGenerationFailsTheWarmUpWithItsOwnError() {
        RecordingService service = new RecordingService(4096, 1000);
        service.failure = new dev.djinn.core.DjinnException("out of KV memory");
        assertThatThrownBy(() -> Warmup.run(service, 4, Duration.ofSeconds(5)))
                .isInstanceOf(dev.djinn.core.DjinnException.class).hasMessage("out of KV memory");
    }

    @Test
    void roundsRepeatWhileTheJitKeepsCompilingWithinTheLimit() {
        RecordingService service = new RecordingService(4096, 1000);
        Warmup.Report report = Warmup.run(service, 2, Duration.ofSeconds(30));
        // widths 1 and 2; a round of this fake compiles next to nothing, so few rounds and well within the limit
        assertThat(report.rounds()).isBetween(1, 6);
        assertThat(service.requests).hasSize(3 * report.rounds());
        assertThat(report.took()).isLessThan(Duration.ofSeconds(30));
    }
}
