package dev.djinn.core.gguf;

import dev.djinn.core.TestModels;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.djinn.core.gguf.GgufValues.describe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufWriterTest {
    @TempDir
    Path dir;

    private static GgufValue v(GgufValueType type, Object value) {
        return new GgufValue(type, value);
    }

    private static GgufValue array(GgufValueType type, Object values) {
        return GgufValue.ofArray(new GgufArray(type, values));
    }

    /** One value of every type, at the edges of each integer range, and arrays of every element type. */
    static Map<String, GgufValue> everyValueType() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.of("llama"));
        m.put("u8", v(GgufValueType.UINT8, 255L));
        m.put("i8", v(GgufValueType.INT8, -128L));
        m.put("u16", v(GgufValueType.UINT16, 65535L));
        m.put("i16", v(GgufValueType.INT16, -32768L));
        m.put("u32", v(GgufValueType.UINT32, 4294967295L));
        m.put("i32", v(GgufValueType.INT32, (long) Integer.MIN_VALUE));
        m.put("u64", v(GgufValueType.UINT64, -1L)); // 2^64 - 1
        m.put("i64", v(GgufValueType.INT64, Long.MIN_VALUE));
        m.put("f32", v(GgufValueType.FLOAT32, -0.0f));
        m.put("f64", v(GgufValueType.FLOAT64, Math.PI));
        m.put("yes", GgufValue.ofBool(true));
        m.put("no", GgufValue.ofBool(false));
        m.put("empty", GgufValue.of(""));
        m.put("unicode", GgufValue.of("▁Grüße 🙂\n\"quoted\""));
        m.put("a.u8", array(GgufValueType.UINT8, new byte[] {0, 1, (byte) 255}));
        m.put("a.i8", array(GgufValueType.INT8, new byte[] {-128, 127}));
        m.put("a.u16", array(GgufValueType.UINT16, new short[] {(short) 65535, 1}));
        m.put("a.i16", array(GgufValueType.INT16, new short[] {-32768, 32767}));
        m.put("a.u32", array(GgufValueType.UINT32, new int[] {-1, 0}));
        m.put("a.i32", array(GgufValueType.INT32, new int[] {Integer.MIN_VALUE, 3}));
        m.put("a.u64", array(GgufValueType.UINT64, new long[] {-1, 2}));
        m.put("a.i64", array(GgufValueType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        m.put("a.f32", array(GgufValueType.FLOAT32, new float[] {1.5f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY}));
        m.put("a.f64", array(GgufValueType.FLOAT64, new double[] {-2.25, Double.MAX_VALUE}));
        m.put("a.bool", array(GgufValueType.BOOL, new boolean[] {true, false, true}));
        m.put("a.string", array(GgufValueType.STRING, new String[] {"<unk>", "", "▁the"}));
        m.put("a.empty", array(GgufValueType.INT32, new int[0]));
        GgufArray inner = new GgufArray(GgufValueType.STRING, new String[] {"x", "y"});
        GgufArray middle = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {inner,
                new GgufArray(GgufValueType.FLOAT32, new float[] {2f})});
        m.put("a.nested", array(GgufValueType.ARRAY, new GgufArray[] {middle,
                new GgufArray(GgufValueType.ARRAY, new GgufArray[0])}));
        return m;
    }

    @Test
    void everyMetadataTypeRoundTrips() throws IOException {
        GgufWriter w = new GgufWriter();
        everyValueType().forEach(w::put);
        Path out = dir.resolve("meta.gguf");
        w.write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.alignment()).isEqualTo(32);
            assertThat(f.tensorInfos()).isEmpty();
            assertThat(describe(f.metadata())).isEqualTo(describe(everyValueType()));
            assertThat(f.metadata().asMap().keySet()).containsExactlyElementsOf(everyValueType().keySet());
        }
    }

    @Test
    void aKeySetAgainMovesToTheEnd() throws IOException {
        Path out = dir.resolve("order.gguf");
        new GgufWriter().put("a", GgufValue.ofUint32(1)).put("b", GgufValue.ofUint32(2))
                .put("a", GgufValue.of("again")).write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(describe(f.metadata())).isEqualTo("b = UINT32 2\na = STRING again");
        }
    }

    @Test
    void tensorsAreAlignedAndZeroPadded() throws IOException {
        byte[] a = bytes(12, 1);
        byte[] b = bytes(102, 2);
        byte[] c = bytes(20, 3);
        GgufWriter w = new GgufWriter()
                .put("general.alignment", GgufValue.ofUint32(64))
                .addTensor("a", GgmlType.F32, new long[] {3}, out -> out.write(ByteBuffer.wrap(a)))
                .addTensor("b", GgmlType.Q8_0, new long[] {32, 3}, out -> {
                    for (int i = 0; i < b.length; i += 7) { // many small writes
                        out.write(ByteBuffer.wrap(b, i, Math.min(7, b.length - i)));
                    }
                })
                .addTensor("c", GgmlType.F16, new long[] {5, 2}, GgufWriter.TensorData.of(MemorySegment.ofArray(c)));
        Path out = dir.resolve("t.gguf");
        Files.write(out, new byte[] {9, 9, 9}); // replaced
        w.write(out);
        byte[] file = Files.readAllBytes(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.dataOffset() % 64).isZero();
            assertThat(f.tensorInfos().values()).extracting(GgufTensorInfo::offset).containsExactly(0L, 64L, 192L);
            assertThat(bytesOf(f.tensor("a"))).isEqualTo(a);
            assertThat(bytesOf(f.tensor("b"))).isEqualTo(b);
            assertThat(bytesOf(f.tensor("c"))).isEqualTo(c);
            assertThat(f.tensor("b").shape()).containsExactly(32, 3);
            assertThat(f.tensor("c").type()).isEqualTo(GgmlType.F16);
            // weights reach the kernels as read-only plain native segments, the class KV caches have too
            assertThat(f.tensor("b").data().isMapped()).isFalse();
            assertThat(f.tensor("b").data().isNative()).isTrue();
            assertThat(f.tensor("b").data().isReadOnly()).isTrue();
            int data = (int) f.dataOffset();
            assertThat(file).hasSize(data + 192 + 64);
            assertZeros(file, data + 12, data + 64);
            assertZeros(file, data + 64 + 102, data + 192);
            assertZeros(file, data + 192 + 20, file.length);
        }
        assertThat(dir.resolve("t.gguf.part")).doesNotExist();
    }

    @Test
    void streamsTensorsLargerThanItsBuffer() throws IOException {
        int rows = 3 * 1024;
        int rowBytes = 1024; // 3 MiB in all, written a row at a time and then in one large piece
        GgufWriter w = new GgufWriter()
                .addTensor("rows", GgmlType.F32, new long[] {rowBytes / 4, rows}, out -> {
                    for (int r = 0; r < rows; r++) {
                        out.write(ByteBuffer.wrap(bytes(rowBytes, r)));
                    }
                })
                .addTensor("whole", GgmlType.I8, new long[] {rows * rowBytes}, out -> {
                    ByteBuffer all = ByteBuffer.allocate(rows * rowBytes);
                    for (int r = 0; r < rows; r++) {
                        all.put(bytes(rowBytes, r));
                    }
                    out.write(all.flip());
                });
        Path out = dir.resolve("big.gguf");
        w.write(out);
        try (GgufFile f = GgufFile.open(out)) {
            byte[] rowsBytes = bytesOf(f.tensor("rows"));
            assertThat(bytesOf(f.tensor("whole"))).isEqualTo(rowsBytes);
            for (int r = 0; r < rows; r += 511) {
                byte[] expected = bytes(rowBytes, r);
                assertThat(java.util.Arrays.copyOfRange(rowsBytes, r * rowBytes, (r + 1) * rowBytes)).isEqualTo(expected);
            }
        }
    }

    /** Offsets past 2 GiB (a 7B model's data) must survive the trip; the big tensor streams from one buffer. */
    @Test
    void writesFilesLargerThan2GiB() throws IOException {
        long rows = 2049;
        int rowBytes = 1 << 20;
        ByteBuffer zeros = ByteBuffer.allocateDirect(rowBytes);
        byte[] marker = bytes(32, 5);
        Path out = dir.resolve("huge.gguf");
        try {
            new GgufWriter()
                    .addTensor("big", GgmlType.I8, new long[] {rowBytes, rows}, ch -> {
                        for (long r = 0; r < rows; r++) {
                            ch.write(zeros.clear());
                        }
                    })
                    .addTensor("after", GgmlType.I8, new long[] {32}, ch -> ch.write(ByteBuffer.wrap(marker)))
                    .write(out);
            try (GgufFile f = GgufFile.open(out)) {
                GgufTensorInfo after = f.tensorInfos().get("after");
                assertThat(after.offset()).isEqualTo(rows * rowBytes).isGreaterThan(Integer.MAX_VALUE);
                assertThat(bytesOf(f.tensor("after"))).isEqualTo(marker);
                assertThat(f.tensor("big").data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, rows * rowBytes - 1)).isZero();
                assertThat(f.fileSize()).isEqualTo(f.dataOffset() + rows * rowBytes + 32);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void aTensorWritingTheWrongNumberOfBytesFailsAndLeavesNoFile() {
        GgufWriter w = new GgufWriter().addTensor("t", GgmlType.F32, new long[] {4},
                out -> out.write(ByteBuffer.allocate(12)));
        Path out = dir.resolve("short.gguf");
        assertThatThrownBy(() -> w.write(out))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("wrote 12 bytes").hasMessageContaining("16");
        assertThat(out).doesNotExist();
        assertThat(dir.resolve("short.gguf.part")).doesNotExist();
    }

    @Test
    void rejectsWhatReadersWouldReject() {
        GgufWriter w = new GgufWriter();
        GgufWriter.TensorData none = out -> { };
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.Q8_0, new long[] {16, 2}, none))
                .hasMessageContaining("not a multiple");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {}, none)).hasMessageContaining("dimensions");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, none))
                .hasMessageContaining("dimensions");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {4, 0}, none)).hasMessageContaining("dimension 0");
        assertThatThrownBy(() -> w.addTensor("x".repeat(64), GgmlType.F32, new long[] {1}, none))
                .hasMessageContaining("longer than");
        w.addTensor("t", GgmlType.F32, new long[] {1}, none);
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {1}, none)).hasMessageContaining("twice");

        assertThatThrownBy(() -> new GgufWriter().put("k", v(GgufValueType.UINT8, 256L)).write(dir.resolve("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit UINT8");
        assertThatThrownBy(() -> new GgufWriter().put("k", v(GgufValueType.STRING, 5L)).write(dir.resolve("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("declared STRING");
        assertThatThrownBy(() -> new GgufWriter().put("k", array(GgufValueType.INT32, new long[] {1}))
                .write(dir.resolve("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("array of INT32");
        assertThatThrownBy(() -> new GgufWriter().put("general.alignment", GgufValue.ofUint32(48))
                .write(dir.resolve("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new GgufWriter().put("general.alignment", GgufValue.ofInt32(64))
                .write(dir.resolve("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UINT32");
        GgufArray deep = new GgufArray(GgufValueType.INT32, new int[0]);
        for (int i = 0; i < 8; i++) {
            deep = new GgufArray(GgufValueType.ARRAY, new GgufArray[] {deep});
        }
        GgufValue tooDeep = GgufValue.ofArray(deep);
        assertThatThrownBy(() -> new GgufWriter().put("k", tooDeep).write(dir.resolve("x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deep");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void rewritingStoriesGivesTheSameFile() throws IOException {
        Path source = TestModels.path("stories260K.gguf");
        Path out = dir.resolve("copy.gguf");
        try (GgufFile in = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(in.metadata());
            for (String name : in.tensorInfos().keySet()) {
                w.addTensor(in.tensor(name));
            }
            w.write(out);
            try (GgufFile copy = GgufFile.open(out)) {
                assertThat(describe(copy.metadata())).isEqualTo(describe(in.metadata()));
                assertThat(copy.tensorInfos().keySet()).containsExactlyElementsOf(in.tensorInfos().keySet());
                for (GgufTensorInfo info : in.tensorInfos().values()) {
                    GgufTensorInfo c = copy.tensorInfos().get(info.name());
                    assertThat(c.type()).isEqualTo(info.type());
                    assertThat(c.shape()).isEqualTo(info.shape());
                    assertThat(c.offset()).isEqualTo(info.offset());
                    assertThat(copy.tensor(info.name()).data().mismatch(in.tensor(info.name()).data())).isEqualTo(-1);
                }
            }
        }
        // llama.cpp lays files out the same way, so the copy is byte for byte the original
        assertThat(Files.mismatch(source, out)).isEqualTo(-1);
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + 1);
        }
        return b;
    }

    private static byte[] bytesOf(Tensor t) {
        return t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    private static void assertZeros(byte[] file, int from, int to) {
        for (int i = from; i < to; i++) {
            assertThat(file[i]).as("padding byte %d", i).isZero();
        }
    }
}
