package dev.djinn.cluster.plan;

/**
 * What the planner knows of a node: its name (ring order), how much memory it may use for the model, and
 * how long its start-up matrix-multiply benchmark took (shorter is faster).
 */
public record Member(String name, long memoryLimit, double benchmarkMs) {
    public double speed() {
        return 1.0 / Math.max(benchmarkMs, 1e-6);
    }
}
