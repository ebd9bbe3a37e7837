package dev.djinn.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Matrix times a batch of activation rows per weight type: prompt tokens (the prompt GEMM) or generated
 * tokens of as many requests (continuous batching's decode step). Compute-bound where the matrix-vector case
 * is bandwidth-bound, so it shows how well a kernel reuses each weight row.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-XX:+UseParallelGC",
        "-XX:LoopUnrollLimit=20", "-XX:CompileCommandFile=bin/jit-directives"}) // run from the repository root (scripts/jmh.sh)
public class MatMatBenchmark {
    @Param({"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"2048x2048"})
    public String shape;

    /** Activation rows per multiply (prompt tokens in one pass). */
    @Param({"32"})
    public int batch;

    @Param({"1"})
    public int threads;

    /** "prompt" rows or "generated" rows. */
    @Param({"prompt", "generated"})
    public String rows;

    private MatMulState state;

    @Setup(Level.Trial)
    public void setUp() {
        state = new MatMulState(type, shape, batch, threads, rows.equals("prompt"));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
    }

    @Benchmark
    public float[] matMat() {
        state.multiply();
        return state.output;
    }
}
