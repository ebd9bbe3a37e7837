package dev.djinn.core.tokenizer;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufArray;
import dev.djinn.core.gguf.GgufMetadata;
import dev.djinn.core.gguf.GgufValue;
import dev.djinn.core.gguf.GgufValueType;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenizerErrorsTest {

    private static Map<String, GgufValue> bpe(String pre) {
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("tokenizer.ggml.model", GgufValue.of("gpt2"));
        kv.put("tokenizer.ggml.pre", GgufValue.of(pre));
        kv.put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufArray(GgufValueType.STRING, new String[] {"a", "b", "ab"})));
        kv.put("tokenizer.ggml.merges", GgufValue.ofArray(new GgufArray(GgufValueType.STRING, new String[] {"a b"})));
        return kv;
    }

    @Test
    void unknownTokenizerModelIsNamed() {
        Map<String, GgufValue> kv = bpe("gpt-2");
        kv.put("tokenizer.ggml.model", GgufValue.of("bert"));
        assertThatThrownBy(() -> Tokenizer.fromMetadata(new GgufMetadata(kv)))
                .isInstanceOf(DjinnException.class).hasMessageContaining("'bert'");
    }

    @Test
    void unknownPreTokenizerIsNamed() {
        assertThatThrownBy(() -> Tokenizer.fromMetadata(new GgufMetadata(bpe("mystery-bpe"))))
                .isInstanceOf(DjinnException.class).hasMessageContaining("'mystery-bpe'")
                .hasMessageContaining("tokenizer.ggml.pre");
    }

    @Test
    void missingTokenizerIsReported() {
        assertThatThrownBy(() -> Tokenizer.fromMetadata(new GgufMetadata(Map.of())))
                .isInstanceOf(DjinnException.class).hasMessageContaining("tokenizer.ggml.model");
    }

    @Test
    void missingMergesAreReported() {
        Map<String, GgufValue> kv = bpe("gpt-2");
        kv.remove("tokenizer.ggml.merges");
        assertThatThrownBy(() -> Tokenizer.fromMetadata(new GgufMetadata(kv)))
                .isInstanceOf(DjinnException.class).hasMessageContaining("tokenizer.ggml.merges");
    }

    @Test
    void tinySyntheticBpeMerges() {
        Tokenizer tokenizer = Tokenizer.fromMetadata(new GgufMetadata(bpe("gpt-2")));
        assertThat(tokenizer.encode("abab", false, false)).containsExactly(2, 2);
        assertThat(tokenizer.decode(new int[] {2, 0})).isEqualTo("aba");
        assertThat(tokenizer.addBos()).as("gpt-2 pre-tokenizer adds no BOS by default").isFalse();
    }
}
