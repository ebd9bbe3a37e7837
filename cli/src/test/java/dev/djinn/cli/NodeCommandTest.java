package dev.djinn.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code djinn node}'s API options: mistakes are one-line errors, checked before the node starts. */
class NodeCommandTest {
    private static Cli.Run node(String... extra) {
        String[] base = {"node", "--model", Cli.model("stories260K.gguf").toString(), "--host", "127.0.0.1",
                "--port", Integer.toString(NodeProcesses.freePortBlock()), "--discovery", "static", "--threads", "1",
                "--benchmark-ms", "1", "--cluster-secret", "s"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.run(args);
    }

    @Test
    void badApiOptionsAreOneLineErrors() {
        Cli.Run r = node("--api-port", "70000");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("djinn: --api-port must be 0 to 65535\n");
        r = node("--api-port", "0", "--parallel", "0");
        assertThat(r.err()).isEqualTo("djinn: --parallel must be positive\n");
        r = node("--api-key", "k");
        assertThat(r.err()).isEqualTo("djinn: --api-host, --api-key and --parallel go with --api-port\n");
    }

    @Test
    void anApiPortInUseIsReportedAndTheNodeStops() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Cli.Run r = node("--api-port", Integer.toString(taken.getLocalPort()));
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).contains("djinn: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .doesNotContain("Exception");
        }
    }
}
