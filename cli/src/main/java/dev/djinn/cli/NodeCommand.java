package dev.djinn.cli;

import dev.djinn.cluster.Node;
import dev.djinn.cluster.NodeOptions;
import dev.djinn.cluster.Sizes;
import dev.djinn.cluster.membership.JGroupsStack;
import dev.djinn.cluster.rpc.TcpOptions;
import dev.djinn.cluster.wire.WireFormat;
import dev.djinn.core.DjinnException;
import dev.djinn.engine.kv.KvCacheType;
import dev.djinn.server.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code djinn node}: runs one node of a cluster until stopped. */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a cluster node: it joins the other nodes, holds a share of the model's layers and takes "
                + "requests (djinn run --peers, djinn cluster status; with --api-port, the HTTP API of djinn serve).",
                "Without the model file, the node fetches its layers from a peer into --cache-dir."})
final class NodeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE",
            description = "GGUF model file (fetched from peers when it does not exist)")
    Path model;

    @Option(names = "--name", paramLabel = "N", description = "node name, unique in the cluster; sets the ring order (default: HOST-PORT)")
    String name;

    @Option(names = "--host", paramLabel = "ADDR", description = "address to bind and announce (default: the first site-local address)")
    String host;

    @Option(names = "--port", defaultValue = "7700", paramLabel = "P",
            description = "gRPC port; membership uses P+1 and P+101 (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--advertise", paramLabel = "HOST:PORT",
            description = "where other nodes reach this node's gRPC port, when not --host:--port (NAT, proxies)")
    String advertise;

    @Option(names = "--membership-port", paramLabel = "P", description = "JGroups port (default: --port + 1)")
    Integer membershipPort;

    @Option(names = "--peers", paramLabel = "HOST:PORT,...", split = ",",
            description = "other nodes (their --port) for static discovery")
    String[] peers = new String[0];

    @Option(names = "--discovery", paramLabel = "KIND",
            description = "multicast (LAN), static (--peers) or dns (--dns-query); default: static with --peers, else multicast")
    String discovery;

    @Option(names = "--dns-query", paramLabel = "NAME", description = "DNS name listing the nodes (e.g. a Kubernetes headless service)")
    String dnsQuery;

    @Option(names = "--cluster-name", defaultValue = "djinn", paramLabel = "NAME",
            description = "JGroups cluster to join; several clusters can share a network (default: ${DEFAULT-VALUE})")
    String clusterName;

    @Option(names = "--memory", paramLabel = "LIMIT", description = "memory for weights and KV cache, e.g. 6G (default: 80%% of RAM)")
    String memory;

    @Option(names = "--cluster-secret", paramLabel = "S", defaultValue = "${env:DJINN_CLUSTER_SECRET}",
            description = "shared secret; nodes and clients without it are refused (default: $DJINN_CLUSTER_SECRET)")
    String secret;

    @Option(names = "--wire", defaultValue = "f32", paramLabel = "FORMAT",
            description = "hidden-state format between nodes: f32, f16 or q8_0, optionally +lz4 or +zstd (default: ${DEFAULT-VALUE})")
    String wire;

    @Option(names = "--tcp", paramLabel = "K=V,...",
            description = "socket options: nodelay, sndbuf, rcvbuf, keepalive, keepalive-ms, window")
    String tcp;

    @Option(names = {"-t", "--threads"}, description = "compute threads (default: one per core)")
    Integer threads;

    @Option(names = {"-b", "--batch"}, defaultValue = "512", description = "most rows per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = {"-c", "--ctx"}, defaultValue = "4096", description = "default context length (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = "--kv-slots", defaultValue = "4", description = "sequences whose KV cache the plan reserves (default: ${DEFAULT-VALUE})")
    int kvSlots;

    @Option(names = "--kv-type", defaultValue = "f16", description = "default KV cache precision (default: ${DEFAULT-VALUE})")
    String kvType;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "where fetched layers are kept (default: ~/.cache/djinn)")
    Path cacheDir;

    @Option(names = "--step-timeout", defaultValue = "60000", paramLabel = "MS",
            description = "longest a step may take before its pipeline is rebuilt (default: ${DEFAULT-VALUE})")
    long stepTimeout;

    @Option(names = "--api-port", paramLabel = "P",
            description = "also serve the OpenAI-compatible HTTP API and the console here, as djinn serve does; "
                    + "its requests run through the cluster; 0 = any free port")
    Integer apiPort;

    @Option(names = "--api-host", paramLabel = "ADDR",
            description = "address the API listens on; 0.0.0.0 = every interface (default: 127.0.0.1)")
    String apiHost;

    @Option(names = "--api-key", paramLabel = "KEY", description = "require 'Authorization: Bearer KEY' on /v1 requests")
    String apiKey;

    @Option(names = "--parallel", paramLabel = "N",
            description = "API requests generated at once by continuous batching; more wait in a queue (default: --kv-slots)")
    Integer parallel;

    @Option(names = "--debug-step-delay", hidden = true, defaultValue = "0")
    long debugStepDelay;

    @Option(names = "--benchmark-ms", hidden = true, defaultValue = "-1")
    double benchmarkMs;

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
        NodeOptions o = new NodeOptions();
        o.model = model;
        o.name = name;
        o.host = host;
        o.port = port;
        o.advertise = advertise;
        if (membershipPort != null) {
            o.membershipPort = membershipPort;
        }
        o.peers = Arrays.stream(peers).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (discovery != null) {
            o.discovery = JGroupsStack.Discovery.parse(discovery);
        }
        o.dnsQuery = dnsQuery;
        o.clusterName = clusterName;
        if (memory != null) {
            o.memoryLimit = Sizes.parse(memory);
        }
        o.secret = secret == null ? "" : secret;
        o.wire = WireFormat.parse(wire);
        o.tcp = TcpOptions.parse(tcp);
        if (threads != null) {
            o.threads = threads;
        }
        o.batch = batch;
        o.ctx = ctx;
        o.kvSlots = kvSlots;
        o.kvType = KvCacheType.parse(kvType);
        if (cacheDir != null) {
            o.cacheDir = cacheDir;
        }
        o.maxStepTimeoutMs = stepTimeout;
        o.debugStepDelayMs = debugStepDelay;
        o.benchmarkMs = benchmarkMs;
        ServerOptions api = apiOptions();
        Node node = Node.start(o, System.err);
        ApiFrontEnd front;
        try {
            front = api == null ? null
                    : NodeApi.start(node, api, parallel != null ? parallel : Math.max(1, kvSlots), model, ctx, kvSlots);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        // stop taking requests first, then leave the cluster
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (front != null) {
                front.close();
            }
            node.close();
        }));
        if (front != null) {
            System.err.printf("djinn node %s: API %s/v1, console %s/%n", node.name(), front.url(), front.url());
        }
        node.awaitTermination();
        return 0;
    }

    /** The API's options, checked before the node starts; null without --api-port. */
    private ServerOptions apiOptions() {
        if (apiPort == null) {
            if (apiHost != null || apiKey != null || parallel != null) {
                throw new DjinnException("--api-host, --api-key and --parallel go with --api-port");
            }
            return null;
        }
        if (apiPort < 0 || apiPort > 65535) {
            throw new DjinnException("--api-port must be 0 to 65535");
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new DjinnException("--api-key must not be blank");
        }
        if (parallel != null && parallel < 1) {
            throw new DjinnException("--parallel must be positive");
        }
        return new ServerOptions(apiHost != null ? apiHost : "127.0.0.1", apiPort, apiKey);
    }
}
