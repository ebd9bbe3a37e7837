package dev.djinn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.djinn.cli.bench.WeightTraffic;
import dev.djinn.core.gguf.GgufFile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BenchCommandTest {
    @Test
    void jsonLineHasSpeedsBandwidthAndGcs() throws Exception {
        Cli.Run r = Cli.run("bench", "--model", Cli.model("stories260K.gguf").toString(), "-p", "16", "-n", "8",
                "-r", "2", "-t", "1", "--bandwidth-mib", "16", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("engine").asText()).isEqualTo("djinn");
        assertThat(j.get("n_prompt").asInt()).isEqualTo(16);
        assertThat(j.get("n_gen").asInt()).isEqualTo(8);
        assertThat(j.get("pp").get("median").asDouble()).isPositive();
        assertThat(j.get("tg").get("min").asDouble()).isPositive();
        assertThat(j.get("memory_bandwidth").asDouble()).isPositive();
        assertThat(j.get("young_gcs_tg").asLong()).isNotNegative();
        assertThat(j.get("type").asText()).isEqualTo("F32");
    }

    @Test
    void turnsRunOneRepetitionPerInputLineThenReport() throws Exception {
        java.io.InputStream stdin = System.in;
        Cli.Run r;
        try {
            System.setIn(new java.io.ByteArrayInputStream("go\ngo\ngo\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            r = Cli.run("bench", "--model", Cli.model("stories260K.gguf").toString(), "-p", "8", "-n", "4",
                    "-r", "7", "-t", "1", "--bandwidth-mib", "16", "--json", "--turns");
        } finally {
            System.setIn(stdin);
        }
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(5);
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(lines[0]).get("ready").asBoolean()).isTrue();
        for (int i = 1; i <= 3; i++) {
            JsonNode turn = json.readTree(lines[i]);
            assertThat(turn.get("turn").asInt()).isEqualTo(i);
            assertThat(turn.get("pp").asDouble()).isPositive();
            assertThat(turn.get("tg").asDouble()).isPositive();
        }
        JsonNode report = json.readTree(lines[4]);
        assertThat(report.get("repetitions").asInt()).isEqualTo(3);
        assertThat(report.get("tg").get("median").asDouble()).isPositive();
    }

    @Test
    void turnsWithoutInputAreAnError() {
        java.io.InputStream stdin = System.in;
        Cli.Run r;
        try {
            System.setIn(new java.io.ByteArrayInputStream(new byte[0]));
            r = Cli.run("bench", "--model", Cli.model("stories260K.gguf").toString(), "-p", "8", "-n", "4",
                    "-t", "1", "--turns");
        } finally {
            System.setIn(stdin);
        }
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("djinn: --turns: standard input ended");
    }

    @Test
    void tableHasOneRowPerTest() {
        Cli.Run r = Cli.run("bench", "--model", Cli.model("stories260K-q8_0.gguf").toString(), "-p", "8", "-n", "4",
                "-r", "1", "-t", "1", "--bandwidth-mib", "16");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("| pp8 ").contains("| tg4 ").contains("Q8_0").contains("young GCs during tg:");
    }

    @Test
    void generationOnlyStartsAtPositionZero() {
        Cli.Run r = Cli.run("bench", "--model", Cli.model("stories260K.gguf").toString(), "-p", "0", "-n", "4",
                "-r", "1", "-t", "1", "--bandwidth-mib", "16", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"pp\":null").contains("\"tg\":{");
    }

    @Test
    void badOptionsAreOneLine() {
        Cli.Run r = Cli.run("bench", "--model", Cli.model("stories260K.gguf").toString(), "-p", "0", "-n", "0");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("djinn: need prompt or generation tokens");
    }

    /** stories260K has an output.weight, so the embedding is left out; a tied model reads its embedding. */
    @Test
    void weightTrafficCountsMatricesAndTheHead() {
        try (GgufFile f = GgufFile.open(Cli.model("stories260K.gguf"))) {
            long matrices = f.tensorInfos().values().stream()
                    .filter(t -> t.shape().length == 2 && !t.name().equals("token_embd.weight"))
                    .mapToLong(t -> t.byteSize()).sum();
            assertThat(WeightTraffic.bytesPerToken(f)).isEqualTo(matrices);
        }
        try (GgufFile f = GgufFile.open(Cli.model("bpe-random-tiny.gguf"))) {
            assertThat(f.hasTensor("output.weight")).isFalse();
            long all = f.tensorInfos().values().stream().filter(t -> t.shape().length == 2)
                    .mapToLong(t -> t.byteSize()).sum();
            assertThat(WeightTraffic.bytesPerToken(f)).isEqualTo(all);
        }
    }
}
