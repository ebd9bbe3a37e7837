package dev.djinn.cluster;

import dev.djinn.cluster.plan.Planner;

import java.util.List;
import java.util.Locale;

/**
 * The text of {@code djinn cluster status}, gathered by the node asked: every member's live state and each
 * link of the ring ({@link ClusterSurvey}).
 */
final class ClusterStatus {
    private ClusterStatus() {
    }

    static String gather(Node node) {
        List<ClusterSurvey.MemberState> members = ClusterSurvey.members(node, 3000);
        List<ClusterSurvey.RingLink> links = ClusterSurvey.ring(node);
        StringBuilder sb = new StringBuilder();
        NodeStatus self = node.status();
        int n = members.size();
        sb.append(String.format(Locale.ROOT, "cluster: %d node%s, model %s, plan %s%n", n, n == 1 ? "" : "s",
                self.modelId(), self.plan()));
        sb.append(String.format(Locale.ROOT, "%-12s %-22s %-9s %10s %10s %10s %10s %9s %9s %7s %8s %11s%n", "NODE",
                "ADDRESS", "LAYERS", "WEIGHTS", "RESIDENT", "LIMIT", "FREE", "KV", "SPEED", "MODEL", "STEPS",
                "COMPUTE"));
        for (ClusterSurvey.MemberState m : members) {
            NodeStatus s = m.status();
            if (s == null) {
                sb.append(String.format(Locale.ROOT, "%-12s %-22s (does not answer: %s)%n", m.member().name(),
                        m.member().endpoint(), m.error()));
                continue;
            }
            long free = Math.max(0, s.memoryLimit() - s.residentBytes());
            // COMPUTE: mean time this node's compute thread spent per step it ran
            sb.append(String.format(Locale.ROOT, "%-12s %-22s %-9s %10s %10s %10s %10s %9s %7.2fms %7s %8d %8.2fms%n",
                    s.name(), s.endpoint(), s.range(), Planner.size(s.weightBytes()), Planner.size(s.residentBytes()),
                    Planner.size(s.memoryLimit()), Planner.size(free), Planner.size(s.kvBytes()), s.benchmarkMs(),
                    s.fullModel() ? "file" : "fetched", s.steps(),
                    s.steps() == 0 ? 0.0 : s.computeNanos() / 1e6 / s.steps()));
        }
        if (!links.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%-26s %12s %12s %14s%n", "LINK", "RTT MEDIAN", "RTT P99", "BANDWIDTH"));
            for (ClusterSurvey.RingLink l : links) {
                String link = l.from().name() + " -> " + l.to().name();
                LinkProbe p = l.probe();
                if (p == null) {
                    sb.append(String.format(Locale.ROOT, "%-26s (cannot measure: %s)%n", link, l.error()));
                } else {
                    sb.append(String.format(Locale.ROOT, "%-26s %9.3f ms %9.3f ms %9.1f MB/s%n", link, p.rttMedianMs(),
                            p.rttP99Ms(), p.megabytesPerSecond()));
                }
            }
        }
        return sb.toString();
    }
}
