package dev.djinn.cluster;

import dev.djinn.cluster.coord.GenerateCall;
import dev.djinn.engine.sampling.SamplingParams;
import dev.djinn.cluster.store.ModelStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three real node processes on loopback give exactly the single-node greedy tokens (llama.cpp's recorded
 * runs, which single-node djinn reproduces) for every test model, over the F32 wire format. Models with fewer
 * layers than nodes leave some nodes without layers. Over F16 and Q8_0 wires the same runs are teacher-forced
 * (the recorded token is fed back, so one early difference does not decide every later step) and the share
 * of steps whose greedy token equals the recorded one is reported; it must be at least 95%.
 */
class ClusterEqualityTest {
    /** format -> [agreeing steps, steps], per model. */
    private static final Map<String, Map<String, int[]>> AGREEMENT = new ConcurrentHashMap<>();

    static List<String> models() {
        return Reference.f32Runs().stream().map(Reference.Run::model).distinct().toList();
    }

    private static TestCluster cluster;

    /** Three warm node processes; each model gets its own cluster of them (a JGroups cluster per model). */
    @BeforeAll
    static void launch() {
        cluster = new TestCluster();
        Path first = Reference.f32Runs().getFirst().gguf();
        for (String n : List.of("a", "b", "c")) {
            cluster.launch(n, first);
        }
    }

    @AfterAll
    static void shutDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void threeNodesGiveTheSingleNodeTokens(String model) {
        List<Reference.Run> runs = Reference.f32Runs().stream().filter(r -> r.model().equals(model)).toList();
        TestCluster c = cluster;
        Path gguf = runs.getFirst().gguf();
        String id;
        try (ModelStore m = ModelStore.openFile(gguf)) {
            id = m.modelId();
        }
        String start = "start --model " + gguf + " --cluster-name djinn-" + model;
        for (String n : List.of("a", "b", "c")) {
            c.command(n, "stop");
        }
        c.command("a", start);
        c.awaitMembers("a", 1, id);
        c.command("b", start);
        c.command("c", start);
        NodeStatus s = c.awaitMembers("b", 3, id);
        System.out.println(model + ": plan " + s.plan());
        {
            try (ClusterClient client = c.client("b")) {
                for (Reference.Run run : runs) {
                    int[] got = generate(client, run, "f32", null);
                    assertThat(got).as("%s over 3 nodes (plan %s)", run, s.plan()).containsExactly(run.generated());
                    for (String wire : List.of("f16", "q8_0")) {
                        int[] forced = generate(client, run, wire, run.generated());
                        int agree = 0;
                        for (int i = 0; i < forced.length; i++) {
                            agree += forced[i] == run.generated()[i] ? 1 : 0;
                        }
                        int[] acc = AGREEMENT.computeIfAbsent(wire, k -> new ConcurrentHashMap<>())
                                .computeIfAbsent(model, k -> new int[2]);
                        acc[0] += agree;
                        acc[1] += forced.length;
                    }
                }
            }
        }
    }

    static int[] generate(ClusterClient client, Reference.Run run, String wire, int[] forced) {
        List<Integer> tokens = new ArrayList<>();
        GenerateCall.Request req = new GenerateCall.Request("", run.prompt(), SamplingParams.GREEDY,
                run.generated().length, List.of(), true, -1, 0, 0, "f32", wire, forced);
        client.generate(req, e -> {
            if (e.token() >= 0) {
                tokens.add(e.token());
            }
        });
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    @AfterAll
    static void report() throws IOException {
        shutDown();
        if (AGREEMENT.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("teacher-forced greedy token agreement with the single-node run, 3 nodes\n");
        Map<String, int[]> totals = new TreeMap<>();
        for (var byWire : new TreeMap<>(AGREEMENT).entrySet()) {
            for (var e : new TreeMap<>(byWire.getValue()).entrySet()) {
                sb.append(String.format(Locale.ROOT, "%-6s %-32s %4d / %4d  %6.2f%%%n", byWire.getKey(), e.getKey(),
                        e.getValue()[0], e.getValue()[1], 100.0 * e.getValue()[0] / e.getValue()[1]));
                int[] t = totals.computeIfAbsent(byWire.getKey(), k -> new int[2]);
                t[0] += e.getValue()[0];
                t[1] += e.getValue()[1];
            }
        }
        for (var t : totals.entrySet()) {
            sb.append(String.format(Locale.ROOT, "%-6s %-32s %4d / %4d  %6.2f%%%n", t.getKey(), "ALL", t.getValue()[0],
                    t.getValue()[1], 100.0 * t.getValue()[0] / t.getValue()[1]));
        }
        System.out.print(sb);
        Path out = Path.of("target", "wire-agreement.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb);
        for (var t : totals.entrySet()) {
            assertThat(100.0 * t.getValue()[0] / t.getValue()[1]).as("agreement over %s wire", t.getKey())
                    .isGreaterThanOrEqualTo(95.0);
        }
    }
}
