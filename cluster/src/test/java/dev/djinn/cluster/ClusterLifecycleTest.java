package dev.djinn.cluster;

import dev.djinn.cluster.coord.GenerateCall;
import dev.djinn.core.DjinnException;
import dev.djinn.engine.sampling.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One cluster of real node processes (stories260K, 5 layers) through its life: the middle of three nodes is
 * killed during a 64-token generation, a node joins during another, a node with the wrong secret is refused,
 * a node without the model file fetches its layers (and reuses them after a restart), and status shows every
 * node. Every generation must give exactly the single-node tokens.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLifecycleTest {
    private static TestCluster c;
    private static Reference.Run run;
    private static Path model;

    @BeforeAll
    static void startCluster() {
        run = Reference.f32Runs().stream().filter(r -> r.model().equals("stories260K") && r.prompt().length > 1)
                .findFirst().orElseThrow();
        model = run.gguf();
        c = new TestCluster();
        // each stage sleeps 5 ms per step, so a step is usually in flight when a node dies
        c.start("a", model, "--debug-step-delay", "5");
        c.awaitMembers("a", 1);
        c.start("b", model, "--debug-step-delay", "5");
        c.start("c", model, "--debug-step-delay", "5");
        NodeStatus s = c.awaitMembers("a", 3);
        assertThat(s.plan()).isEqualTo("a[0, 2) b[2, 4) c[4, 5)");
    }

    @AfterAll
    static void stop() {
        if (c != null) {
            c.close();
        }
    }

    /** Tokens as they arrive, with their arrival times. */
    private static final class Collector {
        final List<Integer> tokens = Collections.synchronizedList(new ArrayList<>());
        final List<Long> times = Collections.synchronizedList(new ArrayList<>());

        void accept(GenerateCall.Event e) {
            if (e.token() >= 0) {
                tokens.add(e.token());
                times.add(System.nanoTime());
            }
        }

        void awaitTokens(int n) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (tokens.size() < n && System.nanoTime() < end) {
                TestCluster.sleep(5);
            }
            assertThat(tokens.size()).as("tokens before the deadline").isGreaterThanOrEqualTo(n);
        }

        int[] ids() {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static CompletableFuture<GenerateCall.Done> generate(String via, int paceMs, Collector col) {
        GenerateCall.Request req = new GenerateCall.Request("", run.prompt(), SamplingParams.GREEDY,
                run.generated().length, List.of(), true, -1, 0, 0, "f32", "", null, paceMs);
        return CompletableFuture.supplyAsync(() -> {
            try (ClusterClient client = c.client(via)) {
                return client.generate(req, col::accept);
            }
        });
    }

    @Test
    @Order(1)
    void killingTheMiddleNodeMidGenerationLosesNoToken() throws Exception {
        Collector col = new Collector();
        CompletableFuture<GenerateCall.Done> done = generate("a", 20, col);
        col.awaitTokens(10);
        long killedAt = System.nanoTime();
        int before = col.tokens.size();
        c.kill("b");
        GenerateCall.Done d = done.get(90, TimeUnit.SECONDS);
        assertThat(col.ids()).as("tokens after killing b (route %s)", d.route()).containsExactly(run.generated());
        assertThat(d.recoveries()).isGreaterThanOrEqualTo(1);
        assertThat(d.route()).doesNotContain("b[").contains("a[").contains("c[");
        long firstAfter = col.times.get(Math.min(before, col.times.size() - 1));
        System.out.printf(Locale.ROOT, "kill: token %d arrived %.0f ms after SIGKILL of the middle node; route %s%n",
                before + 1, (firstAfter - killedAt) / 1e6, d.route());
        c.awaitMembers("a", 2);
    }

    @Test
    @Order(2)
    void aNodeJoiningMidGenerationChangesNothing() throws Exception {
        c.launch("b2", model, "--debug-step-delay", "5");
        Collector col = new Collector();
        CompletableFuture<GenerateCall.Done> done = generate("a", 80, col);
        col.awaitTokens(5);
        c.command("b2", "start");
        GenerateCall.Done d = done.get(90, TimeUnit.SECONDS);
        assertThat(col.ids()).as("tokens while b2 joined (route %s)", d.route()).containsExactly(run.generated());
        assertThat(d.route()).as("b2 took layers during the generation").contains("b2[");
        assertThat(d.recoveries()).isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(3)
    void aStalledNodeIsDetectedByTheStepDeadline() throws Exception {
        Collector col = new Collector();
        CompletableFuture<GenerateCall.Done> done = generate("a", 20, col);
        col.awaitTokens(10);
        long stalledAt = System.nanoTime();
        int before = col.tokens.size();
        c.command("b2", "stall"); // its compute thread hangs; the process stays in the JGroups view
        GenerateCall.Done d = done.get(90, TimeUnit.SECONDS);
        assertThat(col.ids()).as("tokens after b2 stalled (route %s)", d.route()).containsExactly(run.generated());
        assertThat(d.route()).doesNotContain("b2[");
        long firstAfter = col.times.get(Math.min(before + 1, col.times.size() - 1));
        System.out.printf(Locale.ROOT, "stall: generation resumed %.0f ms after b2 stalled; route %s%n",
                (firstAfter - stalledAt) / 1e6, d.route());
        c.kill("b2");
        c.awaitMembers("a", 2);
    }

    @Test
    @Order(4)
    void aNodeWithTheWrongSecretIsRefused() {
        c.launch("x", model, "--cluster-secret", "not-the-secret");
        c.command("x", "start");
        c.awaitLog("x", "djinn control:", 1, Duration.ofSeconds(60));
        assertThat(c.log("x")).contains("djinn control: failed").contains("refused");
        assertThat(c.awaitMembers("a", 2).plan()).doesNotContain("x[");
        try (ClusterClient wrong = new ClusterClient(List.of(c.node("a").endpoint()), "not-the-secret")) {
            assertThatThrownBy(wrong::info).isInstanceOf(DjinnException.class)
                    .hasMessageContaining("wrong or missing cluster secret");
        }
    }

    @Test
    @Order(5)
    void aNodeWithoutTheModelFetchesItsLayers() throws Exception {
        Path missing = c.dir().resolve("nowhere").resolve(model.getFileName());
        c.launch("d", missing, "--debug-step-delay", "5");
        c.command("d", "start");
        NodeStatus s = c.awaitMembers("d", 3);
        assertThat(s.fullModel()).isFalse();
        c.awaitLog("d", "stored in", 1, Duration.ofSeconds(60));
        assertThat(c.log("d")).contains("took the model header from").contains("fetching layers");
        Collector col = new Collector();
        GenerateCall.Done d = generate("d", 0, col).get(90, TimeUnit.SECONDS);
        assertThat(col.ids()).as("tokens with fetched layers (route %s)", d.route()).containsExactly(run.generated());
        assertThat(d.route()).contains("d[");

        // a restart finds the layers on disk
        c.command("d", "stop");
        c.awaitLog("d", "djinn control: stopped", 1, Duration.ofSeconds(30));
        c.command("d", "start");
        c.awaitLog("d", "djinn control: started", 2, Duration.ofSeconds(60));
        String second = c.log("d").substring(c.log("d").indexOf("djinn control: stopped"));
        assertThat(second).contains("using the layers cached").doesNotContain("fetching layers");
        c.awaitMembers("d", 3);
        Collector again = new Collector();
        generate("d", 0, again).get(90, TimeUnit.SECONDS);
        assertThat(again.ids()).containsExactly(run.generated());
    }

    @Test
    @Order(6)
    void statusShowsEveryNodeAndLink() throws InterruptedException {
        c.awaitMembers("c", 3);
        try (ClusterClient client = c.client("c")) {
            // d has just restarted (previous test): the nodes may still be settling on a plan, during which a
            // status shows the nodes that answered for the old one; it must show all three once settled
            String status = client.status();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!status.contains("cluster: 3 nodes") && System.nanoTime() < deadline) {
                Thread.sleep(500);
                status = client.status();
            }
            System.out.print(status);
            assertThat(status).contains("cluster: 3 nodes").contains("LINK").contains("MB/s");
            for (String n : List.of("a", "c", "d")) {
                assertThat(status).contains(n + " ");
            }
            assertThat(status).doesNotContain("does not answer").doesNotContain("cannot measure");
        }
    }

    @Test
    @Order(7)
    void whenTheSurvivorsCannotHoldTheModelTheRequestFailsClearly() throws Exception {
        long need;
        try (var m = dev.djinn.cluster.store.ModelStore.openFile(model)) {
            int ctx = Math.min(4096, Math.max(m.config().trainedContext(), 1));
            var cost = dev.djinn.cluster.plan.ModelCost.of(m.file(), m.config(), ctx, 4, 2);
            need = cost.weightBytes() + cost.kvBytesPerLayer() * cost.layers();
        }
        String limit = Long.toString(need * 65 / 100); // two nodes hold the model, one cannot
        for (String n : List.of("a", "c", "d")) {
            c.command(n, "stop");
        }
        String start = "start --cluster-name djinn-small --memory " + limit;
        c.command("a", start);
        c.await("a", st -> st.members() == 1 && st.plan().contains("does not fit"), Duration.ofSeconds(60));
        c.command("c", start);
        assertThat(c.awaitMembers("a", 2).plan()).contains("c[");
        Collector col = new Collector();
        CompletableFuture<GenerateCall.Done> done = generate("a", 20, col);
        col.awaitTokens(10);
        c.kill("c");
        assertThatThrownBy(() -> done.get(60, TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(DjinnException.class)
                .rootCause().hasMessageContaining("does not fit");
        assertThat(col.ids()).as("the tokens sent before the failure are the right ones")
                .containsExactly(java.util.Arrays.copyOf(run.generated(), col.tokens.size()));
    }
}
