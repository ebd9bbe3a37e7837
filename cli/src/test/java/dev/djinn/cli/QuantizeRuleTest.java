package dev.djinn.cli;

import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.quantize.LlamaTensorOrder;
import dev.djinn.core.quantize.QuantMix;
import dev.djinn.core.quantize.TensorTypeRules;
import dev.djinn.core.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QuantizeRuleTest {
    private static String decide(String name, GgmlType type, long... shape) {
        TensorTypeRules rules = new TensorTypeRules(QuantMix.Q4_0, true, true, 1, 1);
        return QuantizeRule.decide(new GgufTensorInfo(name, shape, type, 0), rules).keptBecause().orElse("quantize");
    }

    @Test
    void quantizesWeightMatricesWithWholeBlocks() {
        assertThat(decide("token_embd.weight", GgmlType.F32, 64, 512)).isEqualTo("quantize");
        assertThat(decide("output.weight", GgmlType.F16, 64, 512)).isEqualTo("quantize");
        assertThat(decide("blk.0.ffn_up_exps.weight", GgmlType.BF16, 64, 128, 8)).isEqualTo("quantize");
    }

    @Test
    void keepsWhatLlamaQuantizeKeeps() {
        assertThat(decide("blk.0.attn_norm.weight", GgmlType.F32, 64)).isEqualTo("1-D");
        assertThat(decide("blk.0.attn_q.bias", GgmlType.F32, 64, 2)).isEqualTo("not a weight");
        assertThat(decide("blk.0.ffn_down.weight", GgmlType.F32, 172, 64))
                .isEqualTo("rows of 172 values are not a multiple of 32");
        assertThat(decide("blk.0.attn_q_norm.weight", GgmlType.F32, 64, 2)).isEqualTo("llama.cpp keeps norm.weight tensors");
        assertThat(decide("blk.0.ffn_gate_inp.weight", GgmlType.F32, 64, 8))
                .isEqualTo("llama.cpp keeps ffn_gate_inp.weight tensors");
        assertThat(decide("blk.0.attn_k.weight", GgmlType.Q4_0, 64, 32)).isEqualTo("already Q4_0");
    }

    @Test
    void ordersTensorsAsLlamaQuantizeWritesThem() {
        List<String> names = List.of("blk.10.attn_q.weight", "token_embd.weight", "blk.2.ffn_up.weight",
                "blk.2.attn_k.weight", "output.weight", "blk.-1.x", "output_norm.weight", "blk.x.weight");
        assertThat(names.stream().sorted(new LlamaTensorOrder()).toList()).containsExactly(
                "blk.-1.x", "blk.x.weight", "output.weight", "output_norm.weight", "token_embd.weight",
                "blk.2.attn_k.weight", "blk.2.ffn_up.weight", "blk.10.attn_q.weight");
    }
}
