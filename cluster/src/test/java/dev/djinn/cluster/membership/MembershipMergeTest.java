package dev.djinn.cluster.membership;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.BitSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes that each formed a cluster of their own (the second knows no peer; the first lists the second,
 * which was not up yet) merge into one view, and each then knows the other's announcement.
 */
class MembershipMergeTest {
    private static final ClusterSecret SECRET = new ClusterSecret("merge-test");

    /**
     * A port free on loopback with FD_SOCK2's 100 above it, below Linux's ephemeral range (32768 up): node a
     * dials b's port before b binds it, and an ephemeral port of one of those attempts once was b's port.
     */
    private static int freePort() {
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        for (int i = 0; i < 100; i++) {
            int p = random.nextInt(20000, 32000);
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress());
                 ServerSocket fd = new ServerSocket(p + 100, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException ignored) {
                // taken; try another
            }
        }
        throw new IllegalStateException("no free ports");
    }

    private static Membership join(String name, int port, List<String> peers, String cluster) {
        NodeInfo info = new NodeInfo(name, "127.0.0.1", port - 1, 1L << 30, 1, "model", true, new BitSet(), 64, 1,
                System.currentTimeMillis());
        Membership m = new Membership(SECRET, info);
        m.join(JGroupsStack.xml(JGroupsStack.Discovery.STATIC, "127.0.0.1", port, peers, null, "228.8.8.8", 45588),
                cluster);
        return m;
    }

    @Test
    void twoClustersThatFormedApartMerge() throws Exception {
        int pa = freePort();
        int pb = freePort();
        while (Math.abs(pb - pa) == 100 || pb == pa) {
            pb = freePort();
        }
        String cluster = "merge-test-" + pa;
        try (Membership a = join("a", pa, List.of("127.0.0.1:" + pb), cluster);
             Membership b = join("b", pb, List.of(), cluster)) {
            assertThat(b.viewSize()).as("b started a cluster of its own").isEqualTo(1);
            long end = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < end && !(both(a) && both(b))) {
                Thread.sleep(100);
            }
            assertThat(a.members()).extracting(NodeInfo::name).containsExactly("a", "b");
            assertThat(b.members()).extracting(NodeInfo::name).containsExactly("a", "b");
            assertThat(a.settled()).isTrue();
            assertThat(b.settled()).isTrue();
        }
    }

    private static boolean both(Membership m) {
        return m.settled() && m.members().size() == 2;
    }
}
