package dev.djinn.cluster;

import dev.djinn.cluster.membership.NodeInfo;
import dev.djinn.cluster.rpc.Rpc;
import dev.djinn.cluster.wire.ByteWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Asks the members of a node's view how they are: each one's live state ({@code Info}, cheap) and each link
 * of the ring, member i to member i+1 and the last back to the first, measured by the member at its start
 * ({@code Measure}: dozens of calls and megabytes, so seconds). All calls go out at once.
 */
public final class ClusterSurvey {
    /** A member and its state, or why it did not answer. */
    public record MemberState(NodeInfo member, NodeStatus status, String error) {
    }

    /** A ring link and its measurement, or why it could not be measured. */
    public record RingLink(NodeInfo from, NodeInfo to, LinkProbe probe, String error) {
    }

    private ClusterSurvey() {
    }

    /** The live state of every member serving the node's model, in view order. */
    public static List<MemberState> members(Node node, long timeoutMs) {
        List<NodeInfo> members = node.members();
        List<CompletableFuture<byte[]>> calls = new ArrayList<>();
        for (NodeInfo m : members) {
            calls.add(node.links().call(m.endpoint(), Rpc.INFO, new byte[0], timeoutMs));
        }
        List<MemberState> out = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            try {
                out.add(new MemberState(members.get(i), NodeStatus.decode(calls.get(i).join()), null));
            } catch (RuntimeException e) {
                out.add(new MemberState(members.get(i), null, rootMessage(e)));
            }
        }
        return out;
    }

    /** Measures every link of the ring (none for a single member). */
    public static List<RingLink> ring(Node node) {
        List<NodeInfo> members = node.members();
        int n = members.size();
        List<CompletableFuture<byte[]>> probes = new ArrayList<>();
        for (int i = 0; i < n && n > 1; i++) {
            probes.add(node.links().call(members.get(i).endpoint(), Rpc.MEASURE,
                    new ByteWriter(32).string(members.get((i + 1) % n).endpoint()).toByteArray(), 20_000));
        }
        List<RingLink> out = new ArrayList<>();
        for (int i = 0; i < probes.size(); i++) {
            NodeInfo from = members.get(i);
            NodeInfo to = members.get((i + 1) % n);
            try {
                out.add(new RingLink(from, to, LinkProbe.decode(probes.get(i).join()), null));
            } catch (RuntimeException e) {
                out.add(new RingLink(from, to, null, rootMessage(e)));
            }
        }
        return out;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
