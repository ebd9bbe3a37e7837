package dev.djinn.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code djinn run --peers} prints exactly what {@code djinn run --model} prints: two real node processes on
 * loopback, and the CLI run as a process both ways, with seeded sampling (so the sampler on the last stage
 * must reproduce the local one) and with greedy decoding, a stop string and --echo.
 */
class ClusterRunCommandTest {
    private static final String SECRET = NodeProcesses.SECRET;
    private static NodeProcesses nodes;
    private static Path dir;
    private static String peers;

    @BeforeAll
    static void startNodes() {
        Path model = Cli.model("stories260K.gguf");
        nodes = new NodeProcesses();
        dir = nodes.dir();
        nodes.node("a", model);
        peers = nodes.node("b", model).endpoint();
        nodes.awaitLog("b", "2 nodes, plan", Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopNodes() {
        if (nodes != null) {
            nodes.close();
        }
    }

    private record Result(int code, String out, String err) {
    }

    private static Result djinn(String... args) throws Exception {
        List<String> cmd = NodeProcesses.java("dev.djinn.cli.Main");
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("djinn finished").isTrue();
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void runOnTheClusterPrintsWhatRunOnOneMachinePrints() throws Exception {
        String model = Cli.model("stories260K.gguf").toString();
        List<String[]> variants = List.of(
                new String[] {"--prompt", "Once upon a time", "-n", "48", "--seed", "42", "--repeat-penalty", "1.1"},
                new String[] {"--prompt", "The cat", "-n", "40", "--temp", "0", "--stop", "park", "--echo"});
        for (String[] v : variants) {
            List<String> local = new ArrayList<>(List.of("run", "--model", model));
            local.addAll(List.of(v));
            List<String> cluster = new ArrayList<>(List.of("run", "--peers", peers, "--cluster-secret", SECRET));
            cluster.addAll(List.of(v));
            Result a = djinn(local.toArray(String[]::new));
            Result b = djinn(cluster.toArray(String[]::new));
            assertThat(a.code()).as(a.err()).isZero();
            assertThat(b.code()).as(b.err()).isZero();
            assertThat(b.out()).as("stdout of %s", String.join(" ", v)).isEqualTo(a.out());
            assertThat(b.err()).contains("djinn: prompt").contains("cluster via");
        }
    }

    @Test
    void aWrongSecretIsRefused() throws Exception {
        Result r = djinn("run", "--peers", peers, "--cluster-secret", "wrong", "--prompt", "x", "-n", "4");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("wrong or missing cluster secret");
        assertThat(r.out()).isEmpty();
    }
}
