package dev.djinn.cluster;

import dev.djinn.cluster.wire.ByteReader;
import dev.djinn.cluster.wire.ByteWriter;

/**
 * A node's live state, as its {@code Info} call reports it.
 *
 * @param range        its layers in its current plan ("-" when it holds none or has no plan)
 * @param plan         its current plan, or why there is none
 * @param members      members in its view that announced themselves
 * @param residentBytes resident memory of the process
 * @param weightBytes  bytes of the weights its range maps
 * @param kvBytes      KV-cache bytes its sequences hold
 * @param busyMs       how long its compute thread has been on the current frame (0 when idle)
 * @param firstStage   endpoint of the node holding layer 0 in its plan ("" when none): the best coordinator,
 *                     since the last stage's tokens then go straight to the node that runs the next step
 */
public record NodeStatus(String name, String endpoint, String modelId, boolean fullModel, String range, String plan,
                         int members, long memoryLimit, long residentBytes, long physicalBytes, long physicalFree,
                         long weightBytes, long kvBytes, double benchmarkMs, int threads, long steps, long rows,
                         long computeNanos, int routes, long busyMs, String firstStage) {
    public byte[] encode() {
        return new ByteWriter(256).string(name).string(endpoint).string(modelId).bool(fullModel).string(range)
                .string(plan).varint(members).i64(memoryLimit).i64(residentBytes).i64(physicalBytes)
                .i64(physicalFree).i64(weightBytes).i64(kvBytes).f64(benchmarkMs).varint(threads).varint(steps)
                .varint(rows).varint(computeNanos).varint(routes).varint(busyMs).string(firstStage).toByteArray();
    }

    public static NodeStatus decode(byte[] b) {
        ByteReader r = new ByteReader(b);
        return new NodeStatus(r.string(), r.string(), r.string(), r.bool(), r.string(), r.string(), r.count(),
                r.i64(), r.i64(), r.i64(), r.i64(), r.i64(), r.i64(), r.f64(), r.count(), r.varint(), r.varint(),
                r.varint(), r.count(), r.varint(), r.string());
    }
}
