package dev.djinn.core.model;

import dev.djinn.core.tensor.Tensor;

/**
 * One transformer block's weights. Matrices stay in the mapped file; the small vectors (norms, biases) are
 * read into arrays. Optional parts are null when the architecture has none.
 */
public record LayerWeights(
        float[] attnNorm,
        Tensor wq, Tensor wk, Tensor wv, Tensor wo,
        float[] bq, float[] bk, float[] bv,
        float[] qNorm, float[] kNorm,
        float[] ffnNorm,
        Tensor gate, Tensor up, Tensor down) {
}
