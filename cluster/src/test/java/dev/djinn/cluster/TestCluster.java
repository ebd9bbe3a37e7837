package dev.djinn.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Real node processes on loopback for tests: each node gets a free port block (gRPC P, JGroups P+1, FD_SOCK2
 * P+101), static discovery and a log file; all are killed on close. Every wait has a timeout.
 */
final class TestCluster implements AutoCloseable {
    static final String SECRET = "test-secret";

    record NodeProc(String name, int port, Process process, Path log) {
        String endpoint() {
            return "127.0.0.1:" + port;
        }
    }

    private final Path dir;
    private final Map<String, NodeProc> nodes = new LinkedHashMap<>();

    TestCluster() {
        try {
            dir = Files.createTempDirectory("djinn-cluster-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    static Path model(String file) {
        Path p = Path.of(System.getProperty("djinn.models.dir", "../../shared/models"), file);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("test model " + p + " is missing");
        }
        return p;
    }

    /**
     * A port P such that P, P+1 and P+101 are free on loopback, below Linux's ephemeral range (32768 up): a node
     * dialling a peer that is not listening yet takes ephemeral ports for its attempts, and one of them can be
     * the very port the peer is about to bind (MembershipMergeTest failed once that way).
     */
    static int freePortBlock() {
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        for (int attempt = 0; attempt < 200; attempt++) {
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

    static List<String> javaCommand(String mainClass) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", cp, mainClass));
        return cmd;
    }

    /** Starts a node process and its node; {@code args} override the defaults (name, port, peers, secret...). */
    NodeProc start(String name, Path model, String... args) {
        NodeProc n = launch(name, model, args);
        command(name, "start");
        return n;
    }

    /**
     * Starts a node process whose node waits for {@link #command start}: a warm JVM that joins when told.
     * Its peers are the nodes launched before it.
     */
    NodeProc launch(String name, Path model, String... args) {
        int port = freePortBlock();
        List<String> peers = new ArrayList<>();
        for (NodeProc n : nodes.values()) {
            peers.add(n.endpoint());
        }
        List<String> cmd = javaCommand("dev.djinn.cluster.NodeMain");
        cmd.addAll(List.of("--control", "stdin", "--model", model.toString(), "--name", name, "--host", "127.0.0.1",
                "--port", Integer.toString(port), "--discovery", "static", "--cluster-secret", SECRET,
                "--threads", "1", "--benchmark-ms", "1", "--cache-dir", dir.resolve("cache-" + name).toString(),
                "--exit-with", Long.toString(ProcessHandle.current().pid())));
        if (!peers.isEmpty()) {
            cmd.addAll(List.of("--peers", String.join(",", peers)));
        }
        List<String> extra = new ArrayList<>(Arrays.asList(args));
        for (int i = 0; i + 1 < extra.size(); i += 2) {
            int at = cmd.indexOf(extra.get(i));
            if (at > 0 && at + 1 < cmd.size()) {
                cmd.set(at + 1, extra.get(i + 1));
            } else {
                cmd.add(extra.get(i));
                cmd.add(extra.get(i + 1));
            }
        }
        Path log = dir.resolve(name + ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            NodeProc n = new NodeProc(name, port, p, log);
            nodes.put(name, n);
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a control line ({@code start [--key value ...]}, {@code stop}) to a node process. */
    void command(String name, String line) {
        try {
            var out = node(name).process().getOutputStream();
            out.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until a node process's log has {@code count} lines containing {@code text}. */
    void awaitLog(String name, String text, int count, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            String log = log(name);
            int n = 0;
            for (int i = log.indexOf(text); i >= 0; i = log.indexOf(text, i + 1)) {
                n++;
            }
            if (n >= count) {
                return;
            }
            sleep(100);
        }
        throw new AssertionError("node " + name + " did not log '" + text + "' " + count + "x within " + timeout
                + ":\n" + log(name));
    }

    NodeProc node(String name) {
        return nodes.get(name);
    }

    ClusterClient client(String name) {
        return new ClusterClient(List.of(node(name).endpoint()), SECRET).direct();
    }

    /** Waits until {@code name} answers Info with a status that satisfies {@code ready}. */
    NodeStatus await(String name, Predicate<NodeStatus> ready, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < end) {
            NodeProc n = node(name);
            if (!n.process().isAlive()) {
                throw new AssertionError("node " + name + " exited:\n" + log(name));
            }
            try (ClusterClient c = client(name)) {
                NodeStatus s = c.info();
                last = s.plan();
                if (ready.test(s)) {
                    return s;
                }
            } catch (RuntimeException e) {
                last = e.getMessage();
            }
            sleep(200);
        }
        throw new AssertionError("node " + name + " not ready within " + timeout + " (last: " + last + ")\n" + logs());
    }

    /** Waits until {@code name}'s plan has {@code members} members. */
    NodeStatus awaitMembers(String name, int members) {
        return await(name, s -> s.members() == members && s.plan().contains("["), Duration.ofSeconds(90));
    }

    /** Waits until {@code name} serves {@code modelId} with a plan over {@code members} members. */
    NodeStatus awaitMembers(String name, int members, String modelId) {
        return await(name, s -> s.modelId().equals(modelId) && s.members() == members && s.plan().contains("["),
                Duration.ofSeconds(90));
    }

    void kill(String name) {
        NodeProc n = nodes.get(name);
        n.process().destroyForcibly(); // SIGKILL
        try {
            n.process().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String log(String name) {
        try {
            return Files.readString(node(name).log());
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

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        for (NodeProc n : nodes.values()) {
            n.process().destroyForcibly();
        }
        for (NodeProc n : nodes.values()) {
            try {
                n.process().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        nodes.clear();
    }
}
