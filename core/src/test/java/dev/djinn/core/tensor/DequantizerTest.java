package dev.djinn.core.tensor;

import dev.djinn.core.DjinnException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hand-built blocks with their values worked out from ggml's definitions of each format. */
class DequantizerTest {
    /** Sub-block scales and mins for the K-quant blocks; chosen so that all 6 bits of each matter. */
    private static final int[] SC = {1, 2, 3, 63, 17, 33, 48, 5};
    private static final int[] M = {0, 4, 60, 7, 9, 40, 2, 63};
    /**
     * SC and M packed as ggml's get_scale_min_k4 reads them. Bytes 0-3: SC[0..3] in the low 6 bits, the top 2
     * bits of SC[4..7] above. Bytes 4-7: M[0..3], with the top 2 bits of M[4..7]. Bytes 8-11: low nibble
     * SC[4..7] & 15, high nibble M[4..7] & 15. E.g. byte 0 = 1 | (17 >> 4) << 6 = 0x41, byte 11 = 5 | 15 << 4.
     */
    private static final int[] PACKED_SCALES =
            {0x41, 0x82, 0xC3, 0x3F, 0x00, 0x84, 0x3C, 0xC7, 0x91, 0x81, 0x20, 0xF5};

    private static float[] decode(GgmlType type, ByteBuffer block, int count) {
        float[] out = new float[count];
        Dequantizer.dequantize(type, MemorySegment.ofBuffer(block.flip()), 0, out, 0, count);
        return out;
    }

    private static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void f32() {
        ByteBuffer b = buffer(8).putFloat(1.5f).putFloat(-3.25f);
        assertThat(decode(GgmlType.F32, b, 2)).containsExactly(1.5f, -3.25f);
    }

    @Test
    void f16() {
        ByteBuffer b = buffer(6).putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x3555);
        assertThat(decode(GgmlType.F16, b, 3)).containsExactly(1.0f, -2.0f, 0.333251953125f);
    }

    @Test
    void bf16() {
        ByteBuffer b = buffer(4).putShort((short) 0x3f80).putShort((short) 0xc0a0);
        assertThat(decode(GgmlType.BF16, b, 2)).containsExactly(1.0f, -5.0f);
    }

    @Test
    void q8_0() {
        ByteBuffer b = buffer(34).putShort((short) 0x3800); // d = 0.5
        float[] expected = new float[32];
        for (int j = 0; j < 32; j++) {
            int q = j * 8 - 128; // -128 .. 120
            b.put((byte) q);
            expected[j] = q * 0.5f;
        }
        assertThat(decode(GgmlType.Q8_0, b, 32)).containsExactly(expected);
    }

    @Test
    void q4_0() {
        ByteBuffer b = buffer(18).putShort((short) 0x4000); // d = 2
        float[] expected = new float[32];
        for (int j = 0; j < 16; j++) {
            int lo = j;
            int hi = 15 - j;
            b.put((byte) (lo | hi << 4));
            expected[j] = (lo - 8) * 2f;
            expected[j + 16] = (hi - 8) * 2f;
        }
        assertThat(decode(GgmlType.Q4_0, b, 32)).containsExactly(expected);
    }

    @Test
    void q4_K() {
        ByteBuffer b = buffer(144).putShort((short) 0x3c00).putShort((short) 0x3800); // d = 1, dmin = 0.5
        putAll(b, PACKED_SCALES);
        float[] expected = new float[256];
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int lo = (l + g) & 15;
                int hi = (3 * l + g) & 15;
                b.put((byte) (lo | hi << 4));
                expected[64 * g + l] = SC[2 * g] * lo - 0.5f * M[2 * g];
                expected[64 * g + 32 + l] = SC[2 * g + 1] * hi - 0.5f * M[2 * g + 1];
            }
        }
        assertThat(decode(GgmlType.Q4_K, b, 256)).containsExactly(expected);
    }

    @Test
    void q5_K() {
        ByteBuffer b = buffer(176).putShort((short) 0x4000).putShort((short) 0x3400); // d = 2, dmin = 0.25
        putAll(b, PACKED_SCALES);
        // the fifth bit of value l of sub-block s is bit s of qh[l]
        int[][] highBit = new int[8][32];
        for (int l = 0; l < 32; l++) {
            int qh = 0;
            for (int s = 0; s < 8; s++) {
                highBit[s][l] = (l + s) % 3 == 0 ? 1 : 0;
                qh |= highBit[s][l] << s;
            }
            b.put((byte) qh);
        }
        float[] expected = new float[256];
        for (int g = 0; g < 4; g++) {
            for (int l = 0; l < 32; l++) {
                int lo = (l + g) & 15;
                int hi = (3 * l + g) & 15;
                b.put((byte) (lo | hi << 4));
                int s = 2 * g;
                expected[64 * g + l] = 2f * SC[s] * (lo + 16 * highBit[s][l]) - 0.25f * M[s];
                expected[64 * g + 32 + l] = 2f * SC[s + 1] * (hi + 16 * highBit[s + 1][l]) - 0.25f * M[s + 1];
            }
        }
        assertThat(decode(GgmlType.Q5_K, b, 256)).containsExactly(expected);
    }

    @Test
    void q6_K() {
        int[] q = new int[256]; // 6-bit levels; value v = d * scale[v / 16] * (q[v] - 32)
        for (int v = 0; v < 256; v++) {
            q[v] = (7 * v + 3) % 64;
        }
        int[] scales = new int[16];
        for (int i = 0; i < 16; i++) {
            scales[i] = (i % 2 == 0 ? 1 : -1) * (i * 8 + 1); // -128 < scale < 128
        }
        byte[] ql = new byte[128];
        byte[] qh = new byte[64];
        // in each half of 128 values, ql[l] holds values l (low nibble) and l+64 (high), ql[l+32] values l+32
        // and l+96; qh[l] holds the top 2 bits of values l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7
        for (int h = 0; h < 2; h++) {
            for (int l = 0; l < 32; l++) {
                int v = 128 * h + l;
                ql[64 * h + l] = (byte) ((q[v] & 15) | (q[v + 64] & 15) << 4);
                ql[64 * h + l + 32] = (byte) ((q[v + 32] & 15) | (q[v + 96] & 15) << 4);
                qh[32 * h + l] = (byte) (q[v] >> 4 | (q[v + 32] >> 4) << 2 | (q[v + 64] >> 4) << 4 | (q[v + 96] >> 4) << 6);
            }
        }
        ByteBuffer b = buffer(210).put(ql).put(qh);
        for (int s : scales) {
            b.put((byte) s);
        }
        b.putShort((short) 0x3400); // d = 0.25
        float[] expected = new float[256];
        for (int v = 0; v < 256; v++) {
            expected[v] = 0.25f * scales[v / 16] * (q[v] - 32);
        }
        assertThat(decode(GgmlType.Q6_K, b, 256)).containsExactly(expected);
    }

    @Test
    void rowsAndRangesOfATensor() {
        // two rows of 64 Q8_0 values: block k has d = 1 and every level equal to k + 1
        ByteBuffer b = buffer(4 * 34);
        for (int k = 0; k < 4; k++) {
            b.putShort((short) 0x3c00);
            for (int j = 0; j < 32; j++) {
                b.put((byte) (k + 1));
            }
        }
        Tensor t = new Tensor("t", GgmlType.Q8_0, new long[] {64, 2}, MemorySegment.ofBuffer(b.flip()));
        float[] row = new float[64];
        Dequantizer.dequantizeRow(t, 1, row, 0);
        assertThat(row[0]).isEqualTo(3f);
        assertThat(row[63]).isEqualTo(4f);
        float[] part = new float[33];
        Dequantizer.dequantizeRange(t, 1, 32, 32, part, 1);
        assertThat(part[0]).isZero();
        assertThat(part[1]).isEqualTo(4f);
        assertThat(part[32]).isEqualTo(4f);
        float[] all = Dequantizer.toFloats(t);
        assertThat(all).hasSize(128);
        assertThat(new float[] {all[0], all[32], all[64], all[96]}).containsExactly(1f, 2f, 3f, 4f);
        assertThatThrownBy(() -> Dequantizer.dequantizeRange(t, 0, 16, 32, part, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Dequantizer.dequantizeRow(t, 2, row, 0))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void unsupportedTypesFailClearly() {
        assertThat(Dequantizer.supports(GgmlType.Q2_K)).isFalse();
        assertThatThrownBy(() -> Dequantizer.dequantize(GgmlType.Q2_K, MemorySegment.ofArray(new byte[84]), 0,
                new float[256], 0, 256))
                .isInstanceOf(DjinnException.class)
                .hasMessageContaining("Q2_K");
    }

    private static void putAll(ByteBuffer b, int[] bytes) {
        for (int x : bytes) {
            b.put((byte) x);
        }
    }
}
