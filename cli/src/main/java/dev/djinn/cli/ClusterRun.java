package dev.djinn.cli;

import dev.djinn.cluster.ClusterClient;
import dev.djinn.cluster.coord.GenerateCall;
import dev.djinn.engine.sampling.SamplingParams;

import java.io.PrintWriter;
import java.util.Arrays;

/** {@code djinn run --peers}: the same generation and output as {@code djinn run --model}, on a cluster. */
final class ClusterRun {
    private ClusterRun() {
    }

    static int run(RunCommand c, SamplingParams sampling) {
        PrintWriter out = c.spec.commandLine().getOut();
        try (ClusterClient client = new ClusterClient(Arrays.stream(c.peers).map(String::trim).toList(),
                c.clusterSecret == null ? "" : c.clusterSecret)) {
            GenerateCall.Request req = new GenerateCall.Request(c.prompt, null, sampling, c.tokens, c.stop, c.ignoreEos,
                    -1, c.ctx, c.batch, c.kvType, c.wire == null ? "" : c.wire, null);
            client.info(); // connect (and fail on a wrong secret) before echoing anything
            if (c.echo) {
                out.print(c.prompt);
                out.flush();
            }
            GenerateCall.Done d = client.generate(req, e -> {
                out.print(e.text());
                out.flush();
            });
            out.println();
            out.flush();
            c.spec.commandLine().getErr().printf("djinn: prompt %d tokens, %.2f tokens/s | generation %d tokens, %.2f tokens/s | "
                            + "cluster via %s, route %s%s, finish: %s%n",
                    d.promptTokens(), d.promptTokensPerSecond(), d.generatedTokens(), d.generationTokensPerSecond(),
                    client.connectedTo(), d.route(), d.recoveries() > 0 ? " (re-planned " + d.recoveries() + "x)" : "",
                    d.finish().openAiName());
        }
        return 0;
    }
}
