package dev.djinn.cli.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class StatsTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Stats.of(new double[] {5, 1, 3}).median()).isEqualTo(3);
        assertThat(Stats.of(new double[] {4, 1, 3, 2}).median()).isEqualTo(2.5);
    }

    @Test
    void spread() {
        Stats s = Stats.of(new double[] {2, 4, 4, 4, 5, 5, 7, 9});
        assertThat(s.min()).isEqualTo(2);
        assertThat(s.max()).isEqualTo(9);
        assertThat(s.mean()).isEqualTo(5);
        assertThat(s.stdev()).isCloseTo(2.138, within(1e-3)); // sample standard deviation
        assertThat(Stats.of(new double[] {7}).stdev()).isZero();
        assertThat(Stats.of(new double[0]).count()).isZero();
    }
}
