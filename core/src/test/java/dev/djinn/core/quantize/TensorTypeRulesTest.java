package dev.djinn.core.quantize;

import dev.djinn.core.TestModels;
import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class TensorTypeRulesTest {
    /** llama-quantize wrote these files: every matrix must get the type it gave it. */
    @ParameterizedTest
    @CsvSource({"llama-kquant-random-q4_k_m.gguf, Q4_K_M, 15", "llama-kquant-random-q4_k_s.gguf, Q4_K_S, 14",
            "llama-kquant-random-q6_k.gguf, Q6_K, 18"})
    void typesMatchLlamaQuantizesChoices(String file, QuantMix mix, long fileType) throws IOException {
        try (GgufFile f = GgufFile.open(TestModels.path(file))) {
            assertThat(f.metadata().requireInteger("general.file_type")).isEqualTo(fileType);
            assertThat(mix.fileType()).isEqualTo((int) fileType);
            int layers = Math.toIntExact(f.metadata().requireInteger("llama.block_count"));
            TensorTypeRules rules = TensorTypeRules.forModel(mix, false, f.tensorInfos().keySet(), layers);
            int matrices = 0;
            for (GgufTensorInfo info : f.tensorInfos().values()) {
                if (info.shape().length < 2 || info.name().contains("_norm")) {
                    continue;
                }
                matrices++;
                assertThat(rules.typeOf(info.name(), info.shape()[0])).as(info.name()).contains(info.type());
            }
            assertThat(matrices).isEqualTo(16); // token_embd, output and 7 per layer
        }
    }

    @Test
    void q4KmGivesMoreBitsToTheFirstAndLastEighthAndEveryThirdLayer() {
        List<Integer> more = IntStream.range(0, 16).filter(i -> TensorTypeRules.useMoreBits(i, 16)).boxed().toList();
        assertThat(more).containsExactly(0, 1, 4, 7, 10, 13, 14, 15);
        TensorTypeRules rules = new TensorTypeRules(QuantMix.Q4_K_M, false, true, 16, 16);
        assertThat(rules.typeOf("blk.4.ffn_down.weight", 8192)).contains(GgmlType.Q6_K);
        assertThat(rules.typeOf("blk.5.ffn_down.weight", 8192)).contains(GgmlType.Q4_K);
        assertThat(rules.typeOf("blk.5.attn_q.weight", 2048)).contains(GgmlType.Q4_K);
        assertThat(rules.typeOf("output.weight", 2048)).contains(GgmlType.Q6_K);
    }

    @Test
    void tiedHeadIsTheEmbeddingAndRowsThatAreNotWholeBlocksFallBack() {
        TensorTypeRules tied = new TensorTypeRules(QuantMix.Q4_K_M, false, false, 16, 16);
        assertThat(tied.typeOf("token_embd.weight", 2048)).contains(GgmlType.Q6_K);
        assertThat(tied.typeOf("blk.5.attn_k.weight", 896)).contains(GgmlType.Q8_0);
        assertThat(tied.typeOf("blk.5.attn_k.weight", 100)).isEmpty();
        TensorTypeRules pure = new TensorTypeRules(QuantMix.Q4_0, true, true, 16, 16);
        assertThat(pure.typeOf("output.weight", 2048)).contains(GgmlType.Q4_0);
        TensorTypeRules q40 = new TensorTypeRules(QuantMix.Q4_0, false, true, 16, 16);
        assertThat(q40.typeOf("output.weight", 2048)).contains(GgmlType.Q6_K);
        assertThat(q40.typeOf("blk.0.ffn_down.weight", 8192)).contains(GgmlType.Q4_0);
    }

    @Test
    void unknownTypeNamesTheChoices() {
        assertThat(QuantMix.parse("Q4_K_M", QuantMix.quantized())).isEqualTo(QuantMix.Q4_K_M);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> QuantMix.parse("q3_k", QuantMix.quantized()))
                .hasMessageContaining("unknown --type q3_k").hasMessageContaining("q4_k_m");
    }
}
