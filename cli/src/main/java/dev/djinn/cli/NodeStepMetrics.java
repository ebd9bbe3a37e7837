package dev.djinn.cli;

import dev.djinn.cluster.ClusterSurvey;
import dev.djinn.cluster.Node;
import dev.djinn.cluster.NodeStatus;
import dev.djinn.cluster.coord.ClusterStepExecutor;
import dev.djinn.server.metrics.ServerMetrics;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Feeds a node's {@code /metrics} with per-node step times: every few seconds it asks each member for its
 * step count and compute time, and records each node's mean compute time per step over the interval; the
 * network time is this node's mean step round trip minus the members' compute, the time a step spends on the
 * wire and in queues. Averages, not per-step samples: the pipeline's result frames carry no timings.
 */
final class NodeStepMetrics {
    static final long PERIOD_MS = 5000;

    private final Node node;
    private final ServerMetrics metrics;
    private final Map<String, long[]> lastCompute = new HashMap<>();
    private ClusterStepExecutor.StepTiming lastTiming = new ClusterStepExecutor.StepTiming(0, 0);

    private NodeStepMetrics(Node node, ServerMetrics metrics) {
        this.node = node;
        this.metrics = metrics;
    }

    /** Starts the poller on a daemon thread; it stops itself once the metrics registry is closed. */
    static void start(Node node, ServerMetrics metrics) {
        NodeStepMetrics m = new NodeStepMetrics(node, metrics);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "djinn-step-metrics");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            if (metrics.registry().isClosed()) {
                timer.shutdown();
                return;
            }
            try {
                m.poll();
            } catch (RuntimeException e) {
                // a member that left mid-survey: the next poll sees the new view
            }
        }, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    void poll() {
        long computePerStep = 0;
        for (ClusterSurvey.MemberState m : ClusterSurvey.members(node, 1500)) {
            NodeStatus s = m.status();
            if (s == null) {
                continue;
            }
            long[] last = lastCompute.put(s.name(), new long[] {s.steps(), s.computeNanos()});
            if (last != null && s.steps() > last[0]) {
                long mean = (s.computeNanos() - last[1]) / (s.steps() - last[0]);
                metrics.recordNodeCompute(s.name(), Duration.ofNanos(mean));
                computePerStep += mean;
            }
        }
        ClusterStepExecutor.StepTiming t = node.coordinatorExecutor().timing();
        if (t.steps() > lastTiming.steps()) {
            long roundTrip = (t.nanos() - lastTiming.nanos()) / (t.steps() - lastTiming.steps());
            metrics.recordNodeNetwork(node.name(), Duration.ofNanos(Math.max(0, roundTrip - computePerStep)));
        }
        lastTiming = t;
    }
}
