package dev.djinn.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private static final String SECRET = "cli-test-secret";
    private static final List<Process> NODES = new ArrayList<>();
    private static Path dir;
    private static String peers;

    private static List<String> java(String main) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-XX:+UseSerialGC", "-cp", cp, main));
    }

    private static int freePortBlock() throws IOException {
        for (int i = 0; i < 100; i++) {
            int p;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                p = s.getLocalPort();
            }
            if (p < 65000 - 101 && free(p + 1) && free(p + 101)) {
                return p;
            }
        }
        throw new IllegalStateException("no free ports");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @BeforeAll
    static void startNodes() throws Exception {
        dir = Files.createTempDirectory("djinn-cli-cluster");
        Path model = Cli.model("stories260K.gguf");
        int pa = freePortBlock();
        int pb = freePortBlock();
        String pid = Long.toString(ProcessHandle.current().pid());
        for (String[] n : new String[][] {{"a", Integer.toString(pa), ""}, {"b", Integer.toString(pb), "127.0.0.1:" + pa}}) {
            List<String> cmd = java("dev.djinn.cluster.NodeMain");
            cmd.addAll(List.of("--model", model.toString(), "--name", n[0], "--host", "127.0.0.1", "--port", n[1],
                    "--discovery", "static", "--cluster-secret", SECRET, "--threads", "1", "--benchmark-ms", "1",
                    "--exit-with", pid));
            if (!n[2].isEmpty()) {
                cmd.addAll(List.of("--peers", n[2]));
            }
            NODES.add(new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(n[0] + ".log").toFile()).start());
        }
        peers = "127.0.0.1:" + pb;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.readString(dir.resolve("b.log")).contains("2 nodes, plan")) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no 2-node cluster:\n" + Files.readString(dir.resolve("a.log"))
                        + Files.readString(dir.resolve("b.log")));
            }
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stopNodes() throws InterruptedException {
        for (Process p : NODES) {
            p.destroyForcibly();
        }
        for (Process p : NODES) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private record Result(int code, String out, String err) {
    }

    private static Result djinn(String... args) throws Exception {
        List<String> cmd = java("dev.djinn.cli.Main");
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
