package dev.djinn.core.tokenizer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Special ids, end-of-generation detection and special-token parsing on the real vocabularies. */
class SpecialTokensTest {

    @Test
    void sentencePieceDefaults() {
        Tokenizer spm = TestModels.tokenizer("ggml-vocab-llama-spm.gguf");
        assertThat(spm.vocabSize()).isEqualTo(32000);
        assertThat(spm.bosId()).isEqualTo(1);
        assertThat(spm.eosId()).isEqualTo(2);
        assertThat(spm.addBos()).isTrue();
        assertThat(spm.addEos()).isFalse();
        assertThat(spm.isControl(1)).isTrue();
        assertThat(spm.isEndOfGeneration(2)).isTrue();
        assertThat(spm.isEndOfGeneration(1)).isFalse();
        assertThat(spm.piece(2)).isEqualTo("</s>");
        assertThat(spm.pieceBytes(2)).isEmpty();
        assertThat(spm.encode("", true, false)).containsExactly(1);
        assertThat(spm.encode("", false, false)).isEmpty();
    }

    @Test
    void llama3EndOfGenerationAndHeaders() {
        Tokenizer bpe = TestModels.tokenizer("ggml-vocab-llama-bpe.gguf");
        assertThat(bpe.vocabSize()).isEqualTo(128256);
        assertThat(bpe.addBos()).as("llama-bpe adds BOS without add_bos_token").isTrue();
        assertThat(bpe.isEndOfGeneration(128001)).as("EOS <|end_of_text|>").isTrue();
        assertThat(bpe.isEndOfGeneration(128009)).as("<|eot_id|>").isTrue();
        assertThat(bpe.isEndOfGeneration(128000)).isFalse();
        assertThat(bpe.isEndOfGeneration(9906)).isFalse();

        String chat = "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
        int[] user = bpe.encode("user", false, false);
        int[] body = bpe.encode("\n\nHi", false, false);
        int[] expected = concat(new int[] {128000, 128006}, user, new int[] {128007}, body, new int[] {128009});
        assertThat(bpe.encode(chat, true, true)).containsExactly(expected);
        // without parsing, the markers are plain text
        assertThat(bpe.encode(chat, false, false)).doesNotContain(128006, 128007, 128009);
    }

    @Test
    void qwenMarksImEndAndEndOfTextAsEndOfGeneration() {
        Tokenizer qwen = TestModels.tokenizer("qwen2-random-tiny.gguf");
        assertThat(qwen.addBos()).isFalse();
        assertThat(qwen.isEndOfGeneration(997)).as("<|endoftext|>").isTrue();
        assertThat(qwen.isEndOfGeneration(999)).as("<|im_end|>").isTrue();
        assertThat(qwen.isEndOfGeneration(998)).as("<|im_start|>").isFalse();
        assertThat(qwen.encode("<|im_start|>x<|im_end|>", false, true))
                .startsWith(998).endsWith(999);
    }

    @Test
    void userDefinedTokensAreMatchedEvenWithoutParsing() {
        Tokenizer deepseek = TestModels.tokenizer("ggml-vocab-deepseek-coder.gguf");
        assertThat(deepseek.piece(32000)).isEqualTo("õ");
        assertThat(deepseek.encode("aõb", false, false)).contains(32000);
        assertThat(deepseek.pieceBytes(32000)).containsExactly(0xC3, 0xB5);
    }

    @Test
    void longestSpecialTokenWins() {
        Tokenizer bpe = TestModels.tokenizer("ggml-vocab-llama-bpe.gguf");
        // <|reserved_special_token_10|> contains the text of no shorter token, but shares its prefix with _1|>
        assertThat(bpe.encode("<|reserved_special_token_10|>", false, true)).containsExactly(128015);
        assertThat(bpe.encode("<|reserved_special_token_1|>", false, true)).containsExactly(128003);
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
