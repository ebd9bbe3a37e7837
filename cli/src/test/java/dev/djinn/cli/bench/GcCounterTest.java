package dev.djinn.cli.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GcCounterTest {
    @Test
    void recognisesYoungCollectorsOfEachGc() {
        assertThat(GcCounter.isYoung("PS Scavenge")).isTrue();
        assertThat(GcCounter.isYoung("G1 Young Generation")).isTrue();
        assertThat(GcCounter.isYoung("Copy")).isTrue();
        assertThat(GcCounter.isYoung("ZGC Minor Cycles")).isTrue();
        assertThat(GcCounter.isYoung("PS MarkSweep")).isFalse();
        assertThat(GcCounter.isYoung("G1 Old Generation")).isFalse();
        assertThat(GcCounter.isYoung("G1 Concurrent GC")).isFalse();
    }

    @Test
    void countsCollections() {
        long before = GcCounter.youngCollections();
        System.gc(); // a full GC: the young count must not go backwards
        assertThat(GcCounter.youngCollections()).isGreaterThanOrEqualTo(before);
    }
}
