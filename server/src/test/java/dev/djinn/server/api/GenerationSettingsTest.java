package dev.djinn.server.api;

import dev.djinn.engine.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenerationSettingsTest {
    static ChatCompletionRequest chat(String json) {
        return Json.read(json.getBytes(), ChatCompletionRequest.class);
    }

    @Test
    void unsetOptionsTakeLlamaCppDefaults() {
        GenerationSettings s = GenerationSettings.of(chat("{\"messages\": []}"), -1);
        assertThat(s.sampling()).isEqualTo(SamplingParams.DEFAULTS);
        assertThat(s.maxTokens()).isEqualTo(-1);
        assertThat(s.stop()).isEmpty();
        assertThat(s.stream()).isFalse();
    }

    @Test
    void requestFieldsMapOntoSampling() {
        GenerationSettings s = GenerationSettings.of(chat("""
                {"temperature": 0, "top_p": 0.5, "top_k": 7, "min_p": 0.1, "seed": 99, "presence_penalty": 1.5,
                 "frequency_penalty": -0.5, "max_tokens": 10, "max_completion_tokens": 20, "stop": ["a", "", "b"],
                 "stream": true, "stream_options": {"include_usage": true}}"""), 2);
        assertThat(s.sampling()).isEqualTo(new SamplingParams(0f, 7, 0.5f, 0.1f, 1f, 64, -0.5f, 1.5f, 99));
        assertThat(s.maxTokens()).as("max_completion_tokens wins").isEqualTo(20);
        assertThat(s.stop()).containsExactly("a", "b");
        assertThat(s.logprobs()).isEqualTo(2);
        assertThat(s.includeUsage()).isTrue();
    }

    @Test
    void outOfRangeValuesNameTheirParameter() {
        assertThatThrownBy(() -> GenerationSettings.of(chat("{\"top_p\": 0}"), -1))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.body().error().param()).isEqualTo("top_p");
                });
        assertThatThrownBy(() -> GenerationSettings.of(chat("{\"presence_penalty\": 2.5}"), -1))
                .hasMessageContaining("between -2 and 2");
        assertThatThrownBy(() -> GenerationSettings.chatLogprobs(true, 21)).hasMessageContaining("between 0 and 20");
        assertThatThrownBy(() -> GenerationSettings.completionLogprobs(-1)).isInstanceOf(ApiException.class);
        assertThat(GenerationSettings.chatLogprobs(true, null)).isZero();
        assertThat(GenerationSettings.chatLogprobs(null, null)).isEqualTo(-1);
    }

    @Test
    void wrongTypesAreNotCoerced() {
        assertThatThrownBy(() -> chat("{\"seed\": \"42\"}")).hasMessage("Invalid type for 'seed': expected an integer.");
        assertThatThrownBy(() -> chat("{\"messages\": [{\"role\": 1}]}"))
                .hasMessage("Invalid type for 'messages[0].role': expected a string.");
    }
}
