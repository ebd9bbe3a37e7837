package dev.djinn.core.tensor;

import dev.djinn.core.DjinnException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Blocks quantized by hand from the definitions of ggml's reference quantizers. */
class QuantizerTest {
    private static int u8(byte[] b, int i) {
        return b[i] & 0xff;
    }

    private static int half(byte[] b) {
        return u8(b, 0) | u8(b, 1) << 8;
    }

    @Test
    void q8_0RoundsHalvesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127; // amax 127: d = 1, so each level is roundf(x)
        x[1] = -2.5f;
        x[2] = 2.5f;
        x[3] = -0.5f;
        x[4] = 0.5f;
        x[5] = 1.4999999f;
        x[6] = -126.5f;
        x[7] = 0.49999997f;
        byte[] b = Quantizer.quantize(GgmlType.Q8_0, x);
        assertThat(b).hasSize(34);
        assertThat(half(b)).isEqualTo(0x3c00);
        assertThat(new int[] {b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10]})
                .containsExactly(127, -3, 3, -1, 1, 1, -127, 0, 0);
    }

    @Test
    void q8_0ScaleIsAmaxOver127InFp16() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = (j - 16) * 0.1f;
        }
        byte[] b = Quantizer.quantize(GgmlType.Q8_0, x);
        float d = 1.6f / 127; // amax is |x[0]| = 1.6
        assertThat(half(b)).isEqualTo(Float.floatToFloat16(d) & 0xffff);
        assertThat((int) b[2]).isEqualTo(-127);
        assertThat((int) b[2 + 16]).isZero();
        assertThat((int) b[2 + 17]).isEqualTo(Math.round(0.1f * (1 / d))); // 7.9375 -> 8
    }

    @Test
    void q8_0OfZerosIsZero() {
        byte[] b = Quantizer.quantize(GgmlType.Q8_0, new float[64]);
        assertThat(b).hasSize(68).containsOnly(0);
    }

    @Test
    void q4_0UsesTheSignedValueOfLargestMagnitude() {
        float[] x = new float[32];
        x[0] = -8; // max = -8: d = 1, id = 1, level = min(15, (int) (x + 8.5))
        x[1] = 7;
        x[2] = 7.5f; // 16 clamps to 15
        x[3] = -0.5f;
        x[4] = 0.49f;
        x[5] = -7.6f;
        x[16] = 8; // as large as x[0] but later: the first one wins
        x[17] = -3.2f;
        byte[] b = Quantizer.quantize(GgmlType.Q4_0, x);
        assertThat(b).hasSize(18);
        assertThat(half(b)).isEqualTo(0x3c00);
        // byte 2 + j holds level j in the low nibble and level j + 16 in the high nibble
        assertThat(u8(b, 2)).isEqualTo(0 | 15 << 4);
        assertThat(u8(b, 3)).isEqualTo(15 | 5 << 4);
        assertThat(u8(b, 4)).isEqualTo(15 | 8 << 4);
        assertThat(u8(b, 5)).isEqualTo(8 | 8 << 4);
        assertThat(u8(b, 6)).isEqualTo(8 | 8 << 4);
        assertThat(u8(b, 7)).isEqualTo(0 | 8 << 4);
    }

    @Test
    void q4_0WithAPositiveMaximumHasANegativeScale() {
        float[] x = new float[32];
        x[0] = 4; // d = 4 / -8 = -0.5, id = -2: level = (int) (8.5 - 2x)
        x[1] = -4;
        x[2] = 1;
        byte[] b = Quantizer.quantize(GgmlType.Q4_0, x);
        assertThat(half(b)).isEqualTo(0xb800); // -0.5
        assertThat(u8(b, 2) & 15).isEqualTo(0);
        assertThat(u8(b, 3) & 15).isEqualTo(15); // 16.5 -> 16 -> clamped
        assertThat(u8(b, 4) & 15).isEqualTo(6);
        assertThat(u8(b, 5) & 15).isEqualTo(8);
    }

    @Test
    void q4_0RoundsWithOneFusedMultiplyAdd() {
        // Find a block max m (so id = 1 / (m / 8) is inexact) and a value y whose product y * id lies just
        // below p = 1.5 - 2^-21 but rounds up to it. Then p + 8.5 is halfway between two floats and rounds to
        // even, 10 (level 10), while the fused y * id + 8.5 is below halfway and rounds down (level 9).
        float p = 1.5f - 0x1p-21f;
        for (float m = 8.000001f; m < 8.001f; m = Math.nextUp(m)) {
            float id = 1 / (m / 8);
            float y = productRoundingUpTo(p, id);
            if (Float.isNaN(y)) {
                continue;
            }
            assertThat((int) (y * id + 8.5f)).isEqualTo(10);
            assertThat((int) Math.fma(y, id, 8.5f)).isEqualTo(9);
            float[] x = new float[32];
            x[0] = -m;
            x[1] = y;
            byte[] b = Quantizer.quantize(GgmlType.Q4_0, x);
            assertThat(u8(b, 3) & 15).isEqualTo(9);
            return;
        }
        throw new AssertionError("no test case found");
    }

    /** A float y with y * id == p whose exact product is below p, or NaN if there is none. */
    private static float productRoundingUpTo(float p, float id) {
        for (float y = Math.nextUp(p / id), n = 0; n < 4; y = Math.nextDown(y), n++) {
            if (y * id == p && Math.fma(y, id, -p) < 0) {
                return y;
            }
        }
        return Float.NaN;
    }

    @Test
    void f16AndBf16Rows() {
        float[] x = {1.0f, -2.0f, 1 + 0x1p-11f, 1.00390625f};
        byte[] h = Quantizer.quantize(GgmlType.F16, x);
        assertThat(h).containsExactly(0x00, 0x3c, 0x00, 0xc0, 0x00, 0x3c, 0x04, 0x3c);
        byte[] bf = Quantizer.quantize(GgmlType.BF16, x);
        assertThat(bf).containsExactly(0x80, 0x3f, 0x00, 0xc0, 0x80, 0x3f, 0x80, 0x3f);
    }

    @Test
    void q8_0RoundTripsWithinHalfAStep() {
        Random rnd = new Random(1);
        float[] x = new float[32 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian() * (1 + i / 32);
        }
        float[] back = new float[x.length];
        Dequantizer.dequantize(GgmlType.Q8_0, MemorySegment.ofArray(Quantizer.quantize(GgmlType.Q8_0, x)), 0,
                back, 0, x.length);
        for (int blk = 0; blk < 64; blk++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * blk + j]));
            }
            // half a step, plus the fp16 rounding of the step times the largest level
            float bound = amax / 127 * (0.5f + 127 * 0x1p-11f);
            for (int j = 0; j < 32; j++) {
                assertThat(Math.abs(back[32 * blk + j] - x[32 * blk + j])).isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    void q4_0RoundTripsWithinOneStep() {
        Random rnd = new Random(2);
        float[] x = new float[32 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] back = new float[x.length];
        Dequantizer.dequantize(GgmlType.Q4_0, MemorySegment.ofArray(Quantizer.quantize(GgmlType.Q4_0, x)), 0,
                back, 0, x.length);
        for (int blk = 0; blk < 64; blk++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * blk + j]));
            }
            float bound = amax / 8 * (1 + 8 * 0x1p-11f); // the clamped top level is a whole step off
            for (int j = 0; j < 32; j++) {
                assertThat(Math.abs(back[32 * blk + j] - x[32 * blk + j])).isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    void rejectsPartialBlocksAndUnsupportedTypes() {
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q8_0, new float[40]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q3_K, new float[256]))
                .isInstanceOf(DjinnException.class)
                .hasMessageContaining("Q3_K");
    }
}
