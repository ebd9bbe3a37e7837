package dev.djinn.engine.scheduler;

/**
 * One batched forward step: row {@code i} feeds {@code tokens[i]} at {@code positions[i]} of sequence
 * {@code sequences[i]}; rows with {@code sample[i]} set produce a sampled next token (the last row of a
 * prompt, or a decode row); {@code prompt[i]} marks prompt tokens (they take the matrix-matrix kernels).
 * Rows of one sequence are consecutive and in position order. Built by the scheduler, read by a
 * {@link StepExecutor}.
 */
public record Step(long[] sequences, int[] tokens, int[] positions, boolean[] sample, boolean[] prompt, int rows) {
    public int sampledRows() {
        int n = 0;
        for (int i = 0; i < rows; i++) {
            if (sample[i]) {
                n++;
            }
        }
        return n;
    }
}
