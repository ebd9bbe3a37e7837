package dev.djinn.cli;

import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.tensor.GgmlType;

import java.util.List;
import java.util.Optional;

/**
 * Which tensors llama-quantize quantizes: weight matrices (2 or more dimensions, names ending in "weight")
 * except norms, MoE routers and a few small special matrices. Rows that are not whole blocks of the target
 * type keep their type (llama-quantize refuses such models for Q8_0/Q4_0; djinn copies those tensors).
 */
final class QuantizeRule {
    /** Name fragments llama.cpp never quantizes, from llama_model_quantize_impl. */
    private static final List<String> NEVER = List.of("_norm.weight", "ffn_gate_inp.weight", "pos_embd.weight",
            "token_types.weight", "ssm_conv1d.weight", "attn_rel_b.weight");

    private QuantizeRule() {
    }

    /** Why {@code info} keeps its type, or empty when it is to be quantized to {@code target}. */
    static Optional<String> reasonToKeep(GgufTensorInfo info, GgmlType target) {
        String name = info.name();
        long[] shape = info.shape();
        if (!name.endsWith("weight")) {
            return Optional.of("not a weight");
        }
        if (shape.length < 2) {
            return Optional.of("1-D");
        }
        for (String fragment : NEVER) {
            if (name.contains(fragment)) {
                return Optional.of("llama.cpp keeps " + fragment.substring(fragment.startsWith("_") ? 1 : 0)
                        + " tensors");
            }
        }
        if (shape[0] % target.blockSize() != 0) {
            return Optional.of("rows of " + shape[0] + " values are not a multiple of " + target.blockSize());
        }
        if (info.type() == target) {
            return Optional.of("already " + target);
        }
        return Optional.empty();
    }
}
