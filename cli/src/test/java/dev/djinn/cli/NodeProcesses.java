package dev.djinn.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cluster node processes on loopback for CLI tests: each gets a free port block (gRPC P, JGroups P+1, FD_SOCK2
 * P+101), static discovery with the nodes started before it as peers, a log file and its own cache folder,
 * and ends with the test JVM. All are killed on close; every wait has a timeout.
 */
final class NodeProcesses implements AutoCloseable {
    static final String SECRET = "cli-test-secret";

    record Proc(String name, int port, Process process, Path log) {
        String endpoint() {
            return "127.0.0.1:" + port;
        }
    }

    private final Path dir;
    private final Map<String, Proc> nodes = new LinkedHashMap<>();

    NodeProcesses() {
        try {
            dir = Files.createTempDirectory("djinn-cli-cluster");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    /** A command line that runs {@code main} with the test class path. */
    static List<String> java(String main) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-Xmx512m", "-XX:+UseSerialGC", "-cp", cp, main));
    }

    /** A node run by the cluster module's plain entry point. */
    Proc node(String name, Path model, String... extra) {
        List<String> cmd = java("dev.djinn.cluster.NodeMain");
        cmd.addAll(nodeArgs(name, model, extra));
        cmd.addAll(List.of("--exit-with", pid()));
        return launch(name, cmd);
    }

    /** A node run by {@code djinn node}, which can also serve the HTTP API. */
    Proc djinnNode(String name, Path model, String... extra) {
        List<String> cmd = java(ChildMain.class.getName());
        cmd.addAll(List.of(pid(), "node"));
        cmd.addAll(nodeArgs(name, model, extra));
        return launch(name, cmd);
    }

    private List<String> nodeArgs(String name, Path model, String... extra) {
        List<String> args = new ArrayList<>(List.of("--model", model.toString(), "--name", name, "--host",
                "127.0.0.1", "--port", Integer.toString(freePortBlock()), "--discovery", "static", "--cluster-secret",
                SECRET, "--threads", "1", "--benchmark-ms", "1", "--cache-dir", dir.resolve("cache-" + name).toString()));
        if (!nodes.isEmpty()) {
            args.addAll(List.of("--peers", String.join(",", nodes.values().stream().map(Proc::endpoint).toList())));
        }
        args.addAll(List.of(extra));
        return args;
    }

    private Proc launch(String name, List<String> cmd) {
        int port = Integer.parseInt(cmd.get(cmd.indexOf("--port") + 1));
        Path log = dir.resolve(name + ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Proc n = new Proc(name, port, p, log);
            nodes.put(name, n);
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pid() {
        return Long.toString(ProcessHandle.current().pid());
    }

    /**
     * A port P such that P, P+1 and P+101 are free on loopback, below Linux's ephemeral range (32768 up), where a
     * node's outgoing connection attempts to a peer not yet listening cannot take it first.
     */
    static int freePortBlock() {
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        for (int i = 0; i < 200; i++) {
            int p = random.nextInt(20000, 32000);
            if (free(p) && free(p + 1) && free(p + 101)) {
                return p;
            }
        }
        throw new IllegalStateException("no free port block");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    Proc get(String name) {
        return nodes.get(name);
    }

    /** Waits until a node's log contains {@code text}; returns the log. */
    String awaitLog(String name, String text, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            String log = log(name);
            if (log.contains(text)) {
                return log;
            }
            if (System.nanoTime() > end || !get(name).process().isAlive()) {
                throw new AssertionError("node " + name + " did not log '" + text + "' within " + timeout + ":\n"
                        + logs());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    String log(String name) {
        try {
            return Files.readString(get(name).log());
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String logs() {
        StringBuilder sb = new StringBuilder();
        for (String n : nodes.keySet()) {
            sb.append("---- ").append(n).append('\n').append(log(n));
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (Proc n : nodes.values()) {
            n.process().destroyForcibly();
        }
        for (Proc n : nodes.values()) {
            try {
                n.process().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
