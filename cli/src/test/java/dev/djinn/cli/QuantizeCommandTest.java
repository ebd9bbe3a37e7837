package dev.djinn.cli;

import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.djinn.cli.InspectCommandTest.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;

class QuantizeCommandTest {
    @TempDir
    Path dir;

    /** gguf-py wrote the stories260K variants (llama-quantize refuses the model), so compare tensor by tensor. */
    @ParameterizedTest
    @CsvSource({"q8_0, Q8_0, 7", "q4_0, Q4_0, 2"})
    void quantizingStoriesGivesTheReferenceTensors(String option, GgmlType type, long fileType) {
        Path out = dir.resolve("stories-" + option + ".gguf");
        // --pure: gguf-py gave output.weight the file's type, not llama-quantize's Q6_K head
        Cli.Run r = Cli.run("quantize", Cli.model("stories260K.gguf").toString(), out.toString(), "--type", option,
                "--pure");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("quantized 32 tensors to " + type + " (pure), kept 16;");
        assertThat(r.out()).containsPattern("\\] blk\\.2\\.ffn_down\\.weight +F32 +kept \\(rows of 172 values are not a multiple of 32\\)");
        assertThat(r.out()).containsPattern("\\] blk\\.2\\.ffn_norm\\.weight +F32 +kept \\(1-D\\)");
        assertThat(r.out()).containsPattern("\\] output\\.weight +F32 +-> " + type);
        try (GgufFile mine = GgufFile.open(out);
             GgufFile reference = GgufFile.open(Cli.model("stories260K-" + option + ".gguf"))) {
            assertThat(mine.metadata().requireInteger("general.file_type")).isEqualTo(fileType);
            assertThat(mine.metadata().requireInteger("general.quantization_version")).isEqualTo(2);
            assertThat(mine.tensorInfos().keySet()).containsExactlyInAnyOrderElementsOf(reference.tensorInfos().keySet());
            for (GgufTensorInfo info : reference.tensorInfos().values()) {
                Tensor expected = reference.tensor(info.name());
                Tensor actual = mine.tensor(info.name());
                assertThat(actual.type()).as(info.name()).isEqualTo(expected.type());
                assertThat(actual.shape()).isEqualTo(expected.shape());
                assertThat(actual.data().mismatch(expected.data())).as(info.name()).isEqualTo(-1);
            }
        }
    }

    /** llama-quantize --pure wrote these, so djinn's output must be the very same file. */
    @ParameterizedTest
    @CsvSource({"q8_0", "Q4_0"})
    void quantizingBpeTinyGivesLlamaQuantizesFile(String option) throws IOException {
        Path out = dir.resolve("bpe.gguf");
        Cli.Run r = Cli.run("quantize", Cli.model("bpe-random-tiny.gguf").toString(), out.toString(), "--type", option,
                "--pure");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("quantized 15 tensors").contains("kept 5");
        Path reference = Cli.model("bpe-random-tiny-" + option.toLowerCase() + ".gguf");
        assertThat(Files.mismatch(out, reference)).isEqualTo(-1);
    }

    @Test
    void f16ModelsAreQuantizedToo() {
        Path out = dir.resolve("from-f16.gguf");
        Cli.Run r = Cli.run("quantize", Cli.model("stories260K-f16.gguf").toString(), out.toString(), "--type", "q8_0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("quantized 32 tensors to Q8_0, kept 16;");
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.tensor("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(f.tensor("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.F16);
            assertThat(f.tensor("output_norm.weight").type()).isEqualTo(GgmlType.F32);
        }
    }

    /** The Q4_K_M mix on a synthetic 4-layer model: llama-quantize's per-tensor types, and the model runs. */
    @Test
    void q4KmMixFollowsLlamaQuantizesRules() {
        Path f32 = dir.resolve("tiny-f32.gguf");
        Cli.Run s = Cli.run("synth", "--shape", "tiny", "--type", "f32", f32.toString());
        assertThat(s.exitCode()).as(s.err()).isZero();
        Path out = dir.resolve("tiny-q4_k_m.gguf");
        Cli.Run r = Cli.run("quantize", f32.toString(), out.toString(), "--type", "q4_k_m");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("to Q4_K_M");
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.metadata().requireInteger("general.file_type")).isEqualTo(15);
            assertThat(f.tensor("output.weight").type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensor("token_embd.weight").type()).isEqualTo(GgmlType.Q4_K);
            // use_more_bits(i, 4): layers 2 and 3
            for (int layer = 0; layer < 4; layer++) {
                GgmlType more = layer >= 2 ? GgmlType.Q6_K : GgmlType.Q4_K;
                assertThat(f.tensor("blk." + layer + ".attn_v.weight").type()).as("attn_v " + layer).isEqualTo(more);
                assertThat(f.tensor("blk." + layer + ".ffn_down.weight").type()).as("ffn_down " + layer).isEqualTo(more);
                assertThat(f.tensor("blk." + layer + ".attn_q.weight").type()).isEqualTo(GgmlType.Q4_K);
            }
        }
        Cli.Run run = Cli.run("run", "--model", out.toString(), "--prompt", "Hello", "-n", "4", "--temp", "0", "--ids",
                "--ignore-eos", "--threads", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().strip().split(" ")).hasSize(4);
    }

    @Test
    void refusesToOverwriteItsInput() throws IOException {
        Path in = dir.resolve("model.gguf");
        Files.copy(Cli.model("stories260K.gguf"), in);
        byte[] before = Files.readAllBytes(in);
        Path sameFile = dir.resolve("sub/../model.gguf");
        Files.createDirectories(dir.resolve("sub"));
        for (Path out : new Path[] {in, sameFile}) {
            assertOneLineError(Cli.run("quantize", in.toString(), out.toString(), "--type", "q8_0"),
                    "djinn: refusing to overwrite the input file " + in + "; choose another output");
        }
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
    }

    @Test
    void refusesQuantizedInputsAndLeavesNoOutput() {
        Path out = dir.resolve("requantized.gguf");
        Cli.Run r = Cli.run("quantize", Cli.model("stories260K-q8_0.gguf").toString(), out.toString(), "--type", "q4_0",
                "--pure");
        assertOneLineError(r, "djinn: tensor output.weight is Q8_0; djinn quantizes only from F32, F16 or BF16"
                + " (requantizing loses accuracy; start from the unquantized model)");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("requantized.gguf.part")).doesNotExist();
    }

    @Test
    void badTypesAndMissingFilesAreOneLine() {
        Path out = dir.resolve("x.gguf");
        assertOneLineError(Cli.run("quantize", Cli.model("stories260K.gguf").toString(), out.toString(), "--type", "q3_k"),
                "djinn: unknown --type q3_k; choose q8_0, q4_0, q4_k, q6_k, q4_k_s, q4_k_m");
        Path nowhere = dir.resolve("no/such/folder/x.gguf");
        assertOneLineError(Cli.run("quantize", Cli.model("stories260K.gguf").toString(), nowhere.toString(), "--type", "q8_0"),
                "djinn: cannot write " + nowhere + ": folder " + nowhere.getParent() + " does not exist");
        assertOneLineError(Cli.run("quantize", Cli.model("stories260K.gguf").toString(), dir.toString(), "--type", "q8_0"),
                "djinn: " + dir + " is a directory; give the output file's name");
        Path missing = dir.resolve("missing.gguf");
        assertOneLineError(Cli.run("quantize", missing.toString(), out.toString(), "--type", "q8_0"),
                "djinn: model file not found: " + missing);
        assertThat(out).doesNotExist();
    }

    @Test
    void helpListsTheCommands() {
        Cli.Run r = Cli.run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("inspect").contains("quantize");
        Cli.Run help = Cli.run("quantize", "--help");
        assertThat(help.out()).contains("--type").contains("--pure").contains("Q6_K");
    }
}
