package dev.djinn.core.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BFloat16Test {
    private static int bits(int floatBits) {
        return BFloat16.fromFloat(Float.intBitsToFloat(floatBits)) & 0xffff;
    }

    @Test
    void keepsTheTopHalfWhenExact() {
        assertThat(bits(0x3f800000)).isEqualTo(0x3f80); // 1.0
        assertThat(bits(0xc0a00000)).isEqualTo(0xc0a0); // -5.0
        assertThat(BFloat16.toFloat((short) 0xc0a0)).isEqualTo(-5.0f);
    }

    @Test
    void roundsToNearestEven() {
        assertThat(bits(0x3f808000)).isEqualTo(0x3f80); // halfway, 0x3f80 is even
        assertThat(bits(0x3f818000)).isEqualTo(0x3f82); // halfway, 0x3f82 is even
        assertThat(bits(0x3f808001)).isEqualTo(0x3f81);
        assertThat(bits(0xbf807fff)).isEqualTo(0xbf80);
        assertThat(bits(0x7f7fffff)).isEqualTo(0x7f80); // largest float rounds to infinity
    }

    @Test
    void keepsSubnormals() {
        assertThat(bits(0x00018000)).isEqualTo(0x0002); // halfway, rounds to even; not flushed to zero
        assertThat(bits(0x80010000)).isEqualTo(0x8001);
    }

    @Test
    void quietsNansKeepingTheirTopBits() {
        assertThat(bits(0x7f800001)).isEqualTo(0x7fc0); // signalling NaN with a low payload
        assertThat(bits(0xff812345)).isEqualTo(0xffc1);
        assertThat(bits(0x7f800000)).isEqualTo(0x7f80); // infinity is not a NaN
    }
}
