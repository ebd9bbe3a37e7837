package dev.djinn.cluster;

import dev.djinn.cluster.rpc.Links;
import dev.djinn.cluster.rpc.Rpc;
import dev.djinn.cluster.wire.ByteReader;
import dev.djinn.cluster.wire.ByteWriter;
import io.grpc.Channel;

import java.util.Arrays;

/**
 * Measures a link as the data plane sees it: round-trip time of small gRPC calls (median and p99 of 30, after
 * 5 to warm up) and bandwidth of 1 MiB calls (8 in a row, bytes over time).
 */
public record LinkProbe(double rttMedianMs, double rttP99Ms, double megabytesPerSecond) {
    public static LinkProbe measure(Channel ch) {
        byte[] small = new ByteWriter(8).varint(1).toByteArray();
        for (int i = 0; i < 5; i++) {
            Links.call(ch, Rpc.PING, small, 2000).join();
        }
        double[] rtt = new double[30];
        for (int i = 0; i < rtt.length; i++) {
            long t0 = System.nanoTime();
            Links.call(ch, Rpc.PING, small, 2000).join();
            rtt[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(rtt);
        ByteWriter big = new ByteWriter(1 << 20).varint(1);
        big.reserve(1 << 20);
        byte[] payload = big.toByteArray();
        Links.call(ch, Rpc.PING, payload, 10_000).join();
        long t0 = System.nanoTime();
        int n = 8;
        for (int i = 0; i < n; i++) {
            Links.call(ch, Rpc.PING, payload, 10_000).join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        return new LinkProbe(rtt[rtt.length / 2], rtt[(int) Math.ceil(rtt.length * 0.99) - 1],
                (double) n * payload.length / secs / 1e6);
    }

    public byte[] encode() {
        return new ByteWriter(32).f64(rttMedianMs).f64(rttP99Ms).f64(megabytesPerSecond).toByteArray();
    }

    public static LinkProbe decode(byte[] b) {
        ByteReader r = new ByteReader(b);
        return new LinkProbe(r.f64(), r.f64(), r.f64());
    }
}
