package dev.djinn.core.tokenizer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Word splits worked out by hand from llama.cpp's regexes (and its custom gpt2/llama3 splitters). */
class PreTokenizerTest {

    static List<Arguments> splits() {
        return List.of(
                arguments("gpt-2", "Hello world", List.of("Hello", " world")),
                arguments("gpt-2", "I'm 12345 ok", List.of("I", "'m", " 12345", " ok")),
                arguments("gpt-2", "a  b", List.of("a", " ", " b")),
                arguments("gpt-2", "a\n\nb", List.of("a", "\n", "\n", "b")),
                // non-ASCII whitespace is whitespace (llama.cpp maps it to U+000B), and only ' ' joins a word
                arguments("gpt-2", "a\u00A0\u00A0b", List.of("a", "\u00A0", "\u00A0", "b")),
                arguments("gpt-2", "x \u3000y", List.of("x", " ", "\u3000", "y")),
                arguments("llama-bpe", "12345", List.of("123", "45")),
                arguments("llama-bpe", "x\n\n y", List.of("x", "\n\n", " y")),
                arguments("llama-bpe", "  multiple", List.of(" ", " multiple")),
                arguments("llama-bpe", "I'M here", List.of("I", "'M", " here")),
                arguments("llama-bpe", "abc\u3000def", List.of("abc", "\u3000def")),
                arguments("qwen2", "2025!!\n", List.of("2", "0", "2", "5", "!!\n")),
                arguments("deepseek-coder", "你好abc 12", List.of("你好", "abc", " ", "1", "2")),
                arguments("deepseek-coder", "a\nb", List.of("a", "\n", "b")),
                arguments("default", "x+=12345;", List.of("x", "+=", "123", "45", ";")));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("splits")
    void splitsLikeLlamaCpp(String pre, String text, List<String> words) {
        assertThat(PreTokenizer.forName(pre).split(text)).containsExactlyElementsOf(words);
    }
}
