package dev.djinn.engine.generate;

/**
 * One sequence's view of a model: feeds tokens at positions and returns the next-token logits. Implemented
 * by a local transformer with its KV cache, and by a cluster pipeline; the generation loop does not care.
 */
public interface SequenceModel {
    int vocabSize();

    /** Positions the sequence can hold. */
    int contextLength();

    /**
     * Runs {@code count} tokens of {@code tokens} from {@code from}, at positions {@code startPos ..}, and returns
     * the array holding the logits of the last of them at {@link #logitsOffset()} (valid until the next call).
     * {@code prompt} says whether they are prompt tokens or a generated one (they take different kernels).
     */
    float[] forward(int[] tokens, int from, int count, int startPos, boolean prompt);

    default int logitsOffset() {
        return 0;
    }
}
