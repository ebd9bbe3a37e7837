package dev.djinn.server.cluster;

import java.util.List;

/**
 * The cluster at one moment, as {@code GET /v1/cluster} returns it.
 *
 * @param model  the served model's id
 * @param layers the model's layer count; each node holds a range of it
 */
public record ClusterState(String model, int layers, List<Node> nodes, List<Link> links) {
    public ClusterState {
        nodes = List.copyOf(nodes);
        links = List.copyOf(links);
    }

    /**
     * One machine.
     *
     * @param firstLayer      the first layer it computes
     * @param endLayer        one past the last layer it computes
     * @param tokensPerSecond tokens it helped generate per second, lately
     */
    public record Node(String name, String address, int firstLayer, int endLayer, long memoryUsedBytes,
                       long memoryFreeBytes, double tokensPerSecond) {
    }

    /** A connection between two nodes (by name), as last measured. */
    public record Link(String from, String to, double rttMillis, double bandwidthBytesPerSecond) {
    }
}
