package dev.djinn.core.gguf;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tensor.Dequantizer;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Hostile and damaged files: each must fail in {@link GgufFile#open} with one {@link GgufFormatException}
 * naming the problem, never with another exception, an OutOfMemoryError or a hang.
 */
class GgufFileCorruptionTest {
    @TempDir
    Path dir;
    private Path file;

    @BeforeEach
    void setUp() {
        file = dir.resolve("hostile.gguf");
    }

    // ---- a raw header builder that writes whatever it is told ----

    private static final class Raw {
        private final GgufEncoder e = new GgufEncoder();

        static Raw header(int version, long tensors, long kvs) {
            Raw r = new Raw();
            r.e.i32(GgufFile.MAGIC);
            r.e.i32(version);
            r.e.i64(tensors);
            r.e.i64(kvs);
            return r;
        }

        static Raw v3(long tensors, long kvs) {
            return header(3, tensors, kvs);
        }

        Raw u8(int v) {
            e.u8(v);
            return this;
        }

        Raw u32(int v) {
            e.i32(v);
            return this;
        }

        Raw u64(long v) {
            e.i64(v);
            return this;
        }

        Raw str(String s) {
            e.string(s);
            return this;
        }

        /** A key and its value type; the caller writes the value. */
        Raw key(String key, GgufValueType type) {
            return str(key).u32(type.id());
        }

        Raw kvU32(String key, int value) {
            return key(key, GgufValueType.UINT32).u32(value);
        }

        Raw tensor(String name, int type, long offset, long... dims) {
            str(name).u32(dims.length);
            for (long d : dims) {
                u64(d);
            }
            return u32(type).u64(offset);
        }

        /** Pads to 32 and appends {@code n} data bytes. */
        Raw data(int n) {
            e.pad(32);
            for (int i = 0; i < n; i++) {
                e.u8(i);
            }
            return this;
        }

        byte[] bytes() {
            byte[] b = e.toByteArray();
            // the reader rejects anything shorter than a bare header before parsing; pad small cases past that
            return b.length >= 24 ? b : Arrays.copyOf(b, 24);
        }
    }

    private GgufFormatException rejected(byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Throwable[] thrown = new Throwable[1];
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (GgufFile f = GgufFile.open(file)) {
                fail("accepted a hostile file with " + f.tensorInfos().size() + " tensors");
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        assertThat(thrown[0]).isInstanceOf(GgufFormatException.class).isInstanceOf(DjinnException.class);
        assertThat(thrown[0].getMessage()).isNotBlank().doesNotContain("\n");
        return (GgufFormatException) thrown[0];
    }

    private void assertRejected(byte[] bytes, String... messageParts) {
        assertThat(rejected(bytes).getMessage()).contains(messageParts);
    }

    /** A small valid file: metadata of several types and three tensors, the last ending the file. */
    private static byte[] smallValidFile(Path dir) throws IOException {
        Path p = dir.resolve("valid.gguf");
        new GgufWriter()
                .put("general.architecture", GgufValue.of("llama"))
                .put("llama.block_count", GgufValue.ofUint32(1))
                .put("llama.rope.freq_base", GgufValue.ofFloat32(10000f))
                .put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufArray(GgufValueType.STRING,
                        new String[] {"<unk>", "<s>", "</s>", "a", "b"})))
                .put("tokenizer.ggml.scores", GgufValue.ofArray(new GgufArray(GgufValueType.FLOAT32,
                        new float[] {0, 0, 0, -1, -2})))
                .put("nested", GgufValue.ofArray(new GgufArray(GgufValueType.ARRAY, new GgufArray[] {
                        new GgufArray(GgufValueType.INT8, new byte[] {1, 2}),
                        new GgufArray(GgufValueType.BOOL, new boolean[] {true})})))
                .put("flag", GgufValue.ofBool(true))
                .addTensor("norm.weight", GgmlType.F32, new long[] {8}, out -> out.write(floats(8)))
                .addTensor("half.weight", GgmlType.F16, new long[] {4, 2}, out -> out.write(ByteBuffer.allocate(16)))
                .addTensor("q.weight", GgmlType.Q8_0, new long[] {32, 2}, out -> {
                    ByteBuffer b = ByteBuffer.allocate(68).order(ByteOrder.LITTLE_ENDIAN);
                    b.putShort(0, (short) 0x3c00).putShort(34, (short) 0x3800);
                    out.write(b);
                })
                .write(p);
        return Files.readAllBytes(p);
    }

    private static ByteBuffer floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i * 0.5f);
        }
        return b.flip();
    }

    // ---- truncation ----

    @Test
    void truncatedAnywhereBeforeTheEndOfTheLastTensorIsRejected() throws IOException {
        byte[] valid = smallValidFile(dir);
        long dataOffset;
        long dataEnd;
        Files.write(file, valid);
        try (GgufFile f = GgufFile.open(file)) {
            dataOffset = f.dataOffset();
            GgufTensorInfo last = f.tensorInfos().get("q.weight");
            dataEnd = dataOffset + last.offset() + last.byteSize();
        }
        assertThat(dataOffset).isGreaterThan(200);
        for (int n = 0; n < dataEnd; n++) {
            GgufFormatException e = rejected(Arrays.copyOf(valid, n));
            if (n >= dataOffset) {
                assertThat(e.getMessage()).contains("outside the file");
            } else if (n >= 24) {
                assertThat(e.getMessage()).containsAnyOf("truncated", "impossible", "claims", "outside the file");
            } else {
                assertThat(e.getMessage()).contains("not a GGUF file");
            }
        }
        // only the zero padding after the last tensor may go missing; llama.cpp reads such files too
        for (long n = dataEnd; n <= valid.length; n++) {
            Files.write(file, Arrays.copyOf(valid, (int) n));
            try (GgufFile f = GgufFile.open(file)) {
                assertThat(f.tensor("q.weight").data().byteSize()).isEqualTo(68);
            }
        }
    }

    // ---- magic and version ----

    @Test
    void wrongMagic() {
        byte[] b = Raw.v3(0, 0).bytes();
        b[3] = 'L';
        assertRejected(b, "not a GGUF file", "magic");
        assertRejected(new byte[64], "not a GGUF file");
        assertRejected("GGML and more bytes than 24...".getBytes(), "not a GGUF file");
    }

    @Test
    void obsoleteUnknownAndBigEndianVersions() {
        assertRejected(Raw.header(1, 0, 0).bytes(), "version 1", "obsolete");
        assertRejected(Raw.header(4, 0, 0).bytes(), "unsupported GGUF version 4");
        assertRejected(Raw.header(0, 0, 0).bytes(), "unsupported GGUF version 0");
        assertRejected(Raw.header(-1, 0, 0).bytes(), "unsupported GGUF version -1");
        assertRejected(Raw.header(Integer.reverseBytes(3), 0, 0).bytes(), "big-endian");
    }

    // ---- counts and lengths ----

    @ParameterizedTest
    @ValueSource(longs = {1L << 40, Long.MAX_VALUE, -1L, 1000})
    void absurdTensorCounts(long count) {
        assertRejected(Raw.v3(count, 0).bytes(), "tensor count");
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 40, Long.MAX_VALUE, -1L, 1000})
    void absurdMetadataCounts(long count) {
        assertRejected(Raw.v3(0, count).bytes(), "metadata count");
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 62, Long.MAX_VALUE, -1L, Long.MIN_VALUE, 100})
    void absurdStringLengths(long length) {
        // each case has enough bytes after it that only the length is wrong
        assertRejected(Raw.v3(0, 1).u64(length).u32(0).u64(0).bytes(), "metadata key");
        assertRejected(Raw.v3(0, 1).key("k", GgufValueType.STRING).u64(length).u64(0).bytes(), "value of k");
        assertRejected(Raw.v3(1, 0).u64(length).u32(1).u64(4).u32(0).u64(0).bytes(), "tensor name");
        assertRejected(Raw.v3(0, 1).key("k", GgufValueType.ARRAY).u32(GgufValueType.STRING.id()).u64(1)
                .u64(length).bytes(), "element 0 of k");
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 40, 1L << 62, Long.MAX_VALUE, -1L, Long.MIN_VALUE, 9})
    void absurdArrayCounts(long count) {
        for (GgufValueType type : GgufValueType.values()) {
            byte[] b = Raw.v3(0, 1).key("k", GgufValueType.ARRAY).u32(type.id()).u64(count).u64(0).bytes();
            assertRejected(b, "array length of k");
        }
        byte[] nested = Raw.v3(0, 1).key("k", GgufValueType.ARRAY).u32(GgufValueType.ARRAY.id()).u64(1)
                .u32(GgufValueType.INT64.id()).u64(count).bytes();
        assertRejected(nested, "array length of k");
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 100, 5000})
    void arraysNestedTooDeeply(int depth) {
        Raw r = Raw.v3(0, 1).key("deep", GgufValueType.ARRAY);
        for (int i = 0; i < depth; i++) {
            r.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        r.u32(GgufValueType.INT32.id()).u64(0);
        assertRejected(r.bytes(), "deep", "nests arrays too deeply");
    }

    @Test
    void arraysNestedToTheLimitAreRead() throws IOException {
        Raw r = Raw.v3(0, 1).key("deep", GgufValueType.ARRAY);
        for (int i = 0; i < GgufFile.MAX_ARRAY_NESTING - 1; i++) {
            r.u32(GgufValueType.ARRAY.id()).u64(1);
        }
        r.u32(GgufValueType.INT32.id()).u64(1).u32(42);
        Files.write(file, r.bytes());
        try (GgufFile f = GgufFile.open(file)) {
            assertThat(GgufValues.describe(f.metadata())).endsWith("INT32[42]]]]]]]]");
        }
    }

    /** A sparse file of 3 GiB: lengths that fit the file but not the heap must fail before any allocation. */
    @Test
    void hugeArraysAndStringsInAHugeFileFailBeforeAllocating() throws IOException {
        long size = 3L << 30;
        long[][] cases = {
                {GgufValueType.INT16.id(), 1_200_000_000L}, // 2.4 GB of shorts
                {GgufValueType.UINT8.id(), 2_500_000_000L}, // more than an int can count
                {GgufValueType.STRING.id(), 300_000_000L}, // 300 M empty strings
                {GgufValueType.ARRAY.id(), 200_000_000L}, // 200 M empty arrays
        };
        for (long[] c : cases) {
            writeSparse(Raw.v3(0, 1).key("big", GgufValueType.ARRAY).u32((int) c[0]).u64(c[1]).bytes(), size);
            assertThat(rejectedInPlace().getMessage()).contains("array big", "MiB of memory");
        }
        writeSparse(Raw.v3(0, 1).key("s", GgufValueType.STRING).u64(2_500_000_000L).bytes(), size);
        assertThat(rejectedInPlace().getMessage()).contains("value of s", "MiB of memory");
    }

    private void writeSparse(byte[] header, long size) throws IOException {
        Files.deleteIfExists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(header);
            raf.setLength(size);
        }
    }

    private GgufFormatException rejectedInPlace() {
        try (GgufFile f = GgufFile.open(file)) {
            throw new AssertionError("accepted " + f.path());
        } catch (GgufFormatException e) {
            return e;
        }
    }

    // ---- metadata values ----

    @ParameterizedTest
    @ValueSource(ints = {13, 99, -1, Integer.MIN_VALUE})
    void unknownValueTypes(int type) {
        assertRejected(Raw.v3(0, 1).str("k").u32(type).u64(0).bytes(), "metadata k", "unknown value type " + type);
        assertRejected(Raw.v3(0, 1).key("k", GgufValueType.ARRAY).u32(type).u64(0).bytes(), "metadata k",
                "unknown value type");
    }

    @Test
    void invalidBool() {
        assertRejected(Raw.v3(0, 1).key("b", GgufValueType.BOOL).u8(2).bytes(), "invalid bool");
    }

    @Test
    void duplicateKeysAndTensors() {
        assertRejected(Raw.v3(0, 2).kvU32("a", 1).kvU32("a", 2).bytes(), "duplicate metadata key a");
        byte[] b = Raw.v3(2, 0).tensor("t", 0, 0, 8).tensor("t", 0, 32, 8).data(64).bytes();
        assertRejected(b, "duplicate tensor t");
    }

    @Test
    void badAlignmentValues() {
        for (int a : new int[] {0, 3, 48, 1 << 21, Integer.MIN_VALUE, -1}) {
            assertRejected(Raw.v3(0, 1).kvU32("general.alignment", a).bytes(), "general.alignment",
                    "power of two");
        }
        assertRejected(Raw.v3(0, 1).key("general.alignment", GgufValueType.UINT64).u64(1L << 63).bytes(),
                "general.alignment 9223372036854775808");
        assertRejected(Raw.v3(0, 1).key("general.alignment", GgufValueType.STRING).str("32").bytes(),
                "general.alignment should be an integer");
        assertRejected(Raw.v3(0, 1).key("general.alignment", GgufValueType.FLOAT32).u32(0x42000000).bytes(),
                "general.alignment should be an integer");
    }

    // ---- tensor infos ----

    @ParameterizedTest
    @ValueSource(ints = {0, 5, -1, Integer.MAX_VALUE})
    void badDimensionCounts(int nDims) {
        byte[] b = Raw.v3(1, 0).str("t").u32(nDims).u64(1).u64(1).u64(1).u64(1).u64(1).u32(0).u64(0).data(32).bytes();
        assertRejected(b, "tensor t", nDims + " dimensions");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE, 1L << 41, Long.MAX_VALUE})
    void badDimensions(long dim) {
        assertRejected(Raw.v3(1, 0).tensor("t", 0, 0, 8, dim).data(32).bytes(), "tensor t", "invalid dimension");
    }

    @Test
    void elementCountsThatOverflowOrExceedTheFile() {
        assertRejected(Raw.v3(1, 0).tensor("t", 0, 0, 1L << 30, 1L << 30, 1L << 30).data(32).bytes(),
                "tensor t", "absurd element count");
        assertRejected(Raw.v3(1, 0).tensor("t", 0, 0, 1L << 20, 1L << 20).data(32).bytes(),
                "tensor t", "outside the file");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 31, 42, 63, 64, 1000, -1})
    void unknownTensorTypes(int type) {
        assertRejected(Raw.v3(1, 0).tensor("t", type, 0, 32).data(256).bytes(), "tensor t", "unknown type id " + type);
    }

    @Test
    void rowsThatAreNotWholeBlocks() {
        assertRejected(Raw.v3(1, 0).tensor("t", GgmlType.Q8_0.id(), 0, 16).data(64).bytes(), "tensor t",
                "not a multiple of the Q8_0 block size 32");
    }

    @ParameterizedTest
    @ValueSource(longs = {4, 16, 33, -32, Long.MIN_VALUE})
    void misalignedOrNegativeOffsets(long offset) {
        assertRejected(Raw.v3(1, 0).tensor("t", 0, offset, 4).data(128).bytes(), "tensor t", "offset",
                "alignment 32");
    }

    @ParameterizedTest
    @ValueSource(longs = {64, 1L << 40, Long.MAX_VALUE & ~31L})
    void offsetsOutsideTheFile(long offset) {
        assertRejected(Raw.v3(1, 0).tensor("t", 0, offset, 8).data(64).bytes(), "tensor t", "outside the file");
    }

    // ---- fuzzing ----

    @Test
    void randomMutationsNeverEscapeAsAnythingButAFormatError() throws IOException {
        byte[] valid = smallValidFile(dir);
        int accepted = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> fuzz(valid, 3000, 42));
        // most mutations land in the header; some (tensor bytes, padding, float values) are harmless
        assertThat(accepted).isBetween(1, 2999);
    }

    private int fuzz(byte[] valid, int rounds, long seed) throws IOException {
        Random rnd = new Random(seed);
        int accepted = 0;
        for (int round = 0; round < rounds; round++) {
            byte[] b = valid.clone();
            mutate(b, rnd);
            Files.write(file, b);
            try (GgufFile f = GgufFile.open(file)) {
                exercise(f);
                accepted++;
            } catch (GgufFormatException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            } catch (Throwable t) {
                throw new AssertionError("mutation round " + round + " (seed " + seed + ") escaped as " + t, t);
            }
        }
        return accepted;
    }

    private static void mutate(byte[] b, Random rnd) {
        int kind = rnd.nextInt(4);
        int edits = 1 + rnd.nextInt(3);
        for (int i = 0; i < edits; i++) {
            int pos = rnd.nextInt(b.length);
            switch (kind) {
                case 0 -> b[pos] = (byte) rnd.nextInt(256);
                case 1 -> b[pos] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> b[pos] = (byte) (rnd.nextBoolean() ? 0xff : 0x00);
                default -> { // a plausible-looking but wrong 64-bit field at an 8-byte-aligned spot
                    int at = Math.min(pos & ~7, b.length - 8);
                    long v = switch (rnd.nextInt(4)) {
                        case 0 -> rnd.nextLong();
                        case 1 -> 1L << rnd.nextInt(63);
                        case 2 -> rnd.nextInt(1 << 16);
                        default -> -1L;
                    };
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
                }
            }
        }
    }

    /** What a loader does with a file it accepted: none of it may fail with anything but a DjinnException. */
    private static void exercise(GgufFile f) {
        assertThat(GgufValues.describe(f.metadata())).isNotNull();
        for (String name : f.tensorInfos().keySet()) {
            Tensor t = f.tensor(name);
            if (Dequantizer.supports(t.type())) {
                Dequantizer.toFloats(t);
            }
        }
        Consumer<Runnable> tolerateTypeMismatch = r -> {
            try {
                r.run();
            } catch (GgufFormatException ignored) {
                // a mutated type byte makes a key hold another type: the accessors say so in a DjinnException
            }
        };
        tolerateTypeMismatch.accept(() -> f.metadata().intOr("llama.block_count", 0));
        tolerateTypeMismatch.accept(() -> f.metadata().stringArray("tokenizer.ggml.tokens"));
        tolerateTypeMismatch.accept(() -> f.metadata().floatArray("tokenizer.ggml.scores"));
        tolerateTypeMismatch.accept(() -> f.metadata().intArray("nested"));
        tolerateTypeMismatch.accept(() -> f.metadata().floatOr("llama.rope.freq_base", 0));
        tolerateTypeMismatch.accept(() -> f.metadata().boolOr("flag", false));
    }

    @Test
    void missingFilesAndDirectoriesAreFormatErrors() {
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("nope.gguf")))
                .isInstanceOf(GgufFormatException.class).hasMessageContaining("not found");
        assertThatThrownBy(() -> GgufFile.open(dir))
                .isInstanceOf(GgufFormatException.class).hasMessageContaining("directory");
    }
}
