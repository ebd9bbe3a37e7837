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
 * Matrix times one activation row (token generation's operation) per weight type, through {@link
 * dev.djinn.core.kernel.MatMul} as the transformer calls it. Weight bytes / time gives the bandwidth
 * reached; 2048x2048 of the small types fits the last-level cache, 2048x8192 mostly does not.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-XX:+UseParallelGC",
        "-XX:LoopUnrollLimit=20", "-XX:CompileCommandFile=bin/jit-directives"}) // run from the repository root (scripts/jmh.sh)
public class MatVecBenchmark {
    @Param({"F32", "F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    /** COLSxROWS: input length x output length (ggml order), e.g. attn_q and ffn_up of a 1B model. */
    @Param({"2048x2048", "2048x8192"})
    public String shape;

    @Param({"1"})
    public int threads;

    private MatMulState state;

    @Setup(Level.Trial)
    public void setUp() {
        state = new MatMulState(type, shape, 1, threads, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        state.close();
    }

    @Benchmark
    public float[] matVec() {
        state.multiply();
        return state.output;
    }
}
