package dev.djinn.cluster;

import dev.djinn.core.kernel.ComputePool;
import dev.djinn.core.kernel.KernelProvider;
import dev.djinn.core.kernel.MatMul;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SpeedBenchmarkTest {
    @Test
    void measuresAPositiveTimeOnSeveralThreads() {
        try (ComputePool pool = new ComputePool(2)) {
            double ms = SpeedBenchmark.run(new MatMul(KernelProvider.get(), pool));
            assertThat(ms).isPositive().isLessThan(10_000);
        }
    }
}
