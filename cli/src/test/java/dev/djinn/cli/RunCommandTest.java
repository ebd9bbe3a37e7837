package dev.djinn.cli;

import org.junit.jupiter.api.Test;

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
}
