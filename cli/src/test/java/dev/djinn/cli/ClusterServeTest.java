package dev.djinn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code djinn node --api-port}: three node processes on loopback, the API served by {@code djinn node} on the
 * one without the model file (it has only the header a peer gave it), so every request's steps run through
 * the pipeline of all three. 64 concurrent streamed requests each get the text, finish reason and usage the
 * same request gets alone (temperature 0): the scheduler's batches lose or mix nothing across the cluster.
 */
class ClusterServeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int REQUESTS = 64;
    private static final String[] STARTS = {"Once upon a time", "The little dog", "Lily wanted", "One day, Tom",
            "The sun", "A bird sang", "Mom and dad", "The big red ball"};
    private static NodeProcesses nodes;
    private static HttpClient http;
    private static String url;

    record Outcome(String text, String finish, int promptTokens, int completionTokens) {
    }

    @BeforeAll
    static void startCluster() {
        Path model = Cli.model("stories260K.gguf");
        nodes = new NodeProcesses();
        String[] common = {"--kv-slots", "8"};
        nodes.node("a", model, common);
        nodes.node("b", model, common);
        nodes.djinnNode("c", nodes.dir().resolve("nowhere").resolve(model.getFileName()), "--kv-slots", "8",
                "--api-port", "0", "--parallel", Integer.toString(REQUESTS));
        String log = nodes.awaitLog("c", "/v1, console", Duration.ofSeconds(90));
        Matcher m = Pattern.compile("API (http://\\S+)/v1").matcher(log);
        assertThat(m.find()).as(log).isTrue();
        url = m.group(1);
        nodes.awaitLog("c", "3 nodes, plan", Duration.ofSeconds(90));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void stopCluster() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void sixtyFourConcurrentStreamsThroughThePipelineEachGetTheirSoloText() throws Exception {
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            ObjectNode body = JSON.createObjectNode();
            body.put("model", "stories260K");
            body.put("prompt", STARTS[i % STARTS.length] + (i >= STARTS.length ? " " + "and".repeat(1 + i / 8) : ""));
            body.put("max_tokens", 24 + i % 17);
            body.put("temperature", 0);
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
            bodies.add(body);
        }
        List<Outcome> solo = new ArrayList<>();
        for (ObjectNode b : bodies) {
            solo.add(send(b).get(60, TimeUnit.SECONDS));
        }
        List<CompletableFuture<Outcome>> concurrent = new ArrayList<>();
        for (ObjectNode b : bodies) {
            concurrent.add(send(b));
        }
        for (int i = 0; i < REQUESTS; i++) {
            Outcome got = concurrent.get(i).get(120, TimeUnit.SECONDS);
            Outcome want = solo.get(i);
            assertThat(got.finish()).as("request %d finish", i).isIn("stop", "length");
            assertThat(got).as("request %d", i).isEqualTo(want);
            if (got.finish().equals("length")) {
                assertThat(got.completionTokens()).isEqualTo(bodies.get(i).get("max_tokens").asInt());
            }
        }
        // the scheduler batched them: some forward pass carried many sequences
        String metrics = get("/metrics").body();
        Matcher max = Pattern.compile("(?m)^djinn_batch_size_max (\\S+)$").matcher(metrics);
        assertThat(max.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(max.group(1))).isGreaterThan(1);
        // per-node compute time per step, and the pipeline's network time, sampled every few seconds
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3 * NodeStepMetrics.PERIOD_MS);
        Pattern compute = Pattern.compile("(?m)^djinn_node_compute_seconds_count\\{node=\"(\\w+)\"} (\\S+)$");
        Pattern network = Pattern.compile("(?m)^djinn_node_network_seconds_count\\{node=\"\\w+\"} (\\S+)$");
        while (!(compute.matcher(metrics).find() && network.matcher(metrics).find()) && System.nanoTime() < deadline) {
            Thread.sleep(500);
            metrics = get("/metrics").body();
        }
        Matcher perNode = compute.matcher(metrics);
        List<String> timed = new ArrayList<>();
        while (perNode.find()) {
            timed.add(perNode.group(1));
        }
        assertThat(timed).as(metrics).isNotEmpty();
        assertThat(network.matcher(metrics).find()).as(metrics).isTrue();
    }

    @Test
    void theClusterPageListsEveryNodeWithItsLayersAndTheRingLinks() throws Exception {
        JsonNode state = JSON.readTree(get("/v1/cluster").body());
        assertThat(state.get("model").asText()).isEqualTo("stories260K");
        int layers = state.get("layers").asInt();
        assertThat(layers).isEqualTo(5);
        List<String> names = new ArrayList<>();
        int next = 0;
        for (JsonNode n : state.get("nodes")) {
            names.add(n.get("name").asText());
            assertThat(n.get("first_layer").asInt()).as("node %s starts where the previous ended", n).isEqualTo(next);
            next = n.get("end_layer").asInt();
            assertThat(next).as("node %s holds layers", n).isGreaterThan(n.get("first_layer").asInt());
            assertThat(n.get("address").asText()).startsWith("127.0.0.1:");
            assertThat(n.get("memory_used_bytes").asLong()).isPositive();
        }
        assertThat(names).containsExactly("a", "b", "c");
        assertThat(next).isEqualTo(layers);
        // links are measured in the background after the first look
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode links = state.get("links");
        while (links.size() < 3 && System.nanoTime() < end) {
            Thread.sleep(500);
            links = JSON.readTree(get("/v1/cluster").body()).get("links");
        }
        assertThat(links).hasSize(3);
        for (JsonNode l : links) {
            assertThat(l.get("rtt_millis").asDouble()).isPositive();
            assertThat(l.get("bandwidth_bytes_per_second").asDouble()).isPositive();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r;
    }

    /** Sends one streamed completion and collects its text, finish reason and usage from the SSE chunks. */
    private static CompletableFuture<Outcome> send(ObjectNode body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofLines()).thenApply(resp -> {
            assertThat(resp.statusCode()).isEqualTo(200);
            StringBuilder text = new StringBuilder();
            String[] finish = {null};
            int[] usage = {-1, -1};
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
                for (JsonNode c : chunk.path("choices")) {
                    text.append(c.path("text").asText(""));
                    if (c.hasNonNull("finish_reason")) {
                        finish[0] = c.get("finish_reason").asText();
                    }
                }
                if (chunk.hasNonNull("usage")) {
                    usage[0] = chunk.get("usage").get("prompt_tokens").asInt();
                    usage[1] = chunk.get("usage").get("completion_tokens").asInt();
                }
            });
            assertThat(done[0]).as("stream ends with [DONE]").isTrue();
            return new Outcome(text.toString(), finish[0], usage[0], usage[1]);
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
