package dev.djinn.cluster.coord;

import dev.djinn.engine.sampling.SamplingParams;
import dev.djinn.engine.scheduler.Step;
import dev.djinn.engine.scheduler.StepExecutor;
import dev.djinn.engine.scheduler.StepResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScopedExecutorTest {
    /** Records what reaches the shared executor. */
    private static final class Shared implements StepExecutor {
        final List<Long> open = new ArrayList<>();
        final List<long[]> steps = new ArrayList<>();
        boolean closed;

        @Override
        public int vocabSize() {
            return 10;
        }

        @Override
        public int maxBatch() {
            return 8;
        }

        @Override
        public int pipelineDepth() {
            return 3;
        }

        @Override
        public void open(long sequence, int capacity, SamplingParams sampling, int logprobs) {
            if (open.contains(sequence)) {
                throw new IllegalStateException("sequence " + sequence + " is already open");
            }
            open.add(sequence);
        }

        @Override
        public long kvBytes(int capacity) {
            return capacity;
        }

        @Override
        public CompletableFuture<StepResult> submit(Step step) {
            steps.add(step.sequences());
            return CompletableFuture.completedFuture(new StepResult(new int[step.rows()], null));
        }

        @Override
        public void close(long sequence) {
            open.remove(sequence);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static Step step(long... sequences) {
        int n = sequences.length;
        return new Step(sequences, new int[n], new int[n], new boolean[n], new boolean[n], n);
    }

    @Test
    void twoUsersNumberingFromOneShareTheExecutorWithoutCollisions() {
        Shared shared = new Shared();
        AtomicLong ids = new AtomicLong();
        ScopedExecutor scheduler = new ScopedExecutor(shared, ids::incrementAndGet);
        ScopedExecutor other = new ScopedExecutor(shared, ids::incrementAndGet);
        scheduler.open(1, 16, SamplingParams.DEFAULTS, 0);
        other.open(1, 16, SamplingParams.DEFAULTS, 0);
        scheduler.open(2, 16, SamplingParams.DEFAULTS, 0);
        assertThat(shared.open).containsExactly(1L, 2L, 3L);

        scheduler.submit(step(2, 2, 1)).join();
        other.submit(step(1)).join();
        assertThat(shared.steps.get(0)).containsExactly(3, 3, 1);
        assertThat(shared.steps.get(1)).containsExactly(2);
        assertThat(scheduler.maxBatch()).isEqualTo(8);
        assertThat(scheduler.pipelineDepth()).isEqualTo(3);

        scheduler.close();
        assertThat(shared.open).containsExactly(2L);
        assertThat(shared.closed).isFalse();
    }

    @Test
    void unknownSequencesFailTheStepAndReopeningIsRefused() {
        Shared shared = new Shared();
        AtomicLong ids = new AtomicLong();
        ScopedExecutor view = new ScopedExecutor(shared, ids::incrementAndGet);
        assertThat(view.submit(step(7))).isCompletedExceptionally();
        view.open(7, 16, SamplingParams.DEFAULTS, 0);
        assertThatThrownBy(() -> view.open(7, 16, SamplingParams.DEFAULTS, 0)).hasMessageContaining("already open");
        view.close(7);
        view.close(7);
        assertThat(shared.open).isEmpty();
    }
}
