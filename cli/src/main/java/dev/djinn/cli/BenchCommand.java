package dev.djinn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.djinn.cli.bench.BenchConfig;
import dev.djinn.cli.bench.BenchReport;
import dev.djinn.cli.bench.BenchRunner;
import dev.djinn.cli.bench.MemoryBandwidth;
import dev.djinn.cli.bench.Repetition;
import dev.djinn.cli.bench.WeightTraffic;
import dev.djinn.core.DjinnException;
import dev.djinn.core.kernel.KernelProvider;
import dev.djinn.engine.LocalModel;
import dev.djinn.engine.kv.KvCacheType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code djinn bench}: prefill and generation speed of a model, like llama-bench. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure prompt processing (pp) and generation (tg) speed, like llama-bench.",
                "Each repetition prefills -p random token ids into a fresh KV cache, then generates -n tokens greedily"
                        + " (ignoring end-of-generation tokens); one warm-up repetition runs first. Speeds are the"
                        + " median over the repetitions with their spread. Generation's weight traffic (bytes of"
                        + " weight matrices read per token x tokens/s) is compared with this machine's read"
                        + " bandwidth, measured in the same run."})
final class BenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "512", paramLabel = "N",
            description = "prompt tokens to prefill; 0 = none (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "128", paramLabel = "N",
            description = "tokens to generate; 0 = none (default: ${DEFAULT-VALUE})")
    int generateTokens;

    @Option(names = {"-t", "--threads"}, description = "compute threads (default: one per core)")
    Integer threads;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "5", paramLabel = "REPS",
            description = "measured repetitions (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = {"-b", "--batch"}, defaultValue = "512",
            description = "prompt tokens per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--kv-type", defaultValue = "f16", description = "KV cache precision: f16 or f32 (default: ${DEFAULT-VALUE})")
    String kvType;

    @Option(names = "--seed", defaultValue = "42", description = "seed of the random prompt ids (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--bandwidth-mib", defaultValue = "512", paramLabel = "MIB",
            description = "buffer for the memory bandwidth measurement; keep it far above the last-level cache"
                    + " (default: ${DEFAULT-VALUE})")
    int bandwidthMib;

    @Option(names = "--json", description = "print one JSON line instead of the table")
    boolean json;

    @Option(names = "--turns", description = {"take turns with another engine (scripts/bench-vs-llama-cpp.sh"
            + " --interleave): after loading and the warm-up, each line read from standard input runs one repetition"
            + " and prints its speeds as a JSON line; at the end of input the report follows, over the repetitions"
            + " run (-r is ignored)"})
    boolean turns;

    @Override
    public Integer call() throws Exception {
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1 || bandwidthMib < 1) {
            throw new DjinnException("--threads and --bandwidth-mib must be positive");
        }
        BenchConfig config;
        try {
            config = new BenchConfig(promptTokens, generateTokens, repetitions, batch, KvCacheType.parse(kvType), seed);
        } catch (IllegalArgumentException e) {
            throw new DjinnException(e.getMessage());
        }
        if (!Files.isRegularFile(model)) {
            throw new DjinnException("no such model file: " + model);
        }
        double loadBefore = loadAverage();
        BenchReport report;
        try (LocalModel lm = LocalModel.open(model, nThreads, Math.min(batch, Math.max(1, promptTokens)))) {
            if (config.contextLength() > lm.config().trainedContext() && lm.config().trainedContext() > 0) {
                System.err.printf("djinn: note: %d positions exceed the model's trained context of %d%n",
                        config.contextLength(), lm.config().trainedContext());
            }
            BenchRunner runner = new BenchRunner(lm, config);
            List<Repetition> reps = turns ? takeTurns(runner) : runner.run();
            if (turns) {
                config = config.withRepetitions(reps.size());
            }
            double bandwidth = config.generateTokens() > 0 ? MemoryBandwidth.measure(nThreads, (long) bandwidthMib << 20, 5) : 0;
            report = BenchReport.of(model.getFileName().toString(), Files.size(model),
                    WeightTraffic.parameters(lm.file()), WeightTraffic.mainType(lm.file()).name(),
                    KernelProvider.get().name(), lm.threads(), config, reps, WeightTraffic.bytesPerToken(lm.file()),
                    bandwidth, loadBefore, loadAverage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? report.json() + System.lineSeparator() : report.table());
        out.flush();
        return 0;
    }

    /**
     * One repetition per line of standard input, each answered at once with a JSON line, so that a driver can
     * alternate this model with another engine's repetition by repetition: both then see the same moments of
     * a machine whose memory bandwidth drifts from minute to minute.
     */
    private List<Repetition> takeTurns(BenchRunner runner) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        runner.warmUp();
        out.println(JSON.writeValueAsString(Map.of("ready", true)));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<Repetition> reps = new ArrayList<>();
        while (in.readLine() != null) {
            Repetition r = runner.once();
            reps.add(r);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("turn", reps.size());
            line.put("pp", promptTokens > 0 ? rounded(r.prefillRate(promptTokens)) : null);
            line.put("tg", generateTokens > 0 ? rounded(r.generateRate(generateTokens)) : null);
            line.put("young_gcs_tg", r.youngGcs());
            out.println(JSON.writeValueAsString(line));
            out.flush();
        }
        if (reps.isEmpty()) {
            throw new DjinnException("--turns: standard input ended before the first turn");
        }
        return reps;
    }

    private static double rounded(double rate) {
        return Math.round(rate * 1000) / 1000.0;
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
