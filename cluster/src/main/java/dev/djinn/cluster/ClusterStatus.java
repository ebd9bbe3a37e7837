package dev.djinn.cluster;

import dev.djinn.cluster.membership.NodeInfo;
import dev.djinn.cluster.plan.Planner;
import dev.djinn.cluster.rpc.Rpc;
import dev.djinn.cluster.wire.ByteWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The text of {@code djinn cluster status}, gathered by the node asked: every member's live state (its
 * {@code Info}), and each link of the ring (member i to member i+1, the last back to the first) measured by
 * the member at its start.
 */
final class ClusterStatus {
    private ClusterStatus() {
    }

    static String gather(Node node) {
        List<NodeInfo> members = node.members();
        List<CompletableFuture<byte[]>> infos = new ArrayList<>();
        for (NodeInfo m : members) {
            infos.add(node.links().call(m.endpoint(), Rpc.INFO, new byte[0], 3000));
        }
        List<CompletableFuture<byte[]>> probes = new ArrayList<>();
        int n = members.size();
        for (int i = 0; i < n && n > 1; i++) {
            NodeInfo from = members.get(i);
            NodeInfo to = members.get((i + 1) % n);
            if (n == 2 && i == 1) {
                to = members.get(0);
            }
            probes.add(node.links().call(from.endpoint(), Rpc.MEASURE,
                    new ByteWriter(32).string(to.endpoint()).toByteArray(), 20_000));
        }
        StringBuilder sb = new StringBuilder();
        NodeStatus self = node.status();
        sb.append(String.format(Locale.ROOT, "cluster: %d node%s, model %s, plan %s%n", n, n == 1 ? "" : "s",
                self.modelId(), self.plan()));
        sb.append(String.format(Locale.ROOT, "%-12s %-22s %-9s %10s %10s %10s %10s %9s %9s %7s%n", "NODE", "ADDRESS",
                "LAYERS", "WEIGHTS", "RESIDENT", "LIMIT", "FREE", "KV", "SPEED", "MODEL"));
        for (int i = 0; i < n; i++) {
            NodeInfo m = members.get(i);
            try {
                NodeStatus s = NodeStatus.decode(infos.get(i).join());
                long free = Math.max(0, s.memoryLimit() - s.residentBytes());
                sb.append(String.format(Locale.ROOT, "%-12s %-22s %-9s %10s %10s %10s %10s %9s %7.2fms %7s%n", s.name(),
                        s.endpoint(), s.range(), Planner.size(s.weightBytes()), Planner.size(s.residentBytes()),
                        Planner.size(s.memoryLimit()), Planner.size(free), Planner.size(s.kvBytes()), s.benchmarkMs(),
                        s.fullModel() ? "file" : "fetched"));
            } catch (RuntimeException e) {
                sb.append(String.format(Locale.ROOT, "%-12s %-22s (does not answer: %s)%n", m.name(), m.endpoint(),
                        rootMessage(e)));
            }
        }
        if (!probes.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%-26s %12s %12s %14s%n", "LINK", "RTT MEDIAN", "RTT P99", "BANDWIDTH"));
            for (int i = 0; i < probes.size(); i++) {
                NodeInfo from = members.get(i);
                NodeInfo to = members.get((i + 1) % n);
                String link = from.name() + " -> " + to.name();
                try {
                    LinkProbe p = LinkProbe.decode(probes.get(i).join());
                    sb.append(String.format(Locale.ROOT, "%-26s %9.3f ms %9.3f ms %9.1f MB/s%n", link, p.rttMedianMs(),
                            p.rttP99Ms(), p.megabytesPerSecond()));
                } catch (RuntimeException e) {
                    sb.append(String.format(Locale.ROOT, "%-26s (cannot measure: %s)%n", link, rootMessage(e)));
                }
            }
        }
        return sb.toString();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
