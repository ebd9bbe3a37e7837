package dev.djinn.server.http;

import dev.djinn.server.DjinnServer;
import dev.djinn.server.ServerOptions;
import dev.djinn.server.cluster.ClusterState;
import dev.djinn.server.metrics.ServerMetrics;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** How the server reacts to the engine: a full queue, and a client that leaves in the middle of a stream. */
class EngineBehaviourTest {
    private static DjinnServer serve(FakeService service, ServerMetrics metrics) {
        return new DjinnServer(service, new ServerOptions("127.0.0.1", 0, null), metrics,
                () -> new ClusterState("fake", 1, List.of(), List.of()), Clock.systemUTC()).start();
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        FakeService service = new FakeService(true);
        try (ServerMetrics metrics = new ServerMetrics(service::stats); DjinnServer server = serve(service, metrics)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(server.url() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\", \"stream\": true}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("7");
            assertThat(r.body()).contains("\"code\":\"queue_full\"", "busy");
            assertThat(metrics.scrape()).contains("djinn_errors_total{kind=\"queue_full\"} 1");
        }
    }

    /** llama.cpp server's {@code ignore_eos} reaches the engine, on both endpoints; it is off by default. */
    @Test
    void ignoreEosReachesTheEngine() throws Exception {
        FakeService service = new FakeService(true);
        try (ServerMetrics metrics = new ServerMetrics(service::stats); DjinnServer server = serve(service, metrics)) {
            String[][] cases = {{"/v1/completions", "{\"prompt\": \"hi\", \"ignore_eos\": true}", "true"},
                    {"/v1/completions", "{\"prompt\": \"hi\"}", "false"},
                    {"/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], "
                            + "\"ignore_eos\": true}", "true"}};
            for (String[] c : cases) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.url() + c[0])).POST(HttpRequest.BodyPublishers.ofString(c[1])).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(service.last.ignoreEos()).as(c[1]).isEqualTo(Boolean.parseBoolean(c[2]));
            }
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamCancelsItsGeneration() throws Exception {
        FakeService service = new FakeService(false);
        try (ServerMetrics metrics = new ServerMetrics(service::stats); DjinnServer server = serve(service, metrics);
             Socket socket = new Socket("127.0.0.1", server.port())) {
            byte[] body = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stream\": true}"
                    .getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            String seen = "";
            byte[] buf = new byte[4096];
            while (!seen.contains("\"content\":\"la\"")) {
                int n = in.read(buf);
                assertThat(n).as("stream ended early: " + seen).isPositive();
                seen += new String(buf, 0, n, StandardCharsets.UTF_8);
            }
            assertThat(seen).startsWith("HTTP/1.1 200").contains("text/event-stream");
            assertThat(service.cancelled.getCount()).isEqualTo(1);
            socket.close();
            assertThat(service.cancelled.await(10, TimeUnit.SECONDS)).as("generation cancelled").isTrue();
            assertThat(metrics.scrape()).contains("djinn_errors_total{kind=\"client_disconnected\"} 1");
        }
    }
}
