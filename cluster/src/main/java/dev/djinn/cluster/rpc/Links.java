package dev.djinn.cluster.rpc;

import dev.djinn.cluster.membership.ClusterSecret;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * This node's connections to other nodes: one gRPC channel per peer endpoint and, on it, one long-lived
 * {@link Rpc#PIPE} stream that carries every data-plane frame to that peer in order. Frames addressed to this
 * node itself skip the network. Sending never blocks: frames are queued by gRPC (flow control is wide open).
 * When a stream fails, listeners hear of it and the next frame opens a new stream.
 */
public final class Links implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Links.class.getName());

    private final ClusterSecret secret;
    private final TcpOptions tcp;
    private final String self;
    private final Consumer<byte[]> local;
    private final Map<String, Link> links = new ConcurrentHashMap<>();
    private final List<BiConsumer<String, Throwable>> failureListeners = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * @param self  this node's endpoint (host:port)
     * @param local receives frames this node sends to itself
     */
    public Links(ClusterSecret secret, TcpOptions tcp, String self, Consumer<byte[]> local) {
        this.secret = secret;
        this.tcp = tcp;
        this.self = self;
        this.local = local;
    }

    public String self() {
        return self;
    }

    public void onFailure(BiConsumer<String, Throwable> listener) {
        failureListeners.add(listener);
    }

    /** A channel to {@code endpoint} (host:port) with the cluster's TCP options and credentials. */
    public static ManagedChannel channel(String endpoint, TcpOptions tcp, ClusterSecret secret) {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) {
            throw new dev.djinn.core.DjinnException("not host:port: " + endpoint);
        }
        String host = endpoint.substring(0, colon);
        int port = Integer.parseInt(endpoint.substring(colon + 1));
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                .directExecutor()
                .withOption(ChannelOption.TCP_NODELAY, tcp.noDelay())
                .withOption(ChannelOption.SO_KEEPALIVE, tcp.keepAlive())
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
                .flowControlWindow(tcp.flowControlWindow())
                .maxInboundMessageSize(1 << 30)
                .intercept(Auth.client(secret));
        if (tcp.sendBuffer() > 0) {
            b.withOption(ChannelOption.SO_SNDBUF, tcp.sendBuffer());
        }
        if (tcp.receiveBuffer() > 0) {
            b.withOption(ChannelOption.SO_RCVBUF, tcp.receiveBuffer());
        }
        if (tcp.keepAliveMs() > 0) {
            b.keepAliveTime(tcp.keepAliveMs(), TimeUnit.MILLISECONDS)
                    .keepAliveTimeout(2, TimeUnit.SECONDS)
                    .keepAliveWithoutCalls(true);
        }
        return b.build();
    }

    public ManagedChannel channel(String endpoint) {
        return link(endpoint).channel;
    }

    private Link link(String endpoint) {
        if (closed) {
            throw new IllegalStateException("links are closed");
        }
        return links.computeIfAbsent(endpoint, e -> new Link(e, channel(e, tcp, secret)));
    }

    /** Sends a frame to {@code endpoint}'s pipe (or straight to this node when it is this node). */
    public void send(String endpoint, byte[] frame) {
        if (endpoint.equals(self)) {
            local.accept(frame);
            return;
        }
        link(endpoint).send(frame);
    }

    /** A unary call with a deadline; the future fails with the call's status. */
    public CompletableFuture<byte[]> call(String endpoint, MethodDescriptor<byte[], byte[]> method, byte[] request,
                                          long timeoutMs) {
        return call(channel(endpoint), method, request, timeoutMs);
    }

    public static CompletableFuture<byte[]> call(io.grpc.Channel ch, MethodDescriptor<byte[], byte[]> method,
                                                 byte[] request, long timeoutMs) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = ch.newCall(method,
                CallOptions.DEFAULT.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS));
        ClientCalls.asyncUnaryCall(call, request, new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                f.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                f.complete(new byte[0]);
            }
        });
        return f;
    }

    /** Forgets a peer (it left the cluster): its stream and channel are closed. */
    public void drop(String endpoint) {
        Link l = links.remove(endpoint);
        if (l != null) {
            l.shutdown();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Link l : links.values()) {
            l.shutdown();
        }
        links.clear();
    }

    private final class Link {
        private final String endpoint;
        private final ManagedChannel channel;
        private ClientCallStreamObserver<byte[]> pipe;

        Link(String endpoint, ManagedChannel channel) {
            this.endpoint = endpoint;
            this.channel = channel;
        }

        synchronized void send(byte[] frame) {
            if (pipe == null) {
                pipe = open();
            }
            pipe.onNext(frame);
        }

        private ClientCallStreamObserver<byte[]> open() {
            ClientCall<byte[], byte[]> call = channel.newCall(Rpc.PIPE, CallOptions.DEFAULT);
            ClientCallStreamObserver<byte[]>[] holder = new ClientCallStreamObserver[1];
            StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(call,
                    new ClientResponseObserver<byte[], byte[]>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<byte[]> rs) {
                            holder[0] = rs;
                        }

                        @Override
                        public void onNext(byte[] value) {
                            // the server sends nothing back on a pipe
                        }

                        @Override
                        public void onError(Throwable t) {
                            failed(holder[0], t);
                        }

                        @Override
                        public void onCompleted() {
                            failed(holder[0], Status.UNAVAILABLE.withDescription("pipe closed by " + endpoint)
                                    .asRuntimeException());
                        }
                    });
            return (ClientCallStreamObserver<byte[]>) requests;
        }

        private void failed(ClientCallStreamObserver<byte[]> stream, Throwable t) {
            synchronized (this) {
                if (pipe == stream) {
                    pipe = null;
                }
            }
            if (closed) {
                return;
            }
            LOG.fine("pipe to " + endpoint + " failed: " + t);
            for (BiConsumer<String, Throwable> l : failureListeners) {
                l.accept(endpoint, t);
            }
        }

        synchronized void shutdown() {
            if (pipe != null) {
                try {
                    pipe.onCompleted();
                } catch (RuntimeException ignored) {
                    // already failed
                }
                pipe = null;
            }
            channel.shutdownNow();
        }
    }
}
