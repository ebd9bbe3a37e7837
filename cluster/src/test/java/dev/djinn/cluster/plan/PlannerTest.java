package dev.djinn.cluster.plan;

import dev.djinn.core.DjinnException;
import dev.djinn.core.model.LayerRange;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlannerTest {
    private static final long MB = 1L << 20;

    /** 16 layers of 100 MiB, embedding and head 200 MiB each, no KV reservation. */
    private static ModelCost model(int layers) {
        long[] l = new long[layers];
        Arrays.fill(l, 100 * MB);
        return new ModelCost(l, 200 * MB, 200 * MB, 0, 0, 1, 4096);
    }

    private static int[] sizes(Plan p) {
        return p.assignments().stream().mapToInt(a -> a.range().size()).toArray();
    }

    @Test
    void equalNodesGetEqualContiguousShares() {
        Plan p = Planner.plan(List.of(new Member("b", 10_000 * MB, 5), new Member("a", 10_000 * MB, 5),
                new Member("c", 10_000 * MB, 5)), model(15));
        assertThat(p.assignments().stream().map(Plan.Assignment::member)).containsExactly("a", "b", "c");
        assertThat(p.rangeOf("a")).isEqualTo(new LayerRange(0, 5));
        assertThat(p.rangeOf("b")).isEqualTo(new LayerRange(5, 10));
        assertThat(p.rangeOf("c")).isEqualTo(new LayerRange(10, 15));
    }

    @Test
    void sharesFollowSpeed() {
        // a is twice as fast (half the benchmark time) as b and c
        Plan p = Planner.plan(List.of(new Member("a", 10_000 * MB, 2), new Member("b", 10_000 * MB, 4),
                new Member("c", 10_000 * MB, 4)), model(16));
        assertThat(sizes(p)).containsExactly(8, 4, 4);
    }

    @Test
    void memoryCapsAShareAndTheRestFlowsToTheOthers() {
        // a is fastest but can hold only ~4 layers (with embedding and head charged pessimistically)
        Plan p = Planner.plan(List.of(new Member("a", 850 * MB, 1), new Member("b", 10_000 * MB, 4),
                new Member("c", 10_000 * MB, 4)), model(16));
        assertThat(sizes(p)[0]).isLessThanOrEqualTo(6);
        assertThat(Arrays.stream(sizes(p)).sum()).isEqualTo(16);
        assertThat(sizes(p)[1]).isEqualTo(sizes(p)[2]);
        ModelCost m = model(16);
        for (Plan.Assignment a : p.assignments()) {
            long limit = a.member().equals("a") ? 850 * MB : 10_000 * MB;
            assertThat(m.bytesFor(a.range())).isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void sameViewSamePlan() {
        List<Member> ms = List.of(new Member("x", 3000 * MB, 1.3), new Member("y", 2500 * MB, 0.7),
                new Member("z", 4000 * MB, 2.1));
        Plan first = Planner.plan(ms, model(22));
        for (int i = 0; i < 10; i++) {
            List<Member> shuffled = new java.util.ArrayList<>(ms);
            java.util.Collections.shuffle(shuffled, new java.util.Random(i));
            assertThat(Planner.plan(shuffled, model(22))).isEqualTo(first);
        }
    }

    @Test
    void moreNodesThanLayersLeavesSomeEmpty() {
        Plan p = Planner.plan(List.of(new Member("a", 10_000 * MB, 1), new Member("b", 10_000 * MB, 1),
                new Member("c", 10_000 * MB, 1)), model(1));
        assertThat(p.stages()).hasSize(1);
        assertThat(Arrays.stream(sizes(p)).sum()).isEqualTo(1);
    }

    @Test
    void tooLittleMemorySaysSoWithTheNumbers() {
        assertThatThrownBy(() -> Planner.plan(List.of(new Member("a", 500 * MB, 1), new Member("b", 600 * MB, 1)),
                model(16)))
                .isInstanceOf(DjinnException.class)
                .hasMessageContaining("does not fit")
                .hasMessageContaining("1.95 GiB")
                .hasMessageContaining("a 500.0 MiB")
                .hasMessageContaining("b 600.0 MiB");
    }
}
