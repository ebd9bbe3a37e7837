package dev.djinn.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.djinn.core.DjinnException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SamplingParamsTest {
    @Test
    void defaultsAreThoseOfLlamaCppCommandLine() {
        assertThat(SamplingParams.DEFAULTS).isEqualTo(
                new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 0.0f, 0.0f, -1L));
        assertThat(SamplingParams.DEFAULTS.greedy()).isFalse();
        assertThat(SamplingParams.DEFAULTS.penalising()).isFalse();
    }

    @Test
    void greedyHasZeroTemperatureAndNothingElseSwitchedOn() {
        SamplingParams greedy = SamplingParams.GREEDY;
        assertThat(greedy.greedy()).isTrue();
        assertThat(greedy.penalising()).isFalse();
        assertThat(greedy.topK()).isZero();
        assertThat(greedy.topP()).isEqualTo(1.0f);
        assertThat(greedy.minP()).isZero();
    }

    @Test
    void withMethodsChangeOnlyTheirField() {
        SamplingParams p = SamplingParams.DEFAULTS
                .withTemperature(1.5f).withTopK(7).withTopP(0.5f).withMinP(0.2f)
                .withRepeatPenalty(1.1f).withRepeatLastN(-1).withFrequencyPenalty(0.3f)
                .withPresencePenalty(-0.4f).withSeed(1234L);
        assertThat(p).isEqualTo(new SamplingParams(1.5f, 7, 0.5f, 0.2f, 1.1f, -1, 0.3f, -0.4f, 1234L));
        assertThat(SamplingParams.DEFAULTS.withSeed(5)).isEqualTo(
                new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 0.0f, 0.0f, 5L));
    }

    @Test
    void penalisingNeedsAWindowAndANonNeutralPenalty() {
        assertThat(SamplingParams.DEFAULTS.withRepeatPenalty(1.1f).penalising()).isTrue();
        assertThat(SamplingParams.DEFAULTS.withFrequencyPenalty(0.1f).penalising()).isTrue();
        assertThat(SamplingParams.DEFAULTS.withPresencePenalty(0.1f).penalising()).isTrue();
        assertThat(SamplingParams.DEFAULTS.withRepeatPenalty(1.1f).withRepeatLastN(0).penalising()).isFalse();
    }

    @Test
    void boundaryValuesAreAccepted() {
        SamplingParams p = SamplingParams.DEFAULTS.withTemperature(0).withTopK(0).withTopP(1).withMinP(0)
                .withRepeatLastN(-1).withFrequencyPenalty(-2).withPresencePenalty(2).withSeed(Long.MIN_VALUE);
        assertThat(p.withMinP(1).minP()).isEqualTo(1.0f);
        assertThat(p.withTopP(Float.MIN_VALUE).topP()).isEqualTo(Float.MIN_VALUE);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withTemperature(-0.1f), "temperature"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withTemperature(Float.NaN), "temperature"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withTemperature(Float.POSITIVE_INFINITY),
                        "temperature"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withTopK(-1), "top_k"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withTopP(0), "top_p"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withTopP(1.01f), "top_p"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withTopP(Float.NaN), "top_p"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withMinP(-0.01f), "min_p"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withMinP(1.5f), "min_p"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withMinP(Float.NaN), "min_p"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withRepeatPenalty(0), "repeat_penalty"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withRepeatPenalty(-1), "repeat_penalty"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withRepeatPenalty(Float.NaN),
                        "repeat_penalty"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withRepeatLastN(-2), "repeat_last_n"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withFrequencyPenalty(Float.NaN),
                        "frequency_penalty"),
                Arguments.of((UnaryOperator<SamplingParams>) p -> p.withPresencePenalty(Float.NEGATIVE_INFINITY),
                        "presence_penalty"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void invalidValuesAreRejectedNamingTheParameter(UnaryOperator<SamplingParams> change, String name) {
        assertThatThrownBy(() -> change.apply(SamplingParams.DEFAULTS))
                .isInstanceOf(DjinnException.class)
                .hasMessageStartingWith(name + " must")
                .hasMessageEndingWith(".");
    }
}
