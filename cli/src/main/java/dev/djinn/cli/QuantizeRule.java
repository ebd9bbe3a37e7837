package dev.djinn.cli;

import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.quantize.TensorTypeRules;
import dev.djinn.core.tensor.GgmlType;

import java.util.List;
import java.util.Optional;

/**
 * What llama-quantize does with each tensor: weight matrices (2 or more dimensions, names ending in "weight")
 * except norms, MoE routers and a few small special matrices get the type {@link TensorTypeRules} picks; the
 * rest keep their type, as do matrices whose rows no type djinn writes can hold (llama-quantize would write
 * those as F16).
 */
final class QuantizeRule {
    /** Name fragments llama.cpp never quantizes, from llama_model_quantize_impl. */
    private static final List<String> NEVER = List.of("_norm.weight", "ffn_gate_inp.weight", "pos_embd.weight",
            "token_types.weight", "ssm_conv1d.weight", "attn_rel_b.weight");

    /** A tensor's type in the output, and why it is the input's type when it is kept. */
    record Decision(GgmlType type, Optional<String> keptBecause) {
        static Decision keep(GgufTensorInfo info, String why) {
            return new Decision(info.type(), Optional.of(why));
        }
    }

    private QuantizeRule() {
    }

    static Decision decide(GgufTensorInfo info, TensorTypeRules rules) {
        String name = info.name();
        long[] shape = info.shape();
        if (!name.endsWith("weight")) {
            return Decision.keep(info, "not a weight");
        }
        if (shape.length < 2) {
            return Decision.keep(info, "1-D");
        }
        for (String fragment : NEVER) {
            if (name.contains(fragment)) {
                return Decision.keep(info, "llama.cpp keeps " + fragment.substring(fragment.startsWith("_") ? 1 : 0)
                        + " tensors");
            }
        }
        Optional<GgmlType> type = rules.typeOf(name, shape[0]);
        if (type.isEmpty()) {
            return Decision.keep(info, "rows of " + shape[0] + " values are not a multiple of "
                    + GgmlType.Q8_0.blockSize());
        }
        if (info.type() == type.get()) {
            return Decision.keep(info, "already " + type.get());
        }
        return new Decision(type.get(), Optional.empty());
    }
}
