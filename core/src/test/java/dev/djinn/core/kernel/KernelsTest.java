package dev.djinn.core.kernel;

import dev.djinn.core.tensor.Dequantizer;
import dev.djinn.core.tensor.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Differential tests: the kernels chosen for this JVM (forced by -Ddjinn.vector.bits in the build's extra
 * test runs) against a naive double-precision reference built from independently dequantized weights.
 * Integer parts of quantized dots are exact, so the tolerance is a float rounding bound.
 */
class KernelsTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] SIZES = {256, 512, 2048, 256 * 11};

    private final Kernels kernels = KernelProvider.get();
    private final Kernels scalar = new ScalarKernels();
    private final SplittableRandom random = new SplittableRandom(42);

    @Test
    void providerHonoursForcedWidth() {
        String forced = System.getProperty(KernelProvider.BITS_PROPERTY);
        if (forced == null || forced.isBlank()) {
            assertThat(kernels.name()).isNotBlank();
        } else if (forced.equals("0")) {
            assertThat(kernels.name()).isEqualTo("scalar");
        } else {
            assertThat(kernels.name()).isEqualTo("vector-" + forced);
        }
        System.out.println("kernels under test: " + kernels.name());
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void weightRowDotMatchesNaiveReference(GgmlType type) {
        for (int n : SIZES) {
            for (int trial = 0; trial < 5; trial++) {
                MemorySegment w = randomBlocks(type, n);
                float[] x = randomFloats(n, trial == 0 ? 1f : 10f);
                float[] wf = new float[n];
                Dequantizer.dequantize(type, w, 0, wf, 0, n);
                QuantizedRows in = new QuantizedRows(n, 1);
                MatMul mm = new MatMul(kernels, new ComputePool(1));
                mm.prepare(ActivationFormat.forWeights(type), x, 1, in);
                double ref = naive(type, wf, in, n);
                float got = mm.dotRow(new dev.djinn.core.tensor.Tensor("w", type, new long[] {n, 1}, w), 0, in, 0);
                double bound = 1e-5 * absDot(type, wf, in, n) + 1e-6;
                assertThat((double) got).as("%s n=%d trial %d", type, n, trial).isCloseTo(ref, within(bound));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void promptRowsThroughTheMatrixMatrixPathMatchTheNaiveReference(GgmlType type) {
        int n = 512;
        int rows = 37; // not a multiple of any tile
        multiplyAndCheckAgainstNaive(type, n, rows, new boolean[] {true, true, false, true, true});
    }

    /**
     * A random {@code rows} x {@code n} matrix of {@code type} times random rows (prompt rows where flagged),
     * every output within a float rounding bound of the naive double-precision product.
     */
    private void multiplyAndCheckAgainstNaive(GgmlType type, int n, int rows, boolean[] prompt) {
        int tokens = prompt.length;
        dev.djinn.core.tensor.Tensor t = randomMatrix(type, n, rows);
        QuantizedRows in = new QuantizedRows(n, tokens);
        try (ComputePool pool = new ComputePool(2)) {
            MatMul mm = new MatMul(kernels, pool);
            mm.prepare(ActivationFormat.forWeights(type), randomFloats(tokens * n, 2f), tokens, prompt, in);
            float[] out = new float[tokens * rows];
            mm.multiply(t, in, out, rows);
            float[] wf = new float[n];
            for (int r = 0; r < rows; r++) {
                Dequantizer.dequantize(type, t.data(), r * t.rowBytes(), wf, 0, n);
                for (int b = 0; b < tokens; b++) {
                    double ref = 0;
                    double abs = 0;
                    for (int i = 0; i < n; i++) {
                        double a = activationAt(in, b, i);
                        ref += wf[i] * a;
                        abs += Math.abs(wf[i] * a);
                    }
                    assertThat((double) out[b * rows + r]).as("%s row %d token %d", type, r, b)
                            .isCloseTo(ref, within(2e-5 * abs + 1e-6));
                }
            }
        }
    }

    @Test
    void panelGemmIsOneFusedChainPerOutputWhateverTheTile() {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernels.panelWidth() > 1, "no panel kernel: " + kernels.name());
        int cols = 96;
        int rows = 37; // eight-row tiles, a four-row tile and single rows
        int tokens = 5 * kernels.panelWidth() / 2 + 3; // panels in twos and a last one, partial
        float[] w = randomFloats(rows * cols, 1f);
        QuantizedRows in = new QuantizedRows(cols, tokens + 2);
        float[] x = randomFloats((tokens + 2) * cols, 3f);
        boolean[] prompt = new boolean[tokens + 2];
        java.util.Arrays.fill(prompt, true);
        prompt[1] = false; // generated rows between prompt rows: the outputs go to the prompt rows' own places
        prompt[tokens] = false;
        try (ComputePool pool = new ComputePool(2)) {
            new MatMul(kernels, pool).prepare(ActivationFormat.F32, x, tokens + 2, prompt, in);
        }
        int width = kernels.panelWidth();
        if (in.panels == null) {
            in.panels = new float[Math.ceilDiv(in.capacity, width) * width * cols];
        }
        for (int p = 0; p < Math.ceilDiv(in.gemmCount, width); p++) {
            kernels.panelRows(in, p);
        }
        int stride = rows + 5;
        float[] out = new float[(tokens + 2) * stride];
        java.util.Arrays.fill(out, Float.NaN);
        kernels.gemmPanels(w, rows, in, out, stride, 3);
        for (int b = 0; b < tokens + 2; b++) {
            for (int r = 0; r < rows; r++) {
                float expected = Float.NaN;
                if (prompt[b]) {
                    expected = 0f;
                    for (int k = 0; k < cols; k++) {
                        expected = Math.fma(w[r * cols + k], x[b * cols + k], expected);
                    }
                }
                // bit for bit; NaN where no prompt row's output belongs (generated rows are left alone)
                assertThat(Float.floatToIntBits(out[b * stride + 3 + r])).as("row %d token %d", r, b)
                        .isEqualTo(Float.floatToIntBits(expected));
            }
        }
    }

    @Test
    void scorePanelsAreOneFusedChainPerScore() {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernels.panelWidth() > 1, "no panel kernel: " + kernels.name());
        int w = kernels.panelWidth();
        for (int n : new int[] {64, 128, 40}) {
            for (int keys : new int[] {1, w, 5 * w + 3}) {
                for (int queries : new int[] {1, 4, 7}) {
                    float[] k = randomFloats(2 + keys * n, 1f);
                    float[] q = randomFloats(3 + queries * n, 1f);
                    float[] kp = new float[Math.ceilDiv(keys, w) * w * n];
                    kernels.panelKeys(k, 2, keys, n, kp);
                    int stride = Math.ceilDiv(keys, w) * w + 3;
                    float[] out = new float[5 + queries * stride];
                    kernels.scorePanels(kp, Math.ceilDiv(keys, w), q, 3, queries, n, 0.125f, out, 5, stride);
                    for (int i = 0; i < queries; i++) {
                        for (int t = 0; t < keys; t++) {
                            float chain = 0f;
                            for (int d = 0; d < n; d++) {
                                chain = Math.fma(q[3 + i * n + d], k[2 + t * n + d], chain);
                            }
                            assertThat(Float.floatToIntBits(out[5 + i * stride + t]))
                                    .as("n=%d keys=%d query %d key %d", n, keys, i, t)
                                    .isEqualTo(Float.floatToIntBits(chain * 0.125f));
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void manyPromptRowsBesideGeneratedRowsMatchTheNaiveReference(GgmlType type) {
        int n = 256;
        int rows = 44;
        int tokens = 41; // several panels, with generated rows among them
        boolean[] prompt = new boolean[tokens];
        for (int b = 0; b < tokens; b++) {
            prompt[b] = b % 7 != 3;
        }
        multiplyAndCheckAgainstNaive(type, n, rows, prompt);
    }

    /** The activation value the kernels multiply with (quantized formats: q * d), in natural order. */
    private static double activationAt(QuantizedRows in, int row, int i) {
        int n = in.cols();
        return switch (in.format()) {
            case F32, F16, BF16 -> in.values[row * n + i];
            case Q8_0 -> (double) in.quants[row * n + i] * in.scales[row * (n / 32) + i / 32];
            case Q8_K -> (double) in.quants[row * n + i] * in.scales[row * (n / 256) + i / 256];
        };
    }

    @Test
    void q8_0QuantizationMatchesScalar() {
        for (int n : SIZES) {
            float[] x = randomFloats(n, 3f);
            x[5] = 0f;
            byte[] q1 = new byte[n], q2 = new byte[n];
            float[] d1 = new float[n / 32], d2 = new float[n / 32];
            kernels.quantizeQ8_0(x, 0, n, q1, 0, d1, 0);
            scalar.quantizeQ8_0(x, 0, n, q2, 0, d2, 0);
            assertThat(q1).isEqualTo(q2);
            assertThat(d1).isEqualTo(d2);
        }
    }

    @Test
    void q8_KQuantizationMatchesScalarAndRoundsHalfToEven() {
        for (int n : SIZES) {
            float[] x = randomFloats(n, 3f);
            byte[] q1 = new byte[n], q2 = new byte[n];
            float[] d1 = new float[n / 256], d2 = new float[n / 256];
            short[] s1 = new short[n / 16], s2 = new short[n / 16];
            kernels.quantizeQ8_K(x, 0, n, q1, 0, d1, 0, s1, 0);
            scalar.quantizeQ8_K(x, 0, n, q2, 0, d2, 0, s2, 0);
            assertThat(q1).isEqualTo(q2);
            assertThat(d1).isEqualTo(d2);
            assertThat(s1).isEqualTo(s2);
        }
        // max = -127 makes iscale (-127 / max) exactly 1: 2.5 -> 2 and 3.5 -> 4 (half to even), as ggml's nearest_int
        float[] x = new float[256];
        x[0] = -127f;
        x[1] = 2.5f;
        x[2] = 3.5f;
        x[3] = -0.5f;
        byte[] q = new byte[256];
        kernels.quantizeQ8_K(x, 0, 256, q, 0, new float[1], 0, new short[16], 0);
        assertThat(new byte[] {q[0], q[1], q[2], q[3]}).containsExactly(-127, 2, 4, 0);
    }

    @Test
    void floatDotAndAxpyMatchReference() {
        for (int n : new int[] {1, 7, 8, 63, 64, 65, 200, 4096}) {
            float[] a = randomFloats(n, 1f);
            float[] b = randomFloats(n, 1f);
            double ref = 0;
            double abs = 0;
            for (int i = 0; i < n; i++) {
                ref += (double) a[i] * b[i];
                abs += Math.abs((double) a[i] * b[i]);
            }
            assertThat((double) kernels.dot(a, 0, b, 0, n)).isCloseTo(ref, within(1e-6 * abs + 1e-7));
            MemorySegment seg = Arena.ofAuto().allocate(4L * n);
            MemorySegment half = Arena.ofAuto().allocate(2L * n);
            for (int i = 0; i < n; i++) {
                seg.set(F32, 4L * i, a[i]);
                half.set(I16, 2L * i, Float.floatToFloat16(a[i]));
            }
            float[] y1 = b.clone(), y2 = b.clone(), y3 = b.clone();
            kernels.axpyF32(0.5f, seg, 0, y1, 0, n);
            kernels.axpyF16(0.5f, half, 0, y2, 0, n);
            kernels.axpy(0.5f, a, 0, y3, 0, n);
            float[] decoded = new float[n + 1];
            kernels.decodeForGemm(GgmlType.F16, half, 0, decoded, 1, n);
            for (int i = 0; i < n; i++) {
                assertThat(y1[i]).isCloseTo(b[i] + 0.5f * a[i], within(1e-6f));
                assertThat(y3[i]).isCloseTo(b[i] + 0.5f * a[i], within(1e-6f));
                assertThat(decoded[i + 1]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(a[i])));
                assertThat(y2[i]).isCloseTo(b[i] + 0.5f * Float.float16ToFloat(Float.floatToFloat16(a[i])), within(1e-6f));
            }
        }
    }

    /** Attention's many-row forms must give exactly the bits of a loop over {@link Kernels#dot} / axpy. */
    @Test
    void attentionRowKernelsEqualLoopsOfDotAndAxpyBitForBit() {
        for (int n : new int[] {7, 32, 64, 96, 128}) {
            for (int count : new int[] {0, 1, 2, 5, 64}) {
                float[] keys = randomFloats(3 + count * n, 1f);
                float[] q = randomFloats(n + 2, 1f);
                float[] p = randomFloats(count + 1, 1f);
                float[] fast = new float[count + 4];
                float[] loop = new float[count + 4];
                kernels.dotRows(keys, 3, count, q, 2, n, 0.125f, fast, 4);
                for (int t = 0; t < count; t++) {
                    loop[4 + t] = kernels.dot(keys, 3 + t * n, q, 2, n) * 0.125f;
                }
                assertThat(fast).as("dotRows n=%d count=%d", n, count).containsExactly(loop);
                float[] y = randomFloats(n + 5, 1f);
                float[] yFast = y.clone();
                kernels.axpyRows(p, 1, count, keys, 3, n, yFast, 5);
                for (int t = 0; t < count; t++) {
                    kernels.axpy(p[1 + t], keys, 3 + t * n, y, 5, n);
                }
                assertThat(yFast).as("axpyRows n=%d count=%d", n, count).containsExactly(y);
                for (int t = 0; t < count; t++) {
                    double ref = 0;
                    for (int i = 0; i < n; i++) {
                        ref += (double) keys[3 + t * n + i] * q[2 + i];
                    }
                    assertThat((double) fast[4 + t]).isCloseTo(ref * 0.125, within(1e-5));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "F16", "BF16", "F32", "Q4_K", "Q6_K"})
    void batchedGeneratedRowsEqualTheDotKernelBitForBit(GgmlType type) {
        // an even and an odd number of blocks; for float types also a row no vector width divides
        int[] lengths = switch (type) {
            case F16, BF16, F32 -> new int[] {2048, 32 * 7, 100};
            case Q4_K, Q6_K -> new int[] {2048, 256 * 3};
            default -> new int[] {2048, 32 * 7};
        };
        for (int n : lengths) {
            int rows = 21;
            dev.djinn.core.tensor.Tensor t = randomMatrix(type, n, rows);
            for (int tokens : new int[] {2, 3, 4, 7, 9}) {
                float[] x = randomFloats(tokens * n, 4f);
                boolean[] prompt = new boolean[tokens];
                prompt[tokens / 2] = tokens > 3; // a prompt row among generated ones
                QuantizedRows in = new QuantizedRows(n, tokens);
                try (ComputePool pool = new ComputePool(2)) {
                    MatMul mm = new MatMul(kernels, pool);
                    mm.prepare(ActivationFormat.forWeights(type), x, tokens, prompt, in);
                    float[] out = new float[tokens * rows];
                    mm.multiply(t, in, out, rows);
                    for (int b = 0; b < tokens; b++) {
                        if (prompt[b]) {
                            continue;
                        }
                        QuantizedRows alone = new QuantizedRows(n, 1);
                        mm.prepare(ActivationFormat.forWeights(type), java.util.Arrays.copyOfRange(x, b * n, (b + 1) * n),
                                1, alone);
                        for (int r = 0; r < rows; r++) {
                            assertThat(out[b * rows + r]).as("%s n=%d tokens=%d token %d row %d", type, n, tokens, b, r)
                                    .isEqualTo(mm.dotRow(t, r, alone, 0));
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void packingThenUnpackingGivesTheGgufBytesBack(GgmlType type) {
        boolean kQuant = type == GgmlType.Q4_K || type == GgmlType.Q6_K;
        int n = kQuant ? 256 * 3 : 64 * 3;
        int rows = 11; // two groups of four and three rows left in the GGUF layout
        dev.djinn.core.tensor.Tensor t = randomMatrix(type, n, rows);
        // a subnormal and a negative scale: packed as floats, they must come back
        t.data().set(I16, 0, (short) 0x0001);
        t.data().set(I16, t.rowBytes(), (short) 0x8203);
        try (ComputePool pool = new ComputePool(2)) {
            dev.djinn.core.tensor.Tensor packed = t.withPacked(PackedBlocks.pack(t, pool, false));
            assertThat(packed.packed().byteSize()).isEqualTo(switch (type) {
                case Q4_K -> 2 * 3 * 4 * PackedBlocks.Q4_K_PAIR_BLOCK_BYTES / 2;
                case Q6_K -> 2 * 3 * 4 * PackedBlocks.Q6_K_PAIR_BLOCK_BYTES / 2;
                default -> 2 * 3 * 2 * PackedBlocks.pairBlockBytes(type); // floats for the halves: 16 bytes more per pair
            });
            MemorySegment back = Arena.ofAuto().allocate(rows * t.rowBytes());
            PackedBlocks.unpackRows(packed, 0, rows, back);
            assertThat(back.mismatch(t.data())).isEqualTo(-1L);
            // a row of the second group on its own: its scales come from the middle of the group's scale run
            MemorySegment one = Arena.ofAuto().allocate(t.rowBytes());
            PackedBlocks.unpackRows(packed, 6, 1, one);
            assertThat(one.mismatch(t.data().asSlice(6 * t.rowBytes(), t.rowBytes()))).isEqualTo(-1L);
        }
    }

    /**
     * Where prompt rows meet Q4_0 weights in 16-bit integers, each output is ggml's arithmetic exactly: per block
     * the exact integer dot of (q - 8) and the int8 activations, then {@code sum = fma(dot, dw * dx, sum)} block
     * by block. Packed and GGUF-layout rows, six- and two-row tiles, a part panel, and the prompt rows' results
     * whatever else shares their step.
     */
    @Test
    void q4_0PromptRowsIn16BitIntegersAreGgmlArithmeticBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernels.int16Prompts());
        for (int n : new int[] {64, 2048, 64 * 65}) {
            int rows = 58; // two 24-row tiles and ten left: six- and two-row kernels; 56 packed, two GGUF rows
            dev.djinn.core.tensor.Tensor t = randomMatrix(GgmlType.Q4_0, n, rows);
            t.data().set(I16, 0, (short) 0x0001); // a subnormal scale
            boolean[] prompt = new boolean[40];
            java.util.Arrays.fill(prompt, true);
            prompt[7] = false; // a generated row among them: 39 prompt rows, a whole panel and a part one
            try (ComputePool pool = new ComputePool(2)) {
                MatMul mm = new MatMul(kernels, pool);
                QuantizedRows in = new QuantizedRows(n, prompt.length);
                float[] x = randomFloats(prompt.length * n, 3f);
                mm.prepare(ActivationFormat.Q8_0, x, prompt.length, prompt, in);
                float[] unpacked = new float[prompt.length * rows];
                float[] packedOut = new float[prompt.length * rows];
                mm.multiply(t, in, unpacked, rows);
                mm.multiply(t.withPacked(PackedBlocks.pack(t, pool, false)), in, packedOut, rows);
                // the first three prompt rows alone in their step
                QuantizedRows few = new QuantizedRows(n, 3);
                mm.prepare(ActivationFormat.Q8_0, x, 3, new boolean[] {true, true, true}, few);
                float[] fewOut = new float[3 * rows];
                mm.multiply(t, few, fewOut, rows);
                assertThat(fewOut).containsExactly(java.util.Arrays.copyOf(unpacked, 3 * rows));
                for (int b = 0; b < prompt.length; b++) {
                    if (!prompt[b]) {
                        continue;
                    }
                    for (int r = 0; r < rows; r++) {
                        float sum = q4_0Fused(t, r, in, b);
                        assertThat(unpacked[b * rows + r]).as("n=%d token %d row %d", n, b, r).isEqualTo(sum);
                        assertThat(packedOut[b * rows + r]).as("packed n=%d token %d row %d", n, b, r).isEqualTo(sum);
                    }
                }
            }
        }
    }

    /**
     * Row-lane Q4_0 weights give every row ggml's arithmetic (each block's exact integer dot product, then {@code
     * sum = fma(dot, dw * dx, sum)}) bit for bit, whether a generated row is alone in its step, one of a few (the
     * row-lane matrix-vector kernel), one of many beside prompt rows (the 16-bit GEMM) or a prompt row; also for
     * rows past the last whole quad, and in a fused multiply whose second weight's chunks start inside a quad.
     */
    @Test
    void q4_0RowLanesGiveEveryRowGgmlArithmeticWhateverItsBatch() {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernels.q4_0RowLanes());
        for (int n : new int[] {64, 2048, 32 * 33, 32 * 129}) { // 32 * 129: 48-row tiles
            int rows = 153; // two quads, then 25 rows in the GGUF layout (an odd last one)
            dev.djinn.core.tensor.Tensor t = randomMatrix(GgmlType.Q4_0, n, rows);
            t.data().set(I16, 18, (short) 0x0001); // a subnormal scale
            dev.djinn.core.tensor.Tensor u = randomMatrix(GgmlType.Q4_0, n, 128);
            float[] x = randomFloats(64 * n, 3f);
            try (ComputePool pool = new ComputePool(2)) {
                MatMul mm = new MatMul(kernels, pool);
                dev.djinn.core.tensor.Tensor lanes = t.withRowLanes(PackedBlocks.packRowLanes(t, pool, false));
                dev.djinn.core.tensor.Tensor lanesU = u.withRowLanes(PackedBlocks.packRowLanes(u, pool, false));
                boolean[][] steps = {new boolean[1], new boolean[3], new boolean[19], new boolean[40], new boolean[40],
                        new boolean[64]};
                for (int i = 0; i < 40; i++) {
                    steps[3][i] = i % 4 != 1; // 30 prompt rows and 10 generated ones (two by two)
                    steps[4][i] = true;
                }
                steps[5][5] = steps[5][17] = steps[5][40] = true; // 61 generated rows: in the panels with the prompt's
                for (boolean[] prompt : steps) {
                    int batch = prompt.length;
                    QuantizedRows in = new QuantizedRows(n, batch);
                    mm.prepare(ActivationFormat.Q8_0, x, batch, prompt, in);
                    float[] out = new float[batch * rows];
                    float[] outU = new float[batch * 128];
                    mm.multiply(new dev.djinn.core.tensor.Tensor[] {lanes, lanesU}, in, new float[][] {out, outU},
                            new int[] {rows, 128});
                    for (int b = 0; b < batch; b++) {
                        for (int r = 0; r < rows; r++) {
                            assertThat(out[b * rows + r]).as("n=%d batch %d row %d weight row %d", n, batch, b, r)
                                    .isEqualTo(q4_0Fused(t, r, in, b));
                        }
                        for (int r = 0; r < 128; r++) {
                            assertThat(outU[b * 128 + r]).as("second weight n=%d batch %d row %d weight row %d", n,
                                    batch, b, r).isEqualTo(q4_0Fused(u, r, in, b));
                        }
                    }
                }
            }
        }
    }

    /** Weight row {@code r} of Q4_0 {@code t} times activation row {@code b}: the 16-bit kernels' arithmetic. */
    private static float q4_0Fused(dev.djinn.core.tensor.Tensor t, int r, QuantizedRows in, int b) {
        int n = t.cols();
        int blocks = n / 32;
        float sum = 0f;
        long row = r * t.rowBytes();
        for (int k = 0; k < blocks; k++) {
            long block = row + 18L * k;
            float dw = Float.float16ToFloat(t.data().get(I16, block));
            int dot = 0;
            for (int i = 0; i < 16; i++) {
                int v = t.data().get(ValueLayout.JAVA_BYTE, block + 2 + i) & 0xFF;
                dot += ((v & 0xF) - 8) * in.quants[b * n + 32 * k + i];
                dot += ((v >> 4) - 8) * in.quants[b * n + 32 * k + 16 + i];
            }
            sum = Math.fma((float) dot, dw * in.scales[b * blocks + k], sum);
        }
        return sum;
    }

    /**
     * Q4_K prompt rows in 16-bit integers: per sub-block of 32 the exact integer dot of q (0..15) and the int8
     * activations, {@code sum = fma(dot, dx * (d * scale), sum)}, then the min term {@code sum = fma(bsum, dx *
     * (-dmin * min), sum)} with the activations' sub-block sum, sub-block by sub-block; packed or not, and the
     * same whatever else shares the step.
     */
    @Test
    void q4_KPromptRowsIn16BitIntegersFollowTheirReferenceBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(kernels.int16Prompts());
        for (int n : new int[] {256, 2048, 256 * 3}) {
            int rows = 58;
            dev.djinn.core.tensor.Tensor t = randomMatrix(GgmlType.Q4_K, n, rows);
            boolean[] prompt = new boolean[37];
            java.util.Arrays.fill(prompt, true);
            prompt[3] = false;
            try (ComputePool pool = new ComputePool(2)) {
                MatMul mm = new MatMul(kernels, pool);
                QuantizedRows in = new QuantizedRows(n, prompt.length);
                float[] x = randomFloats(prompt.length * n, 3f);
                mm.prepare(ActivationFormat.Q8_K, x, prompt.length, prompt, in);
                float[] unpacked = new float[prompt.length * rows];
                float[] packedOut = new float[prompt.length * rows];
                mm.multiply(t, in, unpacked, rows);
                if (kernels.packs(GgmlType.Q4_K)) {
                    mm.multiply(t.withPacked(PackedBlocks.pack(t, pool, false)), in, packedOut, rows);
                } else {
                    packedOut = unpacked;
                }
                QuantizedRows few = new QuantizedRows(n, 2);
                mm.prepare(ActivationFormat.Q8_K, x, 2, new boolean[] {true, true}, few);
                float[] fewOut = new float[2 * rows];
                mm.multiply(t, few, fewOut, rows);
                assertThat(fewOut).containsExactly(java.util.Arrays.copyOf(unpacked, 2 * rows));
                for (int b = 0; b < prompt.length; b++) {
                    if (!prompt[b]) {
                        continue;
                    }
                    for (int r = 0; r < rows; r++) {
                        float sum = 0f;
                        for (int k = 0; k < n / 256; k++) {
                            long blk = r * t.rowBytes() + 144L * k;
                            float d = Float.float16ToFloat(t.data().get(I16, blk));
                            float dmin = Float.float16ToFloat(t.data().get(I16, blk + 2));
                            int[] q = new int[12];
                            for (int i = 0; i < 12; i++) {
                                q[i] = t.data().get(ValueLayout.JAVA_BYTE, blk + 4 + i) & 0xFF;
                            }
                            float dx = in.scales[b * (n / 256) + k];
                            for (int sb = 0; sb < 8; sb++) {
                                // ggml's get_scale_min_k4
                                int sc = sb < 4 ? q[sb] & 63 : (q[sb + 4] & 0xF) | ((q[sb - 4] >> 6) << 4);
                                int m = sb < 4 ? q[sb + 4] & 63 : (q[sb + 4] >> 4) | ((q[sb] >> 6) << 4);
                                int dot = 0;
                                int bsum = 0;
                                for (int i = 0; i < 32; i++) {
                                    int v = t.data().get(ValueLayout.JAVA_BYTE, blk + 16 + 32L * (sb / 2) + i) & 0xFF;
                                    int xq = in.quants[b * n + 256 * k + 32 * sb + i];
                                    dot += (sb % 2 == 0 ? v & 0xF : v >> 4) * xq;
                                    bsum += xq;
                                }
                                sum = Math.fma((float) dot, dx * (d * sc), sum);
                                sum = Math.fma((float) bsum, dx * (-dmin * m), sum);
                            }
                        }
                        assertThat(unpacked[b * rows + r]).as("n=%d token %d row %d", n, b, r).isEqualTo(sum);
                        assertThat(packedOut[b * rows + r]).as("packed n=%d token %d row %d", n, b, r).isEqualTo(sum);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K", "Q6_K"})
    void packedRowsEqualTheGgufLayoutBitForBit(GgmlType type) {
        ActivationFormat format = ActivationFormat.forWeights(type);
        // packing needs the 256-bit int8 kernels; narrower kernels must not claim it
        assertThat(kernels.packs(type)).isEqualTo(kernels.name().equals("vector-256") || kernels.name().equals("vector-512"));
        org.junit.jupiter.api.Assumptions.assumeTrue(kernels.packs(type));
        // (64 * 65 values: more than one chunk of the generated-row GEMMs, the last a part one)
        for (int n : type == GgmlType.Q4_0 || type == GgmlType.Q8_0 ? new int[] {2048, 64 * 3, 64 * 65}
                : new int[] {2048, 256 * 3}) {
            // 33 groups of four and three rows left in the GGUF layout: enough rows for the pool's chunks to hold
            // eight (Q4_0's interleaved blocks of two groups), and an odd group at the end (a block of one)
            int rows = 135;
            dev.djinn.core.tensor.Tensor t = randomMatrix(type, n, rows);
            // subnormal and negative half-precision scales too (converted by the packing or in vector lanes)
            t.data().set(I16, 0, (short) 0x0001);
            t.data().set(I16, t.rowBytes() + type.typeSize(), (short) 0x83ff);
            assertThat(PackedBlocks.packedRows(t)).isEqualTo(132);
            try (ComputePool pool = new ComputePool(2)) {
                dev.djinn.core.tensor.Tensor packed = t.withPacked(PackedBlocks.pack(t, pool, false));
                MatMul mm = new MatMul(kernels, pool);
                // one generated row (the packed kernel), several (batched, unpacked per tile), prompt rows among
                // them and prompt rows alone (the float GEMM over unpacked rows): all as from the GGUF layout
                // (nine: past MatMul.MAX_PACKED_K_DOTS, where K-quant rows take the GEMM over the packed rows)
                // (and where the kernels have it, the float GEMM for many generated rows: 19 around a prompt row
                // are two whole groups of eight and three rows for the int8 kernels, 9 a group and one, 7 a part
                // group)
                boolean[] manyGenerated = new boolean[20];
                manyGenerated[6] = true;
                boolean[][] batches = {{false}, {false, false, false}, new boolean[9], {false, true, false},
                        {true, true, true, true}, manyGenerated, new boolean[7]};
                for (boolean[] prompt : batches) {
                    int tokens = prompt.length;
                    QuantizedRows in = new QuantizedRows(n, tokens);
                    mm.prepare(format, randomFloats(tokens * n, 4f), tokens, prompt, in);
                    float[] fromPacked = new float[tokens * rows];
                    float[] fromGguf = new float[tokens * rows];
                    mm.multiply(packed, in, fromPacked, rows);
                    mm.multiply(t, in, fromGguf, rows);
                    for (int b = 0; b < tokens; b++) {
                        for (int r = 0; r < rows; r++) {
                            assertThat(fromPacked[b * rows + r]).as("%s n=%d %s token %d row %d", type, n,
                                    java.util.Arrays.toString(prompt), b, r).isEqualTo(fromGguf[b * rows + r]);
                            if (tokens == 1) {
                                assertThat(fromPacked[r]).isEqualTo(mm.dotRow(t, r, in, 0));
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q6_K"})
    void kQuantPromptGemmDoesNotDependOnTheBatchAndAgreesWithTheDotKernel(GgmlType type) {
        int n = 1024;
        int rows = 23; // four-row tiles and a remainder
        int tokens = 5; // two-token tiles and a remainder
        dev.djinn.core.tensor.Tensor t = randomMatrix(type, n, rows);
        MemorySegment w = t.data();
        long rowBytes = t.rowBytes();
        float[] x = randomFloats(tokens * n, 3f);
        boolean[] allPrompt = new boolean[tokens];
        java.util.Arrays.fill(allPrompt, true);
        try (ComputePool pool = new ComputePool(2)) {
            MatMul mm = new MatMul(kernels, pool);
            QuantizedRows batch = new QuantizedRows(n, tokens);
            mm.prepare(ActivationFormat.Q8_K, x, tokens, allPrompt, batch);
            float[] out = new float[tokens * rows];
            mm.multiply(t, batch, out, rows);
            for (int b = 0; b < tokens; b++) {
                QuantizedRows alone = new QuantizedRows(n, 1);
                mm.prepare(ActivationFormat.Q8_K, java.util.Arrays.copyOfRange(x, b * n, (b + 1) * n), 1,
                        new boolean[] {true}, alone);
                float[] one = new float[rows];
                mm.multiply(t, alone, one, rows);
                float[] wf = new float[n];
                for (int r = 0; r < rows; r++) {
                    float dot = mm.dotRow(t, r, alone, 0);
                    assertThat(out[b * rows + r]).as("%s token %d row %d alone", type, b, r).isEqualTo(one[r]);
                    // prompt rows multiply dequantized floats (where the kernels do, see kQuantPromptsAsFloat), the
                    // dot kernel exact integer block products: they differ by float rounding, a few ulps of the
                    // products' magnitude (the random rows cancel heavily)
                    Dequantizer.dequantize(type, w, r * rowBytes, wf, 0, n);
                    double abs = 0;
                    for (int i = 0; i < n; i++) {
                        abs += Math.abs(wf[i] * activationAt(alone, 0, i));
                    }
                    assertThat((double) out[b * rows + r]).as("%s token %d row %d against the dot kernel", type, b, r)
                            .isCloseTo(dot, within(1e-6 * abs));
                }
            }
        }
    }

    @Test
    void ropeRotatesLikeTheScalarReference() {
        for (int dims : new int[] {8, 64, 128, 36}) {
            int half = dims / 2;
            float[] cos = randomFloats(half, 1f), sin = randomFloats(half, 1f);
            float[] cosPairs = new float[dims], sinPairs = new float[dims];
            for (int i = 0; i < half; i++) {
                cosPairs[2 * i] = cosPairs[2 * i + 1] = cos[i];
                sinPairs[2 * i] = -sin[i];
                sinPairs[2 * i + 1] = sin[i];
            }
            float[] a = randomFloats(dims + 3, 1f);
            float[] b = a.clone(), c = a.clone(), d = a.clone();
            kernels.ropeHalves(a, 3, half, cos, sin, 0);
            scalar.ropeHalves(b, 3, half, cos, sin, 0);
            assertThat(a).isEqualTo(b);
            kernels.ropePairs(c, 3, dims, cosPairs, sinPairs, 0);
            scalar.ropePairs(d, 3, dims, cosPairs, sinPairs, 0);
            assertThat(c).isEqualTo(d);
        }
    }

    @Test
    void elementwiseOpsMatchReference() {
        int n = 1000;
        float[] x = randomFloats(n, 4f);
        double ss = 0;
        for (float v : x) {
            ss += (double) (v * v);
        }
        assertThat(kernels.sumOfSquares(x, 0, n)).isCloseTo(ss, within(1e-9 * ss));
        float[] g = randomFloats(n, 4f);
        float[] up = randomFloats(n, 1f);
        float[] got = g.clone();
        kernels.siluMul(got, up, 0, n);
        for (int i = 0; i < n; i++) {
            double want = g[i] / (1 + Math.exp(-g[i])) * up[i];
            assertThat((double) got[i]).isCloseTo(want, within(3e-7 * Math.abs(want) + 1e-30));
        }
        // a row of a batch (its start and length multiples of every vector width): the same values there, nothing
        // outside it touched
        float[] part = g.clone();
        kernels.siluMul(part, up, 96, 512);
        for (int i = 0; i < n; i++) {
            assertThat(part[i]).isEqualTo(i >= 96 && i < 608 ? got[i] : g[i]);
        }
        float[] s = randomFloats(n, 20f);
        float max = Float.NEGATIVE_INFINITY;
        for (float v : s) {
            max = Math.max(max, v);
        }
        float[] e = s.clone();
        double sum = kernels.expShift(e, 0, n, max);
        double want = 0;
        for (int i = 0; i < n; i++) {
            double ref = Math.exp(s[i] - max);
            want += ref;
            assertThat((double) e[i]).isCloseTo(ref, within(3e-7 * ref + 1.2e-38)); // subnormal results may flush to 0
        }
        assertThat(sum).isCloseTo(want, within(1e-6 * want));
    }

    /** Double-precision dot of dequantized weights with the activation as the kernel sees it. */
    private static double naive(GgmlType type, float[] wf, QuantizedRows in, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) wf[i] * activation(in, i);
        }
        return sum;
    }

    private static double absDot(GgmlType type, float[] wf, QuantizedRows in, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.abs((double) wf[i] * activation(in, i));
        }
        return sum;
    }

    private static double activation(QuantizedRows in, int i) {
        return switch (in.format()) {
            case F32, F16, BF16 -> in.values[i];
            case Q8_0 -> (double) in.quants[i] * in.scales[i / 32];
            case Q8_K -> (double) in.quants[i] * in.scales[i / 256];
        };
    }

    private float[] randomFloats(int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * scale);
        }
        return x;
    }

    /** A weight matrix of {@code rows} rows of {@link #randomBlocks}. */
    private dev.djinn.core.tensor.Tensor randomMatrix(GgmlType type, int n, int rows) {
        long rowBytes = type.rowBytes(n);
        MemorySegment w = Arena.ofAuto().allocate(rowBytes * rows);
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(randomBlocks(type, n), 0, w, r * rowBytes, rowBytes);
        }
        return new dev.djinn.core.tensor.Tensor("w", type, new long[] {n, rows}, w);
    }

    /** Random but valid blocks: random bytes, with every scale field set to a finite half-precision value. */
    private MemorySegment randomBlocks(GgmlType type, int n) {
        long bytes = type.rowBytes(n);
        MemorySegment seg = Arena.ofAuto().allocate(bytes);
        for (long i = 0; i < bytes; i++) {
            seg.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
        }
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) seg.set(F32, 4L * i, (float) random.nextGaussian());
            }
            case F16 -> {
                for (int i = 0; i < n; i++) seg.set(I16, 2L * i, Float.floatToFloat16((float) random.nextGaussian()));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    seg.set(I16, 2L * i, (short) (Float.floatToIntBits((float) random.nextGaussian()) >>> 16));
                }
            }
            case Q8_0, Q4_0 -> {
                for (int b = 0; b < n / 32; b++) seg.set(I16, (long) b * type.typeSize(), halfScale());
            }
            case Q4_K, Q5_K -> {
                for (int b = 0; b < n / 256; b++) {
                    seg.set(I16, (long) b * type.typeSize(), halfScale());
                    seg.set(I16, (long) b * type.typeSize() + 2, halfScale());
                }
            }
            case Q6_K -> {
                for (int b = 0; b < n / 256; b++) seg.set(I16, (long) b * type.typeSize() + 208, halfScale());
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        return seg;
    }

    private short halfScale() {
        return Float.floatToFloat16((float) (random.nextDouble(0.001, 0.05) * (random.nextBoolean() ? 1 : -1)));
    }
}
