package dev.djinn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 64 concurrent streaming requests against one server: every one completes with a finish reason and the
 * right usage, and its text equals the text the same request gets alone (temperature 0): nothing is lost
 * or mixed between requests.
 */
class ConcurrentLoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REQUESTS = 64;
    private static final String[] STARTS = {"Once upon a time", "The little dog", "Lily wanted", "One day, Tom",
            "The sun", "A bird sang", "Mom and dad", "The big red ball"};

    record Outcome(String text, String finish, int promptTokens, int completionTokens, int chunks) {
    }

    @Test
    void sixtyFourConcurrentStreamsEachGetTheirSoloText() throws Exception {
        try (TestServers server = TestServers.start(null, REQUESTS)) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            List<ObjectNode> bodies = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                ObjectNode body = JSON.createObjectNode();
                body.put("model", TestServers.MODEL);
                body.put("prompt", STARTS[i % STARTS.length] + (i >= STARTS.length ? " " + "and".repeat(1 + i / 8) : ""));
                body.put("max_tokens", 24 + i % 17);
                body.put("temperature", 0);
                body.put("stream", true);
                body.putObject("stream_options").put("include_usage", true);
                bodies.add(body);
            }
            List<Outcome> solo = new ArrayList<>();
            for (ObjectNode b : bodies) {
                solo.add(send(http, server.url(), b).get(60, TimeUnit.SECONDS));
            }
            List<CompletableFuture<Outcome>> concurrent = new ArrayList<>();
            for (ObjectNode b : bodies) {
                concurrent.add(send(http, server.url(), b));
            }
            for (int i = 0; i < REQUESTS; i++) {
                Outcome got = concurrent.get(i).get(120, TimeUnit.SECONDS);
                Outcome want = solo.get(i);
                assertThat(got.finish()).as("request %d finish", i).isIn("stop", "length");
                assertThat(got.text()).as("request %d text", i).isEqualTo(want.text());
                assertThat(got.finish()).isEqualTo(want.finish());
                assertThat(got.promptTokens()).isEqualTo(want.promptTokens());
                assertThat(got.completionTokens()).isEqualTo(want.completionTokens());
                if (got.finish().equals("length")) {
                    assertThat(got.completionTokens()).isEqualTo(bodies.get(i).get("max_tokens").asInt());
                }
            }
        }
    }

    /** Sends one streamed completion and collects its text, finish reason and usage from the SSE chunks. */
    private static CompletableFuture<Outcome> send(HttpClient http, String url, ObjectNode body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofLines()).thenApply(resp -> {
            assertThat(resp.statusCode()).isEqualTo(200);
            StringBuilder text = new StringBuilder();
            String[] finish = {null};
            int[] usage = {-1, -1};
            int[] chunks = {0};
            boolean[] done = {false};
            resp.body().forEach(line -> {
                if (!line.startsWith("data: ")) {
                    return;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done[0] = true;
                    return;
                }
                JsonNode chunk = parse(data);
                chunks[0]++;
                for (JsonNode c : chunk.path("choices")) {
                    text.append(c.path("text").asText(""));
                    if (!c.path("finish_reason").isNull() && !c.path("finish_reason").isMissingNode()) {
                        finish[0] = c.get("finish_reason").asText();
                    }
                }
                if (chunk.hasNonNull("usage")) {
                    usage[0] = chunk.get("usage").get("prompt_tokens").asInt();
                    usage[1] = chunk.get("usage").get("completion_tokens").asInt();
                }
            });
            assertThat(done[0]).as("stream ends with [DONE]").isTrue();
            return new Outcome(text.toString(), finish[0], usage[0], usage[1], chunks[0]);
        });
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
