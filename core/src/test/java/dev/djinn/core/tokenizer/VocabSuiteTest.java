package dev.djinn.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama.cpp's tokenizer test suites ({@code ggml-vocab-*.gguf.inp/.out}), applied to the model files that the
 * expected.json files name in {@code vocab_test_suites}: no BOS, no special-token parsing.
 */
class VocabSuiteTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    record Suite(String gguf, String inp, String out, int cases) {
    }

    static List<Suite> suites() {
        List<Suite> suites = new ArrayList<>();
        for (String json : TestModels.expectedFiles()) {
            JsonNode expected = TestModels.expected(json);
            for (JsonNode suite : expected.path("vocab_test_suites")) {
                suites.add(new Suite(expected.get("file").asText(), suite.get("inp").asText(),
                        suite.get("out").asText(), suite.get("n_cases").asInt()));
            }
        }
        return suites;
    }

    static List<String> inputs(Suite suite) {
        String inp = TestModels.read(suite.inp());
        List<String> texts = new ArrayList<>(Arrays.asList(inp.split(Pattern.quote(SEPARATOR), -1)));
        assertThat(texts.removeLast()).as("the .inp file ends with the separator").isEmpty();
        return texts;
    }

    static List<int[]> outputs(Suite suite) {
        List<int[]> ids = new ArrayList<>();
        for (String line : TestModels.read(suite.out()).split("\n", -1)) {
            String trimmed = line.strip();
            ids.add(trimmed.isEmpty() ? new int[0] : Arrays.stream(trimmed.split(" +")).mapToInt(Integer::parseInt).toArray());
        }
        return ids;
    }

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Suite suite : suites()) {
            List<String> texts = inputs(suite);
            List<int[]> ids = outputs(suite);
            for (int i = 0; i < texts.size(); i++) {
                String name = suite.gguf() + " [" + suite.inp().replace(".gguf.inp", "") + " #" + i + "] "
                        + TestModels.label(texts.get(i));
                cases.add(Arguments.of(Named.of(name, suite.gguf()), texts.get(i), ids.get(i)));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("suites")
    void suiteIsComplete(Suite suite) {
        assertThat(inputs(suite)).hasSize(suite.cases());
        assertThat(outputs(suite).size()).isGreaterThanOrEqualTo(suite.cases());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesReference(String gguf, String text, int[] expected) {
        assertThat(TestModels.tokenizer(gguf).encode(text, false, false)).containsExactly(expected);
    }
}
