package dev.djinn.cluster;

import dev.djinn.core.kernel.ActivationFormat;
import dev.djinn.core.kernel.MatMul;
import dev.djinn.core.kernel.QuantizedRows;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Quantizer;
import dev.djinn.core.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The start-up speed measurement: a 2048 x 2048 Q8_0 matrix (4.25 MiB, the common weight type) times one
 * activation row on the node's compute threads, median of 30 runs after warm-up, in milliseconds. It weighs
 * both memory bandwidth and arithmetic, as decoding a token does. Shorter is faster; the planner gives layers
 * in proportion to 1 / ms.
 */
public final class SpeedBenchmark {
    private static final int N = 2048;

    private SpeedBenchmark() {
    }

    public static double run(MatMul matmul) {
        try (Arena arena = Arena.ofShared()) { // the compute pool's threads read it
            float[] row = new float[N];
            MemorySegment data = arena.allocate(GgmlType.Q8_0.rowBytes(N) * N, 64);
            java.util.Random rnd = new java.util.Random(42);
            for (int r = 0; r < N; r++) {
                for (int i = 0; i < N; i++) {
                    row[i] = (float) rnd.nextGaussian();
                }
                Quantizer.quantize(GgmlType.Q8_0, row, 0, N, data, GgmlType.Q8_0.rowBytes(N) * r);
            }
            Tensor w = new Tensor("benchmark", GgmlType.Q8_0, new long[] {N, N}, data);
            QuantizedRows x = new QuantizedRows(N, 1);
            matmul.prepare(ActivationFormat.forWeights(GgmlType.Q8_0), row, 1, x);
            float[] out = new float[N];
            for (int i = 0; i < 10; i++) {
                matmul.multiply(w, x, out, N);
            }
            double[] ms = new double[30];
            for (int i = 0; i < ms.length; i++) {
                long t0 = System.nanoTime();
                matmul.multiply(w, x, out, N);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            return ms[ms.length / 2];
        }
    }
}
