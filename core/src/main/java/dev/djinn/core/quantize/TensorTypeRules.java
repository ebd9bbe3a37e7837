package dev.djinn.core.quantize;

import dev.djinn.core.tensor.GgmlType;

import java.util.Collection;
import java.util.Optional;

/**
 * Which type each weight matrix gets, following llama.cpp's {@code llama_tensor_get_type} for the mixes djinn
 * writes ({@link QuantMix.Rules} says which rules apply to which mix):
 * <ul>
 * <li>the output head ({@code output.weight}, or {@code token_embd.weight} when the model has no separate head)
 * becomes Q6_K, or Q8_0 when its rows are not whole blocks of the mix's type; Q8_0 models keep Q8_0;</li>
 * <li>Q4_K_M: attn_v and ffn_down become Q6_K in the layers where {@link #useMoreBits} holds (the first and last
 * eighth of the layers and every third one between);</li>
 * <li>Q4_K_S: attn_v becomes Q5_K in the first 4 layers, ffn_down in the first eighth of the layers.</li>
 * </ul>
 * With {@code pure} (llama-quantize --pure) every matrix gets the mix's type. Either way a matrix whose rows are
 * not whole blocks of its type falls back: Q6_K to Q8_0 as in llama.cpp, and Q4_K/Q5_K to Q8_0 too, where
 * llama.cpp uses Q5_0/Q5_1 (types djinn cannot run); rows that are not whole Q8_0 blocks get no type (the tensor
 * keeps its own, where llama.cpp would write F16).
 * <p>
 * llama.cpp counts attn_v and ffn_down tensors as it goes; here the layer number in the name stands in for the
 * count, which is the same for models with one such tensor per layer. Its special cases for Falcon, 70B models
 * and 8-expert models are left out.
 */
public final class TensorTypeRules {
    private final QuantMix mix;
    private final boolean pure;
    private final boolean hasOutput;
    private final int attnVCount;
    private final int layerCount;

    /**
     * @param hasOutput  whether the model has an {@code output.weight} (else the token embedding is the head)
     * @param attnVCount how many attn_v-like matrices the model has (llama.cpp's {@code n_attention_wv})
     * @param layerCount the number of layers ({@code block_count})
     */
    public TensorTypeRules(QuantMix mix, boolean pure, boolean hasOutput, int attnVCount, int layerCount) {
        this.mix = mix;
        this.pure = pure;
        this.hasOutput = hasOutput;
        this.attnVCount = attnVCount;
        this.layerCount = layerCount;
    }

    /** Rules for a model with these tensor names. */
    public static TensorTypeRules forModel(QuantMix mix, boolean pure, Collection<String> names, int layerCount) {
        boolean hasOutput = names.stream().anyMatch(n -> TensorCategory.of(n) == TensorCategory.OUTPUT);
        int attnV = (int) names.stream().filter(n -> TensorCategory.of(n).isAttentionV()).count();
        return new TensorTypeRules(mix, pure, hasOutput, attnV, layerCount);
    }

    /**
     * The type for weight matrix {@code name} with rows of {@code cols} values, or empty when no type djinn
     * writes holds such rows.
     */
    public Optional<GgmlType> typeOf(String name, long cols) {
        GgmlType chosen = pure || mix.rules() == QuantMix.Rules.NONE ? mix.type() : mixType(name, cols);
        return fallback(chosen, cols);
    }

    private GgmlType mixType(String name, long cols) {
        TensorCategory category = TensorCategory.of(name);
        if (category == TensorCategory.OUTPUT || !hasOutput && category == TensorCategory.TOKEN_EMBD) {
            if (cols % mix.type().blockSize() != 0) {
                return GgmlType.Q8_0;
            }
            return mix.type() == GgmlType.Q8_0 ? GgmlType.Q8_0 : GgmlType.Q6_K;
        }
        int layer = LlamaTensorOrder.layer(name);
        if (category.isAttentionV()) {
            if (mix == QuantMix.Q4_K_M && useMoreBits(layer, attnVCount)) {
                return GgmlType.Q6_K;
            }
            if (mix == QuantMix.Q4_K_S && layer < 4) {
                return GgmlType.Q5_K;
            }
        } else if (category == TensorCategory.FFN_DOWN) {
            if (mix == QuantMix.Q4_K_M && useMoreBits(layer, layerCount)) {
                return GgmlType.Q6_K;
            }
            if (mix == QuantMix.Q4_K_S && layer < layerCount / 8) {
                return GgmlType.Q5_K;
            }
        }
        return mix.type();
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third layer between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static Optional<GgmlType> fallback(GgmlType type, long cols) {
        if (cols % type.blockSize() == 0) {
            return Optional.of(type);
        }
        return switch (type) {
            case Q4_K, Q5_K, Q6_K -> fallback(GgmlType.Q8_0, cols);
            default -> Optional.empty();
        };
    }
}
