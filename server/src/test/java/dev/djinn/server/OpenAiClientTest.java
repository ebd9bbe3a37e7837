package dev.djinn.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official {@code openai} npm client against a real server: listing models, chat and text completions
 * (streamed text equals non-streamed text at temperature 0), usage, and errors as the client's error classes.
 * The checks are in {@code src/test/node/openai-client.mjs}.
 */
class OpenAiClientTest {
    @Test
    void officialClientTalksToTheServer() {
        NodeTools.install(NodeTools.OPENAI);
        try (TestServers server = TestServers.start("test-key")) {
            NodeTools.Result r = NodeTools.runScript("openai-client.mjs", 180, server.url() + "/v1", "test-key",
                    TestServers.MODEL);
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).contains("openai client: all checks passed");
        }
    }
}
