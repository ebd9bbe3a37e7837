package dev.djinn.cluster.wire;

import dev.djinn.engine.sampling.SamplingParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HiddenCodecTest {
    private static float[] hidden(int rows, int dim, long seed) {
        Random r = new Random(seed);
        float[] h = new float[rows * dim];
        for (int i = 0; i < h.length; i++) {
            h[i] = (float) (r.nextGaussian() * (i % 97 == 0 ? 30 : 1));
        }
        return h;
    }

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f16", "q8_0", "f32+lz4", "f16+zstd", "q8_0+lz4", "q8_0+zstd"})
    void roundTripsWithinTheFormatsPrecision(String format) {
        WireFormat f = WireFormat.parse(format);
        assertThat(WireFormat.fromId(f.id())).isEqualTo(f);
        assertThat(f.toString()).isEqualTo(format);
        for (int dim : new int[] {8, 64, 100, 2048}) {
            int rows = 3;
            float[] h = hidden(rows, dim, dim);
            ByteWriter w = new ByteWriter();
            HiddenCodec.encode(h, rows, dim, f, w);
            float[] back = new float[rows * dim];
            HiddenCodec.decode(new ByteReader(w.array(), 0, w.size()), rows, dim, f, back);
            for (int i = 0; i < h.length; i++) {
                float tol = switch (f.encoding()) {
                    case F32 -> 0f;
                    case F16 -> Math.abs(h[i]) * 1e-3f + 1e-4f;
                    // one Q8_0 step is amax/127 of the value's block of 32
                    case Q8_0 -> blockMax(h, i, dim) / 127f * 0.6f + 1e-6f; // half a step, plus the fp16 scale
                };
                assertThat(back[i]).as("%s dim %d value %d", f, dim, i).isCloseTo(h[i], within(tol));
            }
        }
    }

    private static float blockMax(float[] h, int i, int dim) {
        int row = i / dim;
        int col = i % dim;
        int from = row * dim + col / 32 * 32;
        int to = Math.min(row * dim + dim, from + 32);
        float m = 0;
        for (int j = from; j < to; j++) {
            m = Math.max(m, Math.abs(h[j]));
        }
        return m;
    }

    @Test
    void q8_0IsThirtyFourBytesPerThirtyTwoValues() {
        assertThat(WireFormat.parse("q8_0").rowBytes(2048)).isEqualTo(2048 / 32 * 34);
        assertThat(WireFormat.parse("q8_0").rowBytes(8)).isEqualTo(34); // padded to one block
        assertThat(WireFormat.parse("f16").rowBytes(2048)).isEqualTo(4096);
        assertThat(WireFormat.parse("f32").rowBytes(2048)).isEqualTo(8192);
    }

    /** A decode step of a 1B-shape model: Q8_0 costs 1.0625 bytes per value plus a header under 64 bytes. */
    @Test
    void oneRowStepFrameIsHiddenPlusASmallHeader() {
        int dim = 2048;
        for (String format : new String[] {"f32", "f16", "q8_0"}) {
            WireFormat f = WireFormat.parse(format);
            ByteWriter w = new ByteWriter();
            Frame.Step.write(w, 0x1234_5678_9abc_def0L, 123_456, false, f, 1, new long[] {42}, new int[] {4000},
                    new int[] {127_999}, new boolean[] {true}, null, hidden(1, dim, 1), dim);
            int header = w.size() - f.rowBytes(dim);
            assertThat(header).as(format).isLessThan(64);
            Frame.Step s = (Frame.Step) Frame.decode(w.toByteArray());
            assertThat(s.route()).isEqualTo(0x1234_5678_9abc_def0L);
            assertThat(s.step()).isEqualTo(123_456);
            assertThat(s.tokens()).containsExactly(127_999);
            assertThat(s.positions()).containsExactly(4000);
            assertThat(s.seqs()).containsExactly(42);
            assertThat(s.sample()).containsExactly(true);
            assertThat(s.hasHidden()).isTrue();
            assertThat(s.payload().remaining()).isEqualTo(f.rowBytes(dim));
        }
        assertThat(WireFormat.parse("q8_0").rowBytes(dim) / (double) dim).isLessThanOrEqualTo(1.07);
    }

    @Test
    void stepRunsKeepRowsOfManySequences() {
        long[] seqs = {7, 7, 7, 9, 3, 3};
        int[] pos = {0, 1, 2, 55, 10, 12};
        int[] tok = {1, 2, 3, 4, 5, 6};
        boolean[] sample = {false, false, true, true, false, true};
        boolean[] prompt = {true, true, false, false, true, false};
        ByteWriter w = new ByteWriter();
        Frame.Step.write(w, 1, 2, true, WireFormat.DEFAULT, 6, seqs, pos, tok, sample, prompt, null, 0);
        Frame.Step s = (Frame.Step) Frame.decode(w.toByteArray());
        assertThat(s.replay()).isTrue();
        assertThat(s.hasHidden()).isFalse();
        assertThat(s.seqs()).containsExactly(seqs);
        assertThat(s.positions()).containsExactly(pos);
        assertThat(s.tokens()).containsExactly(tok);
        assertThat(s.sample()).containsExactly(sample);
        assertThat(s.prompt()).containsExactly(prompt);
    }

    @Test
    void controlFramesRoundTrip() {
        SamplingParams p = SamplingParams.DEFAULTS.withSeed(99).withRepeatLastN(-1);
        Frame.Open o = (Frame.Open) Frame.decode(new Frame.Open(5, 6, 4096, 1, p, 3).encode());
        assertThat(o).isEqualTo(new Frame.Open(5, 6, 4096, 1, p, 3));
        Frame.Result r = (Frame.Result) Frame.decode(new Frame.Result(5, 8, new int[] {-1, 17},
                new dev.djinn.engine.sampling.TokenLogprobs[2]).encode());
        assertThat(r.sampled()).containsExactly(-1, 17);
        Frame.Error e = (Frame.Error) Frame.decode(new Frame.Error(5, 8, "boom").encode());
        assertThat(e.message()).isEqualTo("boom");
    }
}
