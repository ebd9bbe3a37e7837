package dev.djinn.core.kernel;

import dev.djinn.core.tensor.GgmlType;

/**
 * How activations are presented to a matrix multiply, mirroring ggml's {@code vec_dot_type}: each weight
 * type multiplies activations converted to one fixed format, and matching that conversion is what makes
 * djinn's numbers equal llama.cpp's.
 */
public enum ActivationFormat {
    /** Plain floats (F32 weights). */
    F32,
    /** Floats rounded to half precision (F16 weights). */
    F16,
    /** Floats rounded to bfloat16 (BF16 weights). */
    BF16,
    /** Blocks of 32 int8 values with a half-precision scale (Q8_0 and Q4_0 weights). */
    Q8_0,
    /** Blocks of 256 int8 values with a float scale and sums of each 16 (K-quant weights). */
    Q8_K;

    public static ActivationFormat forWeights(GgmlType type) {
        return switch (type) {
            case F32 -> F32;
            case F16 -> F16;
            case BF16 -> BF16;
            case Q8_0, Q4_0 -> Q8_0;
            case Q4_K, Q5_K, Q6_K -> Q8_K;
            default -> throw new IllegalArgumentException("no kernels for " + type + " weights");
        };
    }
}
