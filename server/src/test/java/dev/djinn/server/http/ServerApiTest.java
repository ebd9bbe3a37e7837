package dev.djinn.server.http;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.djinn.server.TestServers;
import dev.djinn.server.api.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP API of a real server over stories260K, with an API key. */
class ServerApiTest {
    private static final String KEY = "secret-key";
    private static TestServers server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        server = TestServers.start(KEY);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer " + KEY));
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(r.body(), e);
        }
    }

    static void assertError(HttpResponse<String> r, int status, String param, String messagePart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        JsonNode error = json(r).get("error");
        assertThat(error.get("type").asText()).isNotEmpty();
        assertThat(error.get("message").asText()).contains(messagePart);
        if (param != null) {
            assertThat(error.get("param").asText()).isEqualTo(param);
        }
    }

    private static final String CHAT = "{\"messages\": [{\"role\": \"user\", \"content\": \"Once upon a time\"}], "
            + "\"temperature\": 0, \"max_tokens\": 12";

    @Test
    void chatCompletionHasTheOpenAiShape() {
        JsonNode body = json(post("/v1/chat/completions", CHAT + ", \"model\": \"stories260K\"}"));
        assertThat(body.get("id").asText()).startsWith("chatcmpl-");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo("stories260K");
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        JsonNode usage = body.get("usage");
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(12);
        assertThat(usage.get("total_tokens").asInt())
                .isEqualTo(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt());
    }

    /** The "data:" payloads of an SSE body; asserts the framing on the way. */
    static List<JsonNode> events(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t ->
                assertThat(t).startsWith("text/event-stream"));
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        List<JsonNode> out = new ArrayList<>();
        String[] frames = r.body().split("\n\n");
        for (int i = 0; i < frames.length - 1; i++) {
            assertThat(frames[i]).startsWith("data: ").doesNotContain("\n");
            try {
                out.add(Json.MAPPER.readTree(frames[i].substring(6)));
            } catch (IOException e) {
                throw new AssertionError(frames[i], e);
            }
        }
        return out;
    }

    @Test
    void streamedChatMatchesTheNonStreamedAnswerAndEndsWithUsage() {
        String text = json(post("/v1/chat/completions", CHAT + "}")).get("choices").get(0).get("message")
                .get("content").asText();
        List<JsonNode> events = events(post("/v1/chat/completions",
                CHAT + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}"));
        assertThat(events.getFirst().get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
        StringBuilder streamed = new StringBuilder();
        for (JsonNode e : events) {
            assertThat(e.get("object").asText()).isEqualTo("chat.completion.chunk");
            if (!e.get("choices").isEmpty()) {
                streamed.append(e.get("choices").get(0).get("delta").path("content").asText(""));
            }
        }
        assertThat(streamed.toString()).isEqualTo(text);
        JsonNode finish = events.get(events.size() - 2);
        assertThat(finish.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        JsonNode usage = events.getLast();
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(12);
    }

    @Test
    void completionWithLogprobsAndStop() {
        JsonNode body = json(post("/v1/completions", "{\"prompt\": [\"Once upon a time\"], \"temperature\": 0, "
                + "\"max_tokens\": 30, \"logprobs\": 3, \"stop\": \"Lily\"}"));
        JsonNode choice = body.get("choices").get(0);
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(choice.get("text").asText()).isEqualTo(", there was a little girl named ");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        JsonNode lp = choice.get("logprobs");
        assertThat(lp.get("tokens").get(0).asText()).isEqualTo(",");
        assertThat(lp.get("top_logprobs").get(0).size()).isEqualTo(3);
        assertThat(lp.get("token_logprobs").get(0).asDouble()).isNegative();
    }

    @Test
    void chatLogprobsListEveryToken() {
        JsonNode body = json(post("/v1/chat/completions", CHAT + ", \"logprobs\": true, \"top_logprobs\": 2}"));
        JsonNode content = body.get("choices").get(0).get("logprobs").get("content");
        assertThat(content).hasSize(12);
        assertThat(content.get(0).get("top_logprobs")).hasSize(2);
        assertThat(content.get(0).get("bytes").isArray()).isTrue();
    }

    @Test
    void invalidParametersAre400sNamingTheParameter() {
        assertError(post("/v1/chat/completions", CHAT + ", \"temperature\": 3}"), 400, "temperature", "between 0 and 2");
        assertError(post("/v1/chat/completions", CHAT + ", \"top_p\": \"high\"}"), 400, "top_p", "expected a number");
        assertError(post("/v1/chat/completions", CHAT + ", \"max_tokens\": 2.5}"), 400, "max_tokens", "an integer");
        assertError(post("/v1/chat/completions", CHAT + ", \"max_tokens\": 0}"), 400, "max_tokens", "at least 1");
        assertError(post("/v1/chat/completions", CHAT + ", \"n\": 2}"), 400, "n", "'n' must be 1");
        assertError(post("/v1/chat/completions", CHAT + ", \"stop\": [1]}"), 400, "stop", "strings");
        assertError(post("/v1/chat/completions", CHAT + ", \"top_logprobs\": 3}"), 400, "top_logprobs", "logprobs");
        assertError(post("/v1/chat/completions", CHAT + ", \"stream\": \"yes\"}"), 400, "stream", "a boolean");
        assertError(post("/v1/chat/completions", "{\"messages\": []}"), 400, "messages", "non-empty");
        assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}"),
                400, "messages[0].role", "robot");
        assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": "
                + "[{\"type\": \"image_url\", \"image_url\": {\"url\": \"x\"}}]}]}"), 400,
                "messages[0].content[0].type", "image_url");
        assertError(post("/v1/chat/completions", "{\"messages\": \"hi\"}"), 400, "messages", "an array");
        assertError(post("/v1/completions", "{\"prompt\": 5}"), 400, "prompt", "'prompt' must be");
        assertError(post("/v1/completions", "{\"prompt\": [\"a\", \"b\"]}"), 400, "prompt", "one prompt");
    }

    @Test
    void unknownParametersAreIgnored() {
        assertThat(post("/v1/chat/completions", CHAT + ", \"user\": \"me\", \"frobnicate\": {\"x\": 1}}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void malformedRequestsAreClear4xxs() {
        assertError(post("/v1/chat/completions", "{\"messages\": ["), 400, null, "could not parse the JSON");
        assertError(post("/v1/chat/completions", ""), 400, null, "empty");
        assertError(post("/v1/chat/completions", "[1, 2]"), 400, null, "must be a JSON object");
        assertError(post("/v1/chat/completions", CHAT + ", \"model\": \"gpt-4o\"}"), 404, "model", "gpt-4o");
        assertError(get("/v1/nothing-here"), 404, null, "Unknown endpoint");
        assertError(send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/models"))
                .header("Authorization", "Bearer " + KEY).DELETE()), 405, null, "not allowed");
    }

    @Test
    void aPromptLongerThanTheContextIsRefused() {
        String longPrompt = "Once upon a time ".repeat(200);
        HttpResponse<String> r = post("/v1/completions", "{\"prompt\": \"" + longPrompt + "\"}");
        assertError(r, 400, null, "maximum context length is 512 tokens");
        assertThat(json(r).get("error").get("code").asText()).isEqualTo("context_length_exceeded");
    }

    @Test
    void theApiKeyIsRequiredOnV1ButNotOnHealth() {
        HttpResponse<String> missing = send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/models")));
        assertError(missing, 401, null, "didn't provide an API key");
        assertThat(json(missing).get("error").get("code").asText()).isEqualTo("invalid_api_key");
        assertError(send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/models"))
                .header("Authorization", "Bearer wrong")), 401, null, "Incorrect API key");
        assertThat(get("/v1/models").statusCode()).isEqualTo(200);
        assertThat(send(HttpRequest.newBuilder(URI.create(server.url() + "/health"))).statusCode()).isEqualTo(200);
    }

    @Test
    void modelsHealthAndCluster() {
        JsonNode models = json(get("/v1/models"));
        assertThat(models.get("data").get(0).get("id").asText()).isEqualTo("stories260K");
        assertThat(json(get("/v1/models/stories260K")).get("meta").get("context_length").asInt()).isEqualTo(512);
        assertError(get("/v1/models/other"), 404, "model", "other");
        JsonNode health = json(get("/health"));
        assertThat(health.get("status").asText()).isEqualTo("ok");
        assertThat(health.get("slots").asInt()).isEqualTo(4); // TestServers serves 4 at once
        JsonNode cluster = json(get("/v1/cluster"));
        assertThat(cluster.get("layers").asInt()).isEqualTo(5);
        assertThat(cluster.get("nodes").get(0).get("end_layer").asInt()).isEqualTo(5);
    }

    @Test
    void metricsUsePrometheusNames() {
        post("/v1/chat/completions", CHAT + "}");
        post("/v1/chat/completions", CHAT + ", \"temperature\": -1}");
        String metrics = send(HttpRequest.newBuilder(URI.create(server.url() + "/metrics"))).body();
        assertThat(metrics).contains("djinn_requests_running ", "djinn_requests_waiting ",
                "djinn_kv_cache_usage_ratio ", "djinn_kv_cache_used_bytes ",
                "djinn_time_to_first_token_seconds_bucket{le=", "djinn_inter_token_latency_seconds_bucket{le=",
                "djinn_prompt_tokens_total ", "djinn_generated_tokens_total ",
                "djinn_errors_total{kind=\"invalid_request\"}", "djinn_http_requests_total{route=\"/v1/chat/completions\"",
                "jvm_memory_used_bytes{", "jvm_gc_");
    }

    @Test
    void eachRequestLogsOneAccessLine() {
        Logger access = (Logger) LoggerFactory.getLogger("dev.djinn.server.access");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        access.addAppender(lines);
        try {
            HttpResponse<String> r = post("/v1/chat/completions", CHAT + "}");
            String id = r.headers().firstValue("X-Request-Id").orElseThrow();
            assertThat(json(r).get("id").asText()).isEqualTo("chatcmpl-" + id);
            assertThat(lines.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                    .matches("id=" + id + " method=POST path=/v1/chat/completions status=200 prompt_tokens=\\d+ "
                            + "completion_tokens=12 ttft_ms=[0-9.]+ finish=length stream=false total_ms=[0-9.]+");
        } finally {
            access.detachAppender(lines);
        }
    }
}
