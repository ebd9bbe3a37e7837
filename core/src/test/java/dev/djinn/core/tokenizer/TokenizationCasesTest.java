package dev.djinn.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every {@code tokenization.cases} entry of every expected.json, checked against llama_tokenize and token_to_piece. */
class TokenizationCasesTest {

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String json : TestModels.expectedFiles()) {
            JsonNode expected = TestModels.expected(json);
            String gguf = expected.get("file").asText();
            int i = 0;
            for (JsonNode c : expected.path("tokenization").path("cases")) {
                String name = gguf + " #" + i++ + " " + TestModels.label(c.get("text").asText());
                cases.add(Arguments.of(Named.of(name, gguf), c));
            }
        }
        return cases;
    }

    static List<Arguments> parseSpecialCases() {
        return cases().stream().filter(a -> ((JsonNode) a.get()[1]).has("ids_with_special_parse_special")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withSpecial(String gguf, JsonNode c) {
        assertThat(TestModels.tokenizer(gguf).encode(c.get("text").asText(), true, false))
                .containsExactly(TestModels.ints(c.get("ids_with_special")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void noSpecial(String gguf, JsonNode c) {
        assertThat(TestModels.tokenizer(gguf).encode(c.get("text").asText(), false, false))
                .containsExactly(TestModels.ints(c.get("ids_no_special")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parseSpecialCases")
    void withSpecialParseSpecial(String gguf, JsonNode c) {
        assertThat(TestModels.tokenizer(gguf).encode(c.get("text").asText(), true, true))
                .containsExactly(TestModels.ints(c.get("ids_with_special_parse_special")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pieces(String gguf, JsonNode c) {
        Tokenizer tokenizer = TestModels.tokenizer(gguf);
        int[] ids = TestModels.ints(c.get("ids_no_special"));
        JsonNode hex = c.get("pieces_no_special_hex");
        assertThat(hex.size()).isEqualTo(ids.length);
        for (int i = 0; i < ids.length; i++) {
            assertThat(tokenizer.pieceBytes(ids[i])).as("piece of token %d", ids[i])
                    .containsExactly(TestModels.hex(hex.get(i).asText()));
        }
    }
}
