package dev.djinn.server.cluster;

/**
 * What the console's cluster page shows: the nodes serving the model, the layers each holds, and the links
 * between them. A single machine is a cluster of one; the cluster code implements this for many.
 */
@FunctionalInterface
public interface ClusterView {
    ClusterState snapshot();
}
