package dev.djinn.cluster;

import dev.djinn.cluster.membership.JGroupsStack;
import dev.djinn.cluster.rpc.TcpOptions;
import dev.djinn.cluster.wire.WireFormat;
import dev.djinn.core.DjinnException;
import dev.djinn.engine.kv.KvCacheType;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A plain entry point for a node ({@code djinn node} is the user-facing one): {@code --key value} pairs named
 * like {@code djinn node}'s options. Tests start node processes with it, since the CLI module depends on
 * this one.
 *
 * <p>Two options serve tests: {@code --exit-with PID} ends the process when that process ends (so no node
 * outlives the test JVM), and {@code --control stdin} makes the process take commands on standard input:
 * {@code start [--key value ...]} starts the node with the given options over the command line's,
 * {@code stop} stops it (leaving the cluster), {@code stall} hangs its compute thread (it stays in the view),
 * {@code exit} ends the process. With {@code --control stdin}
 * the node starts only on {@code start}, so a test can have a warm JVM join at a moment of its choosing, or
 * reuse one JVM for clusters of several models.
 */
public final class NodeMain {
    private static Node node;

    private NodeMain() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        List<String> base = new ArrayList<>(Arrays.asList(args));
        String exitWith = take(base, "--exit-with");
        if (exitWith != null) {
            ProcessHandle.of(Long.parseLong(exitWith)).ifPresentOrElse(
                    p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)),
                    () -> Runtime.getRuntime().halt(3));
        }
        String control = take(base, "--control");
        Runtime.getRuntime().addShutdownHook(new Thread(NodeMain::stop));
        if (!"stdin".equals(control)) {
            if (!start(base, List.of())) {
                System.exit(1);
            }
            new CountDownLatch(1).await();
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            List<String> words = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
            String cmd = words.removeFirst();
            switch (cmd) {
                case "start" -> {
                    stop();
                    System.err.println(start(base, words) ? "djinn control: started" : "djinn control: failed");
                }
                case "stop" -> {
                    stop();
                    System.err.println("djinn control: stopped");
                }
                case "stall" -> {
                    if (node != null) {
                        node.debugStall();
                    }
                    System.err.println("djinn control: stalling");
                }
                case "exit" -> {
                    stop();
                    System.exit(0);
                }
                default -> System.err.println("djinn control: unknown command " + cmd);
            }
        }
        stop();
    }

    private static synchronized boolean start(List<String> base, List<String> overrides) {
        List<String> all = new ArrayList<>(base);
        for (int i = 0; i + 1 < overrides.size(); i += 2) {
            int at = all.indexOf(overrides.get(i));
            if (at >= 0 && at + 1 < all.size()) {
                all.set(at + 1, overrides.get(i + 1));
            } else {
                all.add(overrides.get(i));
                all.add(overrides.get(i + 1));
            }
        }
        try {
            node = Node.start(parse(all.toArray(String[]::new)), System.err);
            return true;
        } catch (DjinnException e) {
            System.err.println("djinn: " + e.getMessage());
            return false;
        }
    }

    private static synchronized void stop() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    private static String take(List<String> args, String key) {
        int at = args.indexOf(key);
        if (at < 0 || at + 1 >= args.size()) {
            return null;
        }
        String v = args.remove(at + 1);
        args.remove(at);
        return v;
    }

    public static NodeOptions parse(String... args) {
        NodeOptions o = new NodeOptions();
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new DjinnException("option " + args[i] + " needs a value");
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--model" -> o.model = Path.of(v);
                case "--name" -> o.name = v;
                case "--host" -> o.host = v;
                case "--port" -> o.port = Integer.parseInt(v);
                case "--advertise" -> o.advertise = v;
                case "--membership-port" -> o.membershipPort = Integer.parseInt(v);
                case "--peers" -> o.peers = Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
                case "--discovery" -> o.discovery = JGroupsStack.Discovery.parse(v);
                case "--dns-query" -> o.dnsQuery = v;
                case "--cluster-name" -> o.clusterName = v;
                case "--memory" -> o.memoryLimit = Sizes.parse(v);
                case "--cluster-secret" -> o.secret = v;
                case "--wire" -> o.wire = WireFormat.parse(v);
                case "--tcp" -> o.tcp = TcpOptions.parse(v);
                case "--threads" -> o.threads = Integer.parseInt(v);
                case "--batch" -> o.batch = Integer.parseInt(v);
                case "--ctx" -> o.ctx = Integer.parseInt(v);
                case "--kv-slots" -> o.kvSlots = Integer.parseInt(v);
                case "--kv-type" -> o.kvType = KvCacheType.parse(v);
                case "--cache-dir" -> o.cacheDir = Path.of(v);
                case "--step-timeout" -> o.maxStepTimeoutMs = Long.parseLong(v);
                case "--debug-step-delay" -> o.debugStepDelayMs = Long.parseLong(v);
                case "--benchmark-ms" -> o.benchmarkMs = Double.parseDouble(v);
                default -> throw new DjinnException("unknown option " + args[i]);
            }
        }
        return o;
    }
}
