package dev.djinn.cluster.bench;

import dev.djinn.cluster.ClusterClient;
import dev.djinn.cluster.coord.GenerateCall;
import dev.djinn.engine.sampling.SamplingParams;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark (e): runs a greedy generation through a node and SIGKILLs another node's process after
 * {@code --after} tokens; reports the usual time between tokens and the pause the kill caused (from the
 * kill to the next token), and the tokens themselves so a script can compare them with an undisturbed run.
 *
 * <pre>
 * java -cp ... dev.djinn.cluster.bench.RecoveryBenchmark --peers HOST:PORT --secret S --kill-pid PID
 *     [--after 16] [--tokens 64] [--prompt TEXT]
 * </pre>
 */
public final class RecoveryBenchmark {
    private RecoveryBenchmark() {
    }

    public static void main(String[] args) {
        String peers = null;
        String secret = "";
        long pid = -1;
        int after = 16;
        int tokens = 64;
        String prompt = "Once upon a time";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--peers" -> peers = args[i + 1];
                case "--secret" -> secret = args[i + 1];
                case "--kill-pid" -> pid = Long.parseLong(args[i + 1]);
                case "--after" -> after = Integer.parseInt(args[i + 1]);
                case "--tokens" -> tokens = Integer.parseInt(args[i + 1]);
                case "--prompt" -> prompt = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<Integer> ids = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        long[] killedAt = {0};
        final int killAfter = after;
        final long victim = pid;
        try (ClusterClient c = new ClusterClient(Arrays.asList(peers.split(",")), secret)) {
            GenerateCall.Request req = new GenerateCall.Request(prompt, null, SamplingParams.GREEDY, tokens, List.of(),
                    true, -1, 0, 0, "", "", null);
            GenerateCall.Done d = c.generate(req, e -> {
                if (e.token() < 0) {
                    return;
                }
                ids.add(e.token());
                times.add(System.nanoTime());
                if (ids.size() == killAfter && victim > 0) {
                    killedAt[0] = System.nanoTime();
                    ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
                }
            });
            double[] gaps = new double[times.size() - 1];
            for (int i = 1; i < times.size(); i++) {
                gaps[i - 1] = (times.get(i) - times.get(i - 1)) / 1e6;
            }
            double[] before = Arrays.copyOfRange(gaps, 0, Math.max(1, Math.min(after - 1, gaps.length)));
            Arrays.sort(before);
            // the pause: the longest wait for a token after the kill (the step in flight may still finish)
            double pause = 0;
            int at = -1;
            for (int i = after; i < times.size() && killedAt[0] != 0; i++) {
                double gap = (times.get(i) - Math.max(killedAt[0], times.get(i - 1))) / 1e6;
                if (gap > pause) {
                    pause = gap;
                    at = i + 1;
                }
            }
            System.out.printf(Locale.ROOT, "tokens %d, usual gap %.1f ms (median before the kill), longest wait after "
                            + "the kill %.0f ms (for token %d), re-planned %dx, route after: %s%n", ids.size(),
                    before[before.length / 2], pause, at, d.recoveries(), d.route());
            System.out.println("ids " + ids);
        }
    }
}
