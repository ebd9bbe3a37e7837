package dev.djinn.cluster.membership;

import dev.djinn.cluster.wire.ByteReader;
import dev.djinn.cluster.wire.ByteWriter;

import java.util.BitSet;

/**
 * What a node announces to the others over JGroups: where its gRPC endpoint is, what it may use for the model
 * and how fast it is, which model it serves ({@code modelId}, empty until it knows), and which parts of the
 * model it has on disk ({@code full}, or the layers in {@code have}, with bit {@code layers} for the
 * embedding and {@code layers + 1} for the output head).
 */
public record NodeInfo(String name, String host, int port, long memoryLimit, double benchmarkMs, String modelId,
                       boolean full, BitSet have, int maxBatch, int threads, long started) {
    private static final int VERSION = 1;

    public String endpoint() {
        return host + ":" + port;
    }

    public boolean knowsModel() {
        return !modelId.isEmpty();
    }

    public byte[] encode() {
        ByteWriter w = new ByteWriter(128);
        w.u8(VERSION).string(name).string(host).varint(port).i64(memoryLimit).f64(benchmarkMs).string(modelId)
                .bool(full).blob(have.toByteArray()).varint(maxBatch).varint(threads).i64(started);
        return w.toByteArray();
    }

    public static NodeInfo decode(byte[] b) {
        ByteReader r = new ByteReader(b);
        int v = r.u8();
        if (v != VERSION) {
            throw new dev.djinn.cluster.wire.WireException("node info version " + v);
        }
        return new NodeInfo(r.string(), r.string(), r.count(), r.i64(), r.f64(), r.string(), r.bool(),
                BitSet.valueOf(r.blob()), r.count(), r.count(), r.i64());
    }
}
