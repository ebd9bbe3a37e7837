package dev.djinn.cluster.bench;

import dev.djinn.cluster.membership.ClusterSecret;
import dev.djinn.cluster.rpc.Auth;
import dev.djinn.cluster.rpc.Links;
import dev.djinn.cluster.rpc.Rpc;
import dev.djinn.cluster.rpc.TcpOptions;
import dev.djinn.cluster.wire.ByteWriter;
import dev.djinn.cluster.wire.Frame;
import dev.djinn.cluster.wire.HiddenCodec;
import dev.djinn.cluster.wire.WireFormat;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Benchmark (a) and (b) of docs/BENCHMARKS.md: what one pipeline hop adds to a decode step, per wire format.
 *
 * <p>A chain of relay processes (client, relay 1 .. relay k, back to the client) passes one decode row's
 * hidden state around. Each relay does what a stage does around its layers: the frame arrives on a gRPC pipe
 * stream, is handed to a compute thread, its hidden state is decoded, re-encoded and sent to the next node in
 * a new frame. The round trip with k relays makes k + 1 such transfers, so the slope over k is the latency
 * one hop adds. Also prints each format's frame size (b).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp 'cli/target/djinn-cli.jar:cli/target/lib/*' \
 *     dev.djinn.cluster.bench.HopBenchmark [--dim 2048] [--iterations 4000] [--relays 1,2,3] [--formats f32,f16,q8_0]
 * </pre>
 */
public final class HopBenchmark {
    private static final ClusterSecret SECRET = new ClusterSecret("hop-benchmark");

    private HopBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("--relay")) {
            relay(Integer.parseInt(args[1]), args[2]);
            return;
        }
        int dim = 2048;
        int iterations = 4000;
        List<Integer> relays = List.of(1, 2, 3);
        List<String> formats = List.of("f32", "f16", "q8_0", "f32+lz4", "f32+zstd", "q8_0+lz4", "q8_0+zstd");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--dim" -> dim = Integer.parseInt(args[i + 1]);
                case "--iterations" -> iterations = Integer.parseInt(args[i + 1]);
                case "--relays" -> relays = Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--formats" -> formats = Arrays.asList(args[i + 1].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        float[] hidden = hiddenState(dim);
        System.out.printf(Locale.ROOT, "hidden state: 1 row x %d values; %d round trips per point%n", dim, iterations);
        System.out.printf(Locale.ROOT, "%-10s %10s %10s", "format", "frame B", "B/value");
        for (int k : relays) {
            System.out.printf(Locale.ROOT, "  %6s %6s", "k=" + k + " p50", "p99");
        }
        System.out.printf(Locale.ROOT, "  %9s %9s%n", "hop p50", "hop p99");
        int maxRelays = relays.stream().mapToInt(Integer::intValue).max().orElse(1);
        for (String fs : formats) {
            WireFormat f = WireFormat.parse(fs);
            ByteWriter w = new ByteWriter();
            Frame.Step.write(w, 1, 1, false, f, 1, new long[] {1}, new int[] {100}, new int[] {1000},
                    new boolean[] {true}, null, hidden, dim);
            int frameBytes = w.size();
            double[][] res = new double[relays.size()][];
            for (int ri = 0; ri < relays.size(); ri++) {
                res[ri] = run(relays.get(ri), f, hidden, dim, iterations);
            }
            System.out.printf(Locale.ROOT, "%-10s %10d %10.4f", fs, frameBytes, (double) frameBytes / dim);
            for (double[] r : res) {
                System.out.printf(Locale.ROOT, "  %6.3f %6.3f", r[0], r[1]);
            }
            int last = relays.size() - 1;
            int span = relays.get(last) - relays.get(0);
            if (span > 0) {
                System.out.printf(Locale.ROOT, "  %7.3fms %7.3fms%n", (res[last][0] - res[0][0]) / span,
                        (res[last][1] - res[0][1]) / span);
            } else {
                System.out.printf(Locale.ROOT, "  %9s %9s%n", "-", "-");
            }
        }
        System.out.println("(round trips in ms; a hop is one relay more: encode, gRPC over loopback, hand-off, decode)");
        System.out.printf(Locale.ROOT, "gRPC adds 5 bytes of message prefix and 9 of HTTP/2 DATA frame header per frame%n");
    }

    /** A hidden state with the spread of a real one: mostly small values, a few large outliers. */
    static float[] hiddenState(int dim) {
        Random r = new Random(7);
        float[] h = new float[dim];
        for (int i = 0; i < dim; i++) {
            h[i] = (float) (r.nextGaussian() * 0.05 * (r.nextInt(100) == 0 ? 40 : 1));
        }
        return h;
    }

    /** Median and p99 round trip (ms) through {@code k} relay processes. */
    private static double[] run(int k, WireFormat f, float[] hidden, int dim, int iterations) throws Exception {
        int clientPort = freePort();
        int[] ports = new int[k];
        for (int i = 0; i < k; i++) {
            ports[i] = freePort();
        }
        List<Process> procs = new ArrayList<>();
        String cp = System.getProperty("java.class.path");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < k; i++) {
            String next = "127.0.0.1:" + (i + 1 < k ? ports[i + 1] : clientPort);
            procs.add(new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-cp", cp,
                    HopBenchmark.class.getName(), "--relay", Integer.toString(ports[i]), next)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        CompletableFuture<?>[] pending = new CompletableFuture<?>[1];
        Server server = server(clientPort, frame -> pending[0].complete(null));
        try (Links links = new Links(SECRET, TcpOptions.DEFAULT, "127.0.0.1:" + clientPort, x -> { })) {
            String first = "127.0.0.1:" + ports[0];
            awaitUp(links, first);
            double[] ms = new double[iterations];
            for (int i = -iterations / 2; i < iterations; i++) {
                ByteWriter w = new ByteWriter(64 + f.rowBytes(dim));
                Frame.Step.write(w, 1, i + 100_000, false, f, 1, new long[] {1}, new int[] {100}, new int[] {1000},
                        new boolean[] {true}, null, hidden, dim);
                CompletableFuture<Object> done = new CompletableFuture<>();
                pending[0] = done;
                long t0 = System.nanoTime();
                links.send(first, w.toByteArray());
                done.get(10, TimeUnit.SECONDS);
                if (i >= 0) {
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(ms);
            return new double[] {ms[iterations / 2], ms[(int) Math.ceil(iterations * 0.99) - 1]};
        } finally {
            server.shutdownNow();
            for (Process p : procs) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void awaitUp(Links links, String ep) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            try {
                links.call(ep, Rpc.PING, new ByteWriter(4).varint(1).toByteArray(), 1000).join();
                return;
            } catch (RuntimeException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("relay " + ep + " did not start");
    }

    /** A relay: decode, re-encode and forward every frame on a compute thread, as a stage does. */
    private static void relay(int port, String next) throws Exception {
        ExecutorService compute = Executors.newSingleThreadExecutor();
        Links[] links = new Links[1];
        float[] buf = new float[1 << 16];
        Server s = server(port, frame -> compute.execute(() -> {
            Frame.Step st = (Frame.Step) Frame.decode(frame);
            int dim = st.payload().remaining() > 0 ? dimOf(st) : 0;
            HiddenCodec.decode(st.payload(), st.rows(), dim, st.wire(), buf);
            ByteWriter w = new ByteWriter(64 + st.wire().rowBytes(dim));
            Frame.Step.write(w, st.route(), st.step(), false, st.wire(), st.rows(), st.seqs(), st.positions(),
                    st.tokens(), st.sample(), st.prompt(), buf, dim);
            links[0].send(next, w.toByteArray());
        }));
        links[0] = new Links(SECRET, TcpOptions.DEFAULT, "127.0.0.1:" + port, x -> { });
        s.awaitTermination();
    }

    /** The benchmark always sends one row; its width follows from the payload. */
    private static int dimOf(Frame.Step st) {
        String d = System.getProperty("hop.dim");
        if (d != null) {
            return Integer.parseInt(d);
        }
        int n = st.payload().remaining();
        return switch (st.wire().encoding()) {
            case F32 -> st.wire().compression() == WireFormat.Compression.NONE ? n / 4 : DIM_FROM_HEADER.applyAsInt(st);
            case F16 -> st.wire().compression() == WireFormat.Compression.NONE ? n / 2 : DIM_FROM_HEADER.applyAsInt(st);
            case Q8_0 -> st.wire().compression() == WireFormat.Compression.NONE ? n / 34 * 32
                    : DIM_FROM_HEADER.applyAsInt(st);
        };
    }

    /** For a compressed payload, the varint before it gives the raw length. */
    private static final java.util.function.ToIntFunction<Frame.Step> DIM_FROM_HEADER = st -> {
        var r = new dev.djinn.cluster.wire.ByteReader(st.payload().array(), st.payload().position(),
                st.payload().remaining());
        int raw = r.count();
        return switch (st.wire().encoding()) {
            case F32 -> raw / 4;
            case F16 -> raw / 2;
            case Q8_0 -> raw / 34 * 32;
        };
    };

    private static Server server(int port, Consumer<byte[]> onFrame) throws IOException {
        ServerServiceDefinition svc = ServerServiceDefinition.builder(Rpc.SERVICE)
                .addMethod(Rpc.PIPE, ServerCalls.asyncBidiStreamingCall(rsp -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] frame) {
                        onFrame.accept(frame);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        rsp.onCompleted();
                    }
                }))
                .addMethod(Rpc.PING, ServerCalls.asyncUnaryCall((req, rsp) -> {
                    rsp.onNext(new byte[1]);
                    rsp.onCompleted();
                }))
                .build();
        TcpOptions tcp = TcpOptions.DEFAULT;
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .directExecutor()
                .withChildOption(ChannelOption.TCP_NODELAY, tcp.noDelay())
                .flowControlWindow(tcp.flowControlWindow())
                .intercept(Auth.server(SECRET))
                .addService(svc)
                .build().start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
