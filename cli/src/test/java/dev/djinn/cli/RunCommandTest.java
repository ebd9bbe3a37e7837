package dev.djinn.cli;

import dev.djinn.core.gguf.GgufValue;
import dev.djinn.core.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {
    // stories260K.expected.json: llama.cpp's greedy ids for "Once upon a time" (f32 KV cache), first 8
    private static final String PROMPT_IDS = "1 403 407 261 378";
    private static final String GENERATED_IDS = "432 383 286 261 376 298 315 421";

    @Test
    void idsPrintsTheGeneratedTokenIdsOnOneLine() {
        Cli.Run r = Cli.run("run", "--model", Cli.model("stories260K.gguf").toString(), "--prompt", "Once upon a time",
                "-n", "8", "--temp", "0", "--kv-type", "f32", "--threads", "1", "--ids");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(GENERATED_IDS + System.lineSeparator());
    }

    @Test
    void idsWithEchoPutsThePromptIdsFirst() {
        Cli.Run r = Cli.run("run", "--model", Cli.model("stories260K.gguf").toString(), "--prompt", "Once upon a time",
                "-n", "8", "--temp", "0", "--kv-type", "f32", "--threads", "1", "--ids", "--echo");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo(PROMPT_IDS + " " + GENERATED_IDS);
    }

    @Test
    void greedyRunPrintsLlamaCppsTextAndSpeedOnStderr() {
        Cli.Run r = Cli.run("run", "-m", Cli.model("stories260K.gguf").toString(), "-p", "Once upon a time",
                "--temp", "0", "-n", "64", "--kv-type", "f32", "-t", "2");
        assertThat(r.exitCode()).isZero();
        // llama.cpp's greedy continuation (stories260K.expected.json)
        assertThat(r.out()).startsWith(", there was a little girl named Lily. She loved to play outside in the park.")
                .endsWith("Lily's mom said\n");
        assertThat(r.err()).containsPattern("prompt 5 tokens, [0-9.]+ tokens/s \\| generation 64 tokens, [0-9.]+ tokens/s");
    }

    @Test
    void sameSeedSameText() {
        String[] args = {"run", "-m", Cli.model("stories260K.gguf").toString(), "-p", "Once", "-n", "40", "-s", "7"};
        assertThat(Cli.run(args).out()).isEqualTo(Cli.run(args).out());
    }

    @Test
    void userMistakesAreOneLineErrors(@TempDir Path dir) throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a model at all, just some text");
        Path gpt2 = dir.resolve("gpt2.gguf");
        new GgufWriter().put("general.architecture", GgufValue.of("gpt2")).write(gpt2);
        String stories = Cli.model("stories260K.gguf").toString();
        assertOneLineError(Cli.run("run", "-m", dir.resolve("missing.gguf").toString(), "-p", "x"), "not found");
        assertOneLineError(Cli.run("run", "-m", text.toString(), "-p", "x"), "not a GGUF file");
        assertOneLineError(Cli.run("run", "-m", gpt2.toString(), "-p", "x"), "unsupported model architecture 'gpt2'");
        assertOneLineError(Cli.run("run", "-m", stories, "-p", "word ".repeat(600), "--ctx", "256"),
                "context holds 256");
        assertOneLineError(Cli.run("run", "-m", stories, "-p", "x", "--kv-type", "q9"), "KV cache type");
    }

    private static void assertOneLineError(Cli.Run r, String expected) {
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).startsWith("djinn: ").contains(expected);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
