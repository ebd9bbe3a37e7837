package dev.djinn.cli;

import dev.djinn.cluster.ClusterSurvey;
import dev.djinn.cluster.LinkProbe;
import dev.djinn.cluster.Node;
import dev.djinn.cluster.NodeStatus;
import dev.djinn.cluster.plan.Plan;
import dev.djinn.core.model.LayerRange;
import dev.djinn.server.cluster.ClusterState;
import dev.djinn.server.cluster.ClusterView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The console's cluster page on a node: every member serving the model, its layers in the node's plan (the
 * same function of the view on every node), its memory (resident, and what is left of its limit) and the
 * rows through its layers per second, plus the ring's links. Members are asked on every poll ({@code Info}
 * is cheap); links are measured in the background, when the members change and at most once a minute, since
 * a measurement moves megabytes.
 */
final class NodeClusterView implements ClusterView {
    private static final long INFO_TIMEOUT_MS = 1500;
    private static final long LINKS_EVERY_NANOS = 60_000_000_000L;

    private record Links(List<String> members, long measuredAt, List<ClusterState.Link> links) {
    }

    private final Node node;
    private final String model;
    private final Map<String, RowRate> rates = new ConcurrentHashMap<>();
    private final AtomicBoolean measuring = new AtomicBoolean();
    private volatile Links links = new Links(List.of(), 0, List.of());

    NodeClusterView(Node node, String model) {
        this.node = node;
        this.model = model;
    }

    @Override
    public ClusterState snapshot() {
        Plan plan = node.currentPlan();
        List<ClusterState.Node> nodes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        long now = System.nanoTime();
        for (ClusterSurvey.MemberState m : ClusterSurvey.members(node, INFO_TIMEOUT_MS)) {
            String name = m.member().name();
            names.add(name);
            LayerRange range = plan == null ? null : plan.rangeOf(name);
            NodeStatus s = m.status();
            long used = s == null ? 0 : s.residentBytes();
            long free = s == null ? 0 : Math.max(0, s.memoryLimit() - s.residentBytes());
            double perSecond = s == null ? 0 : rates.computeIfAbsent(name, k -> new RowRate()).update(s.rows(), now);
            nodes.add(new ClusterState.Node(name, m.member().endpoint(), range == null ? 0 : range.start(),
                    range == null ? 0 : range.end(), used, free, perSecond));
        }
        rates.keySet().retainAll(names);
        // pipeline order; members without layers last
        nodes.sort(Comparator.comparingInt((ClusterState.Node n) -> n.endLayer() > n.firstLayer() ? 0 : 1)
                .thenComparingInt(ClusterState.Node::firstLayer).thenComparing(ClusterState.Node::name));
        refreshLinks(names.stream().sorted().toList(), now);
        return new ClusterState(model, node.config().layers(), nodes, links.links());
    }

    private void refreshLinks(List<String> members, long now) {
        Links l = links;
        boolean stale = !l.members().equals(members) || now - l.measuredAt() > LINKS_EVERY_NANOS;
        if (!stale || members.size() < 2 || !measuring.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("djinn-link-probe").start(() -> {
            try {
                List<ClusterState.Link> out = new ArrayList<>();
                for (ClusterSurvey.RingLink r : ClusterSurvey.ring(node)) {
                    LinkProbe p = r.probe();
                    if (p != null) {
                        out.add(new ClusterState.Link(r.from().name(), r.to().name(), p.rttMedianMs(),
                                p.megabytesPerSecond() * 1e6));
                    }
                }
                links = new Links(members, System.nanoTime(), out);
            } finally {
                measuring.set(false);
            }
        });
    }
}
