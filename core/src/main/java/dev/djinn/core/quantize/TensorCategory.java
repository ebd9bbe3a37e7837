package dev.djinn.core.quantize;

/** The broad roles llama.cpp's quantizer tells tensors apart by, from their names (its tensor_get_category). */
enum TensorCategory {
    OUTPUT, TOKEN_EMBD, ATTENTION_QKV, ATTENTION_KV_B, ATTENTION_V, FFN_DOWN, OTHER;

    static TensorCategory of(String name) {
        if (name.equals("output.weight")) {
            return OUTPUT;
        }
        if (name.equals("token_embd.weight") || name.equals("per_layer_token_embd.weight")) {
            return TOKEN_EMBD;
        }
        if (name.contains("attn_qkv.weight")) {
            return ATTENTION_QKV;
        }
        if (name.contains("attn_kv_b.weight")) {
            return ATTENTION_KV_B;
        }
        if (name.contains("attn_v.weight")) {
            return ATTENTION_V;
        }
        // llama.cpp checks ffn_up and ffn_gate first; no name holds both them and ffn_down
        if (name.contains("ffn_down")) {
            return FFN_DOWN;
        }
        return OTHER;
    }

    /** Tensors that carry the attention values, which llama.cpp gives more bits (its category_is_attn_v). */
    boolean isAttentionV() {
        return this == ATTENTION_V || this == ATTENTION_QKV || this == ATTENTION_KV_B;
    }
}
