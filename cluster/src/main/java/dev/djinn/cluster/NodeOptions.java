package dev.djinn.cluster;

import dev.djinn.cluster.membership.JGroupsStack;
import dev.djinn.cluster.rpc.TcpOptions;
import dev.djinn.cluster.wire.WireFormat;
import dev.djinn.engine.kv.KvCacheType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Everything {@code djinn node} can be told. Public fields with defaults; the CLI fills them. */
public final class NodeOptions {
    /** The model file; when it does not exist the node fetches its layers from a peer. */
    public Path model;
    /** Unique name in the cluster; also the ring order. Default: host-port. */
    public String name;
    /** Address to bind and announce (default: this machine's first site-local address, else loopback). */
    public String host;
    /** host:port other nodes reach this node's gRPC port at, when not --host:--port (NAT, proxies). */
    public String advertise;
    /** gRPC port (data plane, control, clients). */
    public int port = 7700;
    /** JGroups port (default port + 1); FD_SOCK2 listens at this + 100. */
    public int membershipPort = -1;
    /** gRPC endpoints (host:port) of other nodes; their JGroups ports are taken as port + 1. */
    public List<String> peers = new ArrayList<>();
    public JGroupsStack.Discovery discovery;
    public String dnsQuery;
    public String multicastAddress = "228.8.8.8";
    public int multicastPort = 45588;
    /** Memory this node may use for weights and KV cache (default: 80% of physical memory). */
    public long memoryLimit = -1;
    public String secret = "";
    public String clusterName = "djinn";
    public WireFormat wire = WireFormat.DEFAULT;
    public TcpOptions tcp = TcpOptions.DEFAULT;
    public int threads = Runtime.getRuntime().availableProcessors();
    /** Most rows per step (prompt tokens per forward pass). */
    public int batch = 512;
    /** Context length that requests get by default and that the KV reservation assumes. */
    public int ctx = 4096;
    /** Sequences of {@link #ctx} positions whose KV cache the plan reserves memory for. */
    public int kvSlots = 4;
    public KvCacheType kvType = KvCacheType.F16;
    public Path cacheDir = Path.of(System.getProperty("user.home"), ".cache", "djinn");
    /** The longest a step may take before its pipeline is declared failed. */
    public long maxStepTimeoutMs = 60_000;
    /** Testing knob: each stage sleeps this long per step (makes generations slow enough to interrupt). */
    public long debugStepDelayMs;
    /** Testing knob: use this benchmark time instead of measuring (makes plans reproducible). */
    public double benchmarkMs = -1;

    public int membershipPort() {
        return membershipPort > 0 ? membershipPort : port + 1;
    }

    public JGroupsStack.Discovery discovery() {
        if (discovery != null) {
            return discovery;
        }
        return peers.isEmpty() ? JGroupsStack.Discovery.MULTICAST : JGroupsStack.Discovery.STATIC;
    }
}
