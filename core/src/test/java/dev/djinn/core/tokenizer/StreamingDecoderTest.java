package dev.djinn.core.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StreamingDecoderTest {

    private static List<String> pushAll(Tokenizer tokenizer, int[] ids) {
        StreamingDecoder decoder = new StreamingDecoder(tokenizer);
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(decoder.push(id));
        }
        out.add(decoder.flush());
        return out;
    }

    @Test
    void emojiFromSentencePieceByteTokensComesOutWholeOnce() {
        Tokenizer spm = TestModels.tokenizer("ggml-vocab-llama-spm.gguf");
        int[] ids = spm.encode("🦙!", false, false);
        // ▁, then <0xF0> <0x9F> <0xA6> <0x99> byte tokens, then !
        assertThat(ids).hasSize(6);
        for (int i = 1; i <= 4; i++) {
            assertThat(spm.pieceBytes(ids[i])).hasSize(1);
        }
        assertThat(pushAll(spm, ids)).containsExactly(" ", "", "", "", "🦙", "!", "");
    }

    @Test
    void emojiSplitOverBpeByteSymbolsComesOutWholeOnce() {
        Tokenizer bpe = TestModels.tokenizer("ggml-vocab-llama-bpe.gguf");
        int[] ids = bpe.encode("I love 🦙", false, false);
        assertThat(ids).containsExactly(40, 3021, 11410, 99, 247); // " \xF0\x9F", "\xA6", "\x99"
        assertThat(pushAll(bpe, ids)).containsExactly("I", " love", " ", "", "🦙", "");
        assertThat(String.join("", pushAll(bpe, ids))).isEqualTo("I love 🦙");
    }

    @Test
    void flushReleasesAnUnfinishedCharacterAsReplacement() {
        Tokenizer spm = TestModels.tokenizer("ggml-vocab-llama-spm.gguf");
        int f0 = spm.encode("🦙", false, false)[1];
        StreamingDecoder decoder = new StreamingDecoder(spm);
        assertThat(decoder.push(f0)).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.flush()).isEmpty();
    }

    @Test
    void bytesThatCanNeverBecomeValidAreNotHeldBack() {
        Tokenizer spm = TestModels.tokenizer("ggml-vocab-llama-spm.gguf");
        StreamingDecoder decoder = new StreamingDecoder(spm);
        int continuation = spm.encode("🦙", false, false)[4]; // <0x99>: a continuation byte with no lead
        assertThat(decoder.push(continuation)).isEqualTo("\uFFFD");
        int c0 = byteToken(spm, 0xC0); // never valid in UTF-8
        assertThat(decoder.push(c0)).isEqualTo("\uFFFD");
        assertThat(decoder.flush()).isEmpty();
    }

    @Test
    void incompleteTailDetection() {
        assertThat(StreamingDecoder.incompleteTail(new byte[] {'a'})).isZero();
        assertThat(StreamingDecoder.incompleteTail(new byte[] {'a', (byte) 0xF0})).isEqualTo(1);
        assertThat(StreamingDecoder.incompleteTail(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0xA6})).isEqualTo(3);
        assertThat(StreamingDecoder.incompleteTail(new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0xA6, (byte) 0x99})).isZero();
        assertThat(StreamingDecoder.incompleteTail(new byte[] {(byte) 0xE2, (byte) 0x82})).isEqualTo(2);
        assertThat(StreamingDecoder.incompleteTail(new byte[] {(byte) 0xE0, (byte) 0x80})).isZero(); // overlong
        assertThat(StreamingDecoder.incompleteTail(new byte[] {(byte) 0xED, (byte) 0xA0})).isZero(); // surrogate
    }

    @Test
    void controlTokensPrintNothing() {
        Tokenizer bpe = TestModels.tokenizer("ggml-vocab-llama-bpe.gguf");
        assertThat(pushAll(bpe, new int[] {128000, 9906, 128009})).containsExactly("", "Hello", "", "");
    }

    private static int byteToken(Tokenizer spm, int b) {
        for (int id = 0; id < spm.vocabSize(); id++) {
            if (spm.piece(id).equals("<0x%02X>".formatted(b))) {
                return id;
            }
        }
        throw new AssertionError("no byte token for " + b);
    }
}
