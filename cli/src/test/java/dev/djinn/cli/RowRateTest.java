package dev.djinn.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RowRateTest {
    private static final long S = 1_000_000_000L;

    @Test
    void ratesComeFromReadingsAtLeastASecondApart() {
        RowRate r = new RowRate();
        assertThat(r.update(100, 0)).isZero();
        assertThat(r.update(150, S / 2)).as("too soon: still the last rate").isZero();
        assertThat(r.update(300, 2 * S)).isEqualTo(100.0);
        assertThat(r.update(310, 2 * S + 1)).isEqualTo(100.0);
        assertThat(r.update(5, 4 * S)).as("the node restarted").isZero();
        assertThat(r.update(25, 5 * S)).isEqualTo(20.0);
    }
}
