package dev.djinn.core.tensor;

import dev.djinn.core.TestModels;
import dev.djinn.core.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the codecs against files written by llama.cpp: stories260K-q8_0/-q4_0 by gguf-py (byte-identical to
 * ggml's quantizer), bpe-random-tiny-q8_0/-q4_0 and stories260K-f16 by llama-quantize itself.
 */
class ModelFilesTest {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest
    @CsvSource({
            "stories260K.gguf, stories260K-q8_0.gguf, Q8_0, 32",
            "stories260K.gguf, stories260K-q4_0.gguf, Q4_0, 32",
            "bpe-random-tiny.gguf, bpe-random-tiny-q8_0.gguf, Q8_0, 15",
            "bpe-random-tiny.gguf, bpe-random-tiny-q4_0.gguf, Q4_0, 15",
            "stories260K.gguf, stories260K-f16.gguf, F16, 37",
    })
    void quantizingTheF32ModelReproducesTheReferenceBytes(String f32Name, String refName, GgmlType type,
                                                          int expectedTensors) {
        try (GgufFile f32 = GgufFile.open(TestModels.path(f32Name));
             GgufFile ref = GgufFile.open(TestModels.path(refName))) {
            int checked = 0;
            for (String name : ref.tensorInfos().keySet()) {
                Tensor expected = ref.tensor(name);
                if (expected.type() != type) {
                    continue;
                }
                Tensor source = f32.tensor(name);
                assertThat(source.type()).isEqualTo(GgmlType.F32);
                assertThat(source.shape()).isEqualTo(expected.shape());
                byte[] mine = new byte[Math.toIntExact(expected.byteSize())];
                float[] row = new float[source.cols()];
                for (int r = 0; r < source.rows(); r++) {
                    Dequantizer.dequantizeRow(source, r, row, 0);
                    Quantizer.quantize(type, row, 0, row.length, MemorySegment.ofArray(mine), r * expected.rowBytes());
                }
                long mismatch = MemorySegment.ofArray(mine).mismatch(expected.data());
                assertThat(mismatch).as("first differing byte of %s", name).isEqualTo(-1);
                checked++;
            }
            assertThat(checked).isEqualTo(expectedTensors);
        }
    }

    @ParameterizedTest
    @CsvSource({"stories260K-q8_0.gguf, Q8_0", "stories260K-q4_0.gguf, Q4_0"})
    void dequantizedTensorsAreWithinTheQuantizationErrorOfTheOriginals(String refName, GgmlType type) {
        // Q8_0 rounds to the nearest level (half a step); Q4_0 truncates x / d + 8.5 and clamps the top level,
        // so it may be a whole step off. Either way the fp16 rounding of d moves the largest level slightly.
        float steps = type == GgmlType.Q8_0 ? 0.5f + 127 * 0x1p-11f : 1 + 8 * 0x1p-11f;
        try (GgufFile f32 = GgufFile.open(TestModels.path("stories260K.gguf"));
             GgufFile ref = GgufFile.open(TestModels.path(refName))) {
            int checked = 0;
            for (String name : ref.tensorInfos().keySet()) {
                Tensor q = ref.tensor(name);
                if (q.type() != type) {
                    continue;
                }
                float[] original = Dequantizer.toFloats(f32.tensor(name));
                float[] decoded = Dequantizer.toFloats(q);
                for (int blk = 0; blk < decoded.length / 32; blk++) {
                    float d = Math.abs(Float.float16ToFloat(q.data().get(HALF, (long) blk * type.typeSize())));
                    float bound = d * steps * 1.0001f;
                    for (int j = 32 * blk; j < 32 * blk + 32; j++) {
                        assertThat(Math.abs(decoded[j] - original[j])).as("%s value %d", name, j)
                                .isLessThanOrEqualTo(bound);
                    }
                }
                checked++;
            }
            assertThat(checked).isEqualTo(32);
        }
    }

    @Test
    void f16FileIsTheF32FileRoundedToHalfPrecision() {
        try (GgufFile f32 = GgufFile.open(TestModels.path("stories260K.gguf"));
             GgufFile f16 = GgufFile.open(TestModels.path("stories260K-f16.gguf"))) {
            int checked = 0;
            for (String name : f16.tensorInfos().keySet()) {
                Tensor h = f16.tensor(name);
                float[] original = Dequantizer.toFloats(f32.tensor(name));
                float[] decoded = Dequantizer.toFloats(h);
                for (int i = 0; i < original.length; i++) {
                    // half an fp16 ulp: 2^-11 relative for normal numbers, 2^-25 among the subnormals
                    float bound = Math.max(Math.abs(original[i]) * 0x1p-11f, 0x1p-25f);
                    assertThat(Math.abs(decoded[i] - original[i])).isLessThanOrEqualTo(bound);
                }
                if (h.type() == GgmlType.F16) {
                    checked++;
                }
            }
            assertThat(checked).isEqualTo(37);
        }
    }

    /**
     * The K-quant files hold one random model quantized three ways, so Q4_K and Q5_K tensors must decode to
     * nearly the values of the same tensors in Q6_K (a decoding mistake such as a swapped nibble or a wrong
     * scale gives errors of the order of the values themselves).
     */
    @ParameterizedTest
    @CsvSource({
            "llama-kquant-random-q4_k_m.gguf, Q4_K, 13, 0.09",
            "llama-kquant-random-q4_k_s.gguf, Q5_K, 2, 0.05",
    })
    void kQuantsAgreeWithTheQ6_KVersionOfTheSameModel(String file, GgmlType type, int expectedTensors,
                                                      double maxRelativeRms) {
        try (GgufFile model = GgufFile.open(TestModels.path(file));
             GgufFile q6 = GgufFile.open(TestModels.path("llama-kquant-random-q6_k.gguf"))) {
            int checked = 0;
            for (String name : model.tensorInfos().keySet()) {
                Tensor t = model.tensor(name);
                if (t.type() != type) {
                    continue;
                }
                Tensor reference = q6.tensor(name);
                assertThat(reference.type()).isIn(GgmlType.Q6_K, GgmlType.F32);
                float[] a = Dequantizer.toFloats(t);
                float[] b = Dequantizer.toFloats(reference);
                double err = 0;
                double norm = 0;
                for (int i = 0; i < a.length; i++) {
                    err += (a[i] - b[i]) * (double) (a[i] - b[i]);
                    norm += b[i] * (double) b[i];
                }
                double relativeRms = Math.sqrt(err / norm);
                assertThat(norm).isPositive();
                assertThat(relativeRms).as(name).isLessThan(maxRelativeRms);
                checked++;
            }
            assertThat(checked).isEqualTo(expectedTensors);
        }
    }
}
