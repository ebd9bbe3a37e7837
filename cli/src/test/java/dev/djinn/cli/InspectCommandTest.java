package dev.djinn.cli;

import dev.djinn.core.gguf.GgufArray;
import dev.djinn.core.gguf.GgufValue;
import dev.djinn.core.gguf.GgufValueType;
import dev.djinn.core.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class InspectCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsHeaderMetadataAndTensorsOfStories() {
        Path model = Cli.model("stories260K.gguf");
        Cli.Run r = Cli.run("inspect", model.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        String out = r.out();
        assertThat(out).startsWith(model + ": GGUF version 3, 1185376 bytes, alignment 32, tensor data at offset 14176");
        assertThat(out).contains("metadata: 19 keys");
        assertThat(out).containsPattern("\\n  general\\.architecture +string +\"llama\"\\n");
        assertThat(out).containsPattern("\\n  llama\\.context_length +uint32 +2048\\n");
        assertThat(out).containsPattern("\\n  llama\\.attention\\.layer_norm_rms_epsilon +float32 +1\\.0E-5\\n");
        assertThat(out).containsPattern("\\n  tokenizer\\.ggml\\.padding_token_id +uint32 +4294967295\\n");
        assertThat(out).containsPattern(
                "\\n  tokenizer\\.ggml\\.tokens +string\\[512] +\\[\"<unk>\", \"<s>\", \"</s>\", \"<0x00>\", \"<0x01>\", \\.\\.\\. 507 more]\\n");
        assertThat(out).containsPattern("\\n  tokenizer\\.ggml\\.token_type +int32\\[512] +\\[2, 3, 3, 6, 6, \\.\\.\\. 507 more]\\n");
        assertThat(out).contains("tensors: 48");
        assertThat(out).containsPattern("\\n +0 +token_embd\\.weight +F32 +64 x 512 +131072 +14176\\n");
        assertThat(out).containsPattern("\\n +9 +blk\\.0\\.ffn_down\\.weight +F32 +172 x 64 +44032 +\\d+\\n");
        assertThat(out).containsPattern("\\n +47 +blk\\.4\\.ffn_norm\\.weight +F32 +64 +256 +1185120\\n");
        assertThat(out).contains("total: 48 tensors, 292800 parameters, 1171200 bytes (1.12 MiB) of tensor data; 48 F32");
        assertThat(Arrays.stream(out.split("\n")).filter(l -> l.matches(" +\\d+  blk\\..*")).count()).isEqualTo(45);
    }

    @Test
    void showsQuantizedTypesAndTheirCounts() {
        Cli.Run r = Cli.run("inspect", Cli.model("llama-kquant-random-q4_k_m.gguf").toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("\\n +\\d+ +blk\\.1\\.attn_v\\.weight +Q6_K +256 x 256 +53760 ");
        assertThat(r.out()).containsPattern("\\n +\\d+ +blk\\.0\\.attn_v\\.weight +Q4_K +256 x 256 +36864 ");
        assertThat(r.out()).containsPattern("tensor data; \\d+ F32, 13 Q4_K, 3 Q6_K\\n");
    }

    @Test
    void valuesAreEscapedAndShortened() throws IOException {
        String template = "{% for m in messages %}\"" + "x".repeat(200) + "\n{% endfor %}";
        Path file = dir.resolve("values.gguf");
        new GgufWriter()
                .put("tokenizer.chat_template", GgufValue.of(template))
                .put("bytes", GgufValue.ofArray(new GgufArray(GgufValueType.UINT8, new byte[] {(byte) 200, 1})))
                .put("big", new GgufValue(GgufValueType.UINT64, -1L))
                .put("nested", GgufValue.ofArray(new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                        new GgufArray(GgufValueType.STRING, new String[] {"a\tb"})})))
                .write(file);
        Cli.Run r = Cli.run("inspect", file.toString());
        assertThat(r.exitCode()).isZero();
        String shown = "\"{% for m in messages %}\\\"" + "x".repeat(100 - 24) + "...\" (" + template.length() + " chars)";
        assertThat(r.out()).containsPattern("\\n  tokenizer\\.chat_template +string +" + Pattern.quote(shown) + "\\n");
        assertThat(r.out()).containsPattern("\\n  bytes +uint8\\[2] +\\[200, 1]\\n");
        assertThat(r.out()).containsPattern("\\n  big +uint64 +18446744073709551615\\n");
        assertThat(r.out()).containsPattern("\\n  nested +array\\[1] +\\[string\\[1] \\[\"a\\\\tb\"]]\\n");
        assertThat(r.out()).endsWith("tensors: 0" + System.lineSeparator());
    }

    @Test
    void aMissingFileIsOneLine() {
        Path missing = dir.resolve("missing.gguf");
        Cli.Run r = Cli.run("inspect", missing.toString());
        assertOneLineError(r, "djinn: model file not found: " + missing);
    }

    @Test
    void aFileThatIsNotGgufIsOneLine() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "these are not the weights you are looking for\n");
        assertOneLineError(Cli.run("inspect", text.toString()), "djinn: " + text + " is not a GGUF file (wrong magic)");
        assertOneLineError(Cli.run("inspect", dir.toString()), "djinn: " + dir + " is a directory, not a GGUF file");
    }

    @Test
    void aTruncatedFileIsOneLine() throws IOException {
        byte[] model = Files.readAllBytes(Cli.model("stories260K.gguf"));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(model, 5000)); // inside the vocabulary
        Cli.Run r = Cli.run("inspect", cut.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("djinn: " + cut).contains("truncated").doesNotContain("Exception");
        assertThat(r.err().lines()).hasSize(1);
        Files.write(cut, Arrays.copyOf(model, 500_000)); // inside the tensor data
        r = Cli.run("inspect", cut.toString());
        assertThat(r.err()).contains("lies outside the file");
        assertThat(r.err().lines()).hasSize(1);
    }

    static void assertOneLineError(Cli.Run r, String line) {
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(line + System.lineSeparator());
    }
}
