package dev.djinn.server.cluster;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.DoubleSupplier;

/** A cluster of one: this machine holds every layer. Memory is the machine's, as the operating system reports it. */
public final class SingleNodeView implements ClusterView {
    private final String model;
    private final String name;
    private final String address;
    private final int layers;
    private final DoubleSupplier tokensPerSecond;

    public SingleNodeView(String model, String name, String address, int layers, DoubleSupplier tokensPerSecond) {
        this.model = model;
        this.name = name;
        this.address = address;
        this.layers = layers;
        this.tokensPerSecond = tokensPerSecond;
    }

    @Override
    public ClusterState snapshot() {
        long total = 0;
        long free = 0;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            total = os.getTotalMemorySize();
            free = os.getFreeMemorySize();
        }
        var node = new ClusterState.Node(name, address, 0, layers, total - free, free, tokensPerSecond.getAsDouble());
        return new ClusterState(model, layers, List.of(node), List.of());
    }
}
