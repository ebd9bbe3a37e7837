package dev.djinn.cluster;

import dev.djinn.cluster.coord.GenerateCall;
import dev.djinn.cluster.membership.ClusterSecret;
import dev.djinn.cluster.rpc.Links;
import dev.djinn.cluster.rpc.Rpc;
import dev.djinn.cluster.rpc.TcpOptions;
import dev.djinn.core.DjinnException;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A client of a djinn cluster (what {@code djinn run --peers} and {@code djinn cluster status} use). */
public final class ClusterClient implements AutoCloseable {
    private final List<String> peers;
    private final ClusterSecret secret;
    private ManagedChannel channel;
    private String connected;
    private boolean direct;

    /** Sends generations to the node connected to, not to the first stage (tests of coordinators). */
    public ClusterClient direct() {
        direct = true;
        return this;
    }

    public ClusterClient(List<String> peers, String secret) {
        if (peers.isEmpty()) {
            throw new DjinnException("--peers names no node");
        }
        this.peers = List.copyOf(peers);
        this.secret = new ClusterSecret(secret);
    }

    /** The node this client talks to: the first of the peers that answers. */
    private ManagedChannel channel() {
        if (channel != null) {
            return channel;
        }
        StringBuilder errors = new StringBuilder();
        for (String p : peers) {
            ManagedChannel ch = Links.channel(p, TcpOptions.DEFAULT, secret);
            try {
                Links.call(ch, Rpc.INFO, new byte[0], 5000).join();
                channel = ch;
                connected = p;
                return ch;
            } catch (CompletionException e) {
                ch.shutdownNow();
                Throwable c = e.getCause();
                if (c instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
                    throw new DjinnException(p + " refused the call: " + s.getStatus().getDescription());
                }
                errors.append(errors.isEmpty() ? "" : "; ").append(p).append(": ").append(describe(c));
            }
        }
        throw new DjinnException("no node of the cluster answers (" + errors + ")");
    }

    public String connectedTo() {
        return connected;
    }

    public NodeStatus info() {
        return NodeStatus.decode(unwrap(() -> Links.call(channel(), Rpc.INFO, new byte[0], 5000).join()));
    }

    public String status() {
        return new String(unwrap(() -> Links.call(channel(), Rpc.STATUS, new byte[0], 60_000).join()),
                StandardCharsets.UTF_8);
    }

    /**
     * Runs a generation; each token event goes to {@code events}; returns the final event. The request goes to
     * the node holding the first layers when there is one (so the last stage's tokens go straight to the node
     * that runs the next step), else to the node this client is connected to.
     */
    public GenerateCall.Done generate(GenerateCall.Request request, Consumer<GenerateCall.Event> events) {
        ManagedChannel ch = channel();
        try {
            String first = info().firstStage();
            if (!first.isEmpty() && !first.equals(connected) && !direct) {
                ManagedChannel f = Links.channel(first, TcpOptions.DEFAULT, secret);
                try {
                    Links.call(f, Rpc.INFO, new byte[0], 3000).join();
                    channel.shutdownNow();
                    channel = f;
                    connected = first;
                    ch = f;
                } catch (CompletionException e) {
                    f.shutdownNow(); // unreachable from here (e.g. behind NAT): stay with the node we have
                }
            }
        } catch (DjinnException e) {
            // no plan information: stay
        }
        try {
            Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(ch, Rpc.GENERATE,
                    CallOptions.DEFAULT.withDeadlineAfter(24, TimeUnit.HOURS), request.encode());
            while (it.hasNext()) {
                GenerateCall.Event e = GenerateCall.Event.decode(it.next());
                if (e.done() != null) {
                    return e.done();
                }
                events.accept(e);
            }
            throw new DjinnException("the node ended the generation without a result");
        } catch (StatusRuntimeException e) {
            throw new DjinnException(describe(e));
        }
    }

    private static byte[] unwrap(java.util.function.Supplier<byte[]> call) {
        try {
            return call.get();
        } catch (CompletionException e) {
            throw new DjinnException(describe(e.getCause()));
        }
    }

    static String describe(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            String d = s.getStatus().getDescription();
            return d != null ? d : s.getStatus().getCode().toString();
        }
        return String.valueOf(t.getMessage());
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
