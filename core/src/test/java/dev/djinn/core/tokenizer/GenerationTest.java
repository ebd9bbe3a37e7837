package dev.djinn.core.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The greedy runs of every expected.json: prompt tokenization, and the bytes of the generated pieces. */
class GenerationTest {

    static List<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (String json : TestModels.expectedFiles()) {
            JsonNode expected = TestModels.expected(json);
            String gguf = expected.get("file").asText();
            int i = 0;
            for (JsonNode run : expected.path("generation")) {
                String name = gguf + " run " + i++ + " (kv " + run.path("kv_cache_type").asText() + ", "
                        + run.get("generated_ids").size() + " tokens) " + TestModels.label(run.get("prompt").asText());
                runs.add(Arguments.of(Named.of(name, gguf), run));
            }
        }
        return runs;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void promptIds(String gguf, JsonNode run) {
        Tokenizer tokenizer = TestModels.tokenizer(gguf);
        String prompt = run.get("prompt").asText();
        int[] ids = tokenizer.encode(prompt, true, false);
        if (prompt.isEmpty() && ids.length == 0) {
            ids = new int[] {tokenizer.bosId()}; // README: an empty prompt is fed as BOS alone, even without add_bos
        }
        assertThat(ids).containsExactly(TestModels.ints(run.get("prompt_ids")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void generatedPieces(String gguf, JsonNode run) {
        Tokenizer tokenizer = TestModels.tokenizer(gguf);
        int[] ids = TestModels.ints(run.get("generated_ids"));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        run.get("pieces_hex").forEach(h -> expected.writeBytes(TestModels.hex(h.asText())));
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        for (int id : ids) {
            actual.writeBytes(tokenizer.pieceBytes(id));
        }
        assertThat(actual.toByteArray()).containsExactly(expected.toByteArray());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void streamingDecodeEqualsWholeDecode(String gguf, JsonNode run) {
        Tokenizer tokenizer = TestModels.tokenizer(gguf);
        int[] ids = TestModels.ints(run.get("generated_ids"));
        StreamingDecoder decoder = new StreamingDecoder(tokenizer);
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
            streamed.append(decoder.push(id));
        }
        streamed.append(decoder.flush());
        assertThat(streamed.toString()).isEqualTo(tokenizer.decode(ids));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void onlyTheLastTokenEndsGeneration(String gguf, JsonNode run) {
        Tokenizer tokenizer = TestModels.tokenizer(gguf);
        int[] ids = TestModels.ints(run.get("generated_ids"));
        for (int i = 0; i < ids.length - 1; i++) {
            assertThat(tokenizer.isEndOfGeneration(ids[i])).as("token %d at step %d", ids[i], i).isFalse();
        }
        assertThat(tokenizer.isEndOfGeneration(ids[ids.length - 1])).isEqualTo(run.get("stopped_at_eog").asBoolean());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("runs")
    void decodeMatchesReferenceText(String gguf, JsonNode run) {
        Tokenizer tokenizer = TestModels.tokenizer(gguf);
        byte[] bytes = tokenizer.decode(TestModels.ints(run.get("generated_ids"))).getBytes(StandardCharsets.UTF_8);
        String joined = new String(bytes, StandardCharsets.UTF_8);
        // the reference text joins per-piece decodings; where no piece splits a character the two agree
        boolean splitCharacters = false;
        for (JsonNode piece : run.get("pieces")) {
            splitCharacters |= piece.asText().contains("\uFFFD");
        }
        if (!splitCharacters) {
            assertThat(joined).isEqualTo(run.get("text").asText());
        }
    }
}
