package dev.djinn.cli.bench;

import java.util.Arrays;

/** Summary of repeated measurements: the median is the figure to quote, the rest shows the spread. */
public record Stats(int count, double median, double min, double max, double mean, double stdev) {

    public static Stats of(double[] values) {
        if (values.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        double sq = 0;
        for (double x : v) {
            sq += (x - mean) * (x - mean);
        }
        double stdev = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
        return new Stats(n, median, v[0], v[n - 1], mean, stdev);
    }
}
