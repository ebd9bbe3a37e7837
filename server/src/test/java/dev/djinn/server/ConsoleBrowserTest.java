package dev.djinn.server;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The web console in headless Chromium (driven by playwright-core): a chat message gets a streamed answer, and the
 * cluster page shows this node and its layers. The checks are in {@code src/test/node/console-browser.mjs};
 * screenshots land in {@code target/console-*.png}.
 */
class ConsoleBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @Test
    void chatAndClusterPagesWork() {
        if (!Files.isExecutable(CHROMIUM)) {
            fail("this test needs Debian's Chromium at " + CHROMIUM + ": apt-get install -y chromium");
        }
        NodeTools.install(NodeTools.PLAYWRIGHT);
        try (TestServers server = TestServers.start(null)) {
            NodeTools.Result r = NodeTools.runScript("console-browser.mjs", 180, server.url(), CHROMIUM.toString(),
                    NodeTools.moduleDir().resolve("target").toString());
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).contains("console: all checks passed");
        }
    }
}
