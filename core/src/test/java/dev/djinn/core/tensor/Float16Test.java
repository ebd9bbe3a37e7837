package dev.djinn.core.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Float16Test {
    private static int bits(float f) {
        return Float16.fromFloat(f) & 0xffff;
    }

    @Test
    void encodesExactValues() {
        assertThat(bits(1.0f)).isEqualTo(0x3c00);
        assertThat(bits(-2.0f)).isEqualTo(0xc000);
        assertThat(bits(0.5f)).isEqualTo(0x3800);
        assertThat(bits(65504f)).isEqualTo(0x7bff);
        assertThat(bits(-0.0f)).isEqualTo(0x8000);
        assertThat(bits(0x1p-24f)).isEqualTo(0x0001); // smallest subnormal
    }

    @Test
    void roundsToNearestEven() {
        assertThat(bits(1 + 0x1p-11f)).isEqualTo(0x3c00); // halfway between 1 and 1+2^-10: even is 1
        assertThat(bits(1 + 3 * 0x1p-11f)).isEqualTo(0x3c02); // halfway between 0x3c01 and 0x3c02
        assertThat(bits(1 + 0x1p-11f + 0x1p-20f)).isEqualTo(0x3c01); // just above halfway
        assertThat(bits(65520f)).isEqualTo(0x7c00); // halfway to 65536 rounds to infinity
        assertThat(bits(0x1p-25f)).isEqualTo(0x0000); // half the smallest subnormal: even is zero
        assertThat(bits(3 * 0x1p-25f)).isEqualTo(0x0002);
    }

    @Test
    void nanBecomesQuietLikeF16c() {
        assertThat(bits(Float.NaN)).isEqualTo(0x7e00);
        assertThat(bits(Float.intBitsToFloat(0xff800001))).isEqualTo(0xfe00); // signalling, payload below fp16's
        assertThat(bits(Float.intBitsToFloat(0x7fa00000))).isEqualTo(0x7f00); // payload bit kept
        assertThat(Float.isNaN(Float16.toFloat((short) 0x7e00))).isTrue();
    }

    @Test
    void decodes() {
        assertThat(Float16.toFloat((short) 0x3555)).isEqualTo(0.333251953125f);
        assertThat(Float16.toFloat((short) 0xfbff)).isEqualTo(-65504f);
        assertThat(Float16.toFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Float16.toFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
    }
}
