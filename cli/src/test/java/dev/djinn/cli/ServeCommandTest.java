package dev.djinn.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

class ServeCommandTest {
    @Test
    void badOptionsAreOneLineErrors() {
        Cli.Run r = Cli.run("serve", "--model", Cli.model("stories260K.gguf").toString(), "--parallel", "0");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("djinn: ").contains("--parallel").doesNotContain("Exception");
        r = Cli.run("serve", "--model", Cli.model("stories260K.gguf").toString(), "--port", "70000");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("--port must be 0 to 65535");
    }

    @Test
    void aPortInUseIsReported() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Cli.Run r = Cli.run("serve", "--model", Cli.model("stories260K.gguf").toString(), "--threads", "1",
                    "--port", Integer.toString(taken.getLocalPort()));
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
