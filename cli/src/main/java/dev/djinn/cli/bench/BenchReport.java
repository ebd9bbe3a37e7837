package dev.djinn.cli.bench;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of {@code djinn bench}: speeds over the measured repetitions, generation's weight traffic
 * against the machine's read bandwidth, and young GCs during generation. Rates are in tokens per second,
 * bandwidths in bytes per second.
 */
public record BenchReport(String model, long fileBytes, long parameters, String weightType, String kernels,
                          int threads, BenchConfig config, Stats prefill, Stats generate,
                          long weightBytesPerToken, double memoryBandwidth, long youngGcsDuringGeneration,
                          double loadBefore, double loadAfter) {

    public static BenchReport of(String model, long fileBytes, long parameters, String weightType, String kernels,
                                 int threads, BenchConfig config, List<Repetition> reps, long weightBytesPerToken,
                                 double memoryBandwidth, double loadBefore, double loadAfter) {
        double[] pp = reps.stream().mapToDouble(r -> r.prefillRate(config.promptTokens())).toArray();
        double[] tg = reps.stream().mapToDouble(r -> r.generateRate(config.generateTokens())).toArray();
        long gcs = reps.stream().mapToLong(Repetition::youngGcs).sum();
        return new BenchReport(model, fileBytes, parameters, weightType, kernels, threads, config,
                config.promptTokens() > 0 ? Stats.of(pp) : Stats.of(new double[0]),
                config.generateTokens() > 0 ? Stats.of(tg) : Stats.of(new double[0]),
                weightBytesPerToken, memoryBandwidth, gcs, loadBefore, loadAfter);
    }

    /** Weight bytes generation streams per second at the median speed. */
    public double generationWeightBandwidth() {
        return weightBytesPerToken * generate.median();
    }

    public double bandwidthPercent() {
        return memoryBandwidth > 0 ? 100 * generationWeightBandwidth() / memoryBandwidth : Double.NaN;
    }

    /** A llama-bench-like table and a summary of bandwidth and GCs. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        String head = "| %-24s | %10s | %8s | %-5s | %-10s | %7s | %-6s | %34s |%n";
        sb.append(String.format(Locale.ROOT, head, "model", "size", "params", "type", "kernels", "threads", "test",
                "t/s: median (min-max, ±stdev)"));
        sb.append(String.format(Locale.ROOT, head, "-".repeat(24), "-".repeat(9) + ":", "-".repeat(7) + ":", "-----",
                "-".repeat(10), "------:", "------", "-".repeat(33) + ":"));
        if (config.promptTokens() > 0) {
            row(sb, head, "pp" + config.promptTokens(), prefill);
        }
        if (config.generateTokens() > 0) {
            row(sb, head, "tg" + config.generateTokens(), generate);
            sb.append(String.format(Locale.ROOT,
                    "tg weight traffic: %s/token x %.2f t/s = %.2f GB/s, %.0f%% of the %.2f GB/s this machine reads"
                            + " (%d threads)%n",
                    human(weightBytesPerToken), generate.median(), generationWeightBandwidth() / 1e9,
                    bandwidthPercent(), memoryBandwidth / 1e9, threads));
            sb.append(String.format(Locale.ROOT, "young GCs during tg: %d (over %d repetitions)%n",
                    youngGcsDuringGeneration, generate.count()));
        }
        sb.append(String.format(Locale.ROOT, "load average: %.2f before, %.2f after; %d repetitions after 1 warm-up,"
                + " batch %d, KV %s%n", loadBefore, loadAfter, config.repetitions(), config.batch(),
                config.kvType().name().toLowerCase(Locale.ROOT)));
        return sb.toString();
    }

    private void row(StringBuilder sb, String format, String test, Stats s) {
        sb.append(String.format(Locale.ROOT, format, model, human(fileBytes), millions(parameters), weightType,
                kernels, threads, test, String.format(Locale.ROOT, "%.2f (%.2f-%.2f, ±%.2f)", s.median(), s.min(),
                        s.max(), s.stdev())));
    }

    /** One JSON object on one line, for scripts. */
    public String json() {
        return String.format(Locale.ROOT, "{\"engine\":\"djinn\",\"model\":%s,\"file_bytes\":%d,\"parameters\":%d,"
                        + "\"type\":%s,\"kernels\":%s,\"threads\":%d,\"n_prompt\":%d,\"n_gen\":%d,\"repetitions\":%d,"
                        + "\"batch\":%d,\"kv_type\":%s,\"pp\":%s,\"tg\":%s,\"weight_bytes_per_token\":%d,"
                        + "\"tg_weight_bandwidth\":%.0f,\"memory_bandwidth\":%.0f,\"bandwidth_percent\":%s,"
                        + "\"young_gcs_tg\":%d,\"load_before\":%.2f,\"load_after\":%.2f}",
                quote(model), fileBytes, parameters, quote(weightType), quote(kernels), threads,
                config.promptTokens(), config.generateTokens(), config.repetitions(), config.batch(),
                quote(config.kvType().name().toLowerCase(Locale.ROOT)), json(prefill), json(generate),
                weightBytesPerToken, number(generationWeightBandwidth()), number(memoryBandwidth),
                number(bandwidthPercent(), 1), youngGcsDuringGeneration, loadBefore, loadAfter);
    }

    private static String json(Stats s) {
        if (s.count() == 0) {
            return "null";
        }
        return String.format(Locale.ROOT, "{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f,\"mean\":%.3f,\"stdev\":%.3f}",
                s.median(), s.min(), s.max(), s.mean(), s.stdev());
    }

    private static double number(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    private static String number(double v, int digits) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : "null";
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String millions(long n) {
        return String.format(Locale.ROOT, n >= 1e9 ? "%.2f B" : "%.2f M", n >= 1e9 ? n / 1e9 : n / 1e6);
    }

    private static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    }
}
