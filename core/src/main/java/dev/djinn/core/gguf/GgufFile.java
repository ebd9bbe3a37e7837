package dev.djinn.core.gguf;

import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GGUF (v2 or v3) file mapped into memory. The header is parsed eagerly and validated against the file's
 * size, so a malformed file fails here with one {@link GgufFormatException}; tensor data is never copied:
 * {@link #tensor(String)} returns a slice of the mapping.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    public static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;
    /** Arrays may hold arrays, at most this deep; real files nest none, and the limit bounds the recursion. */
    static final int MAX_ARRAY_NESTING = 8;
    /**
     * The most heap the parsed metadata may take, estimated as it is read: a corrupt count or length must
     * fail with a message rather than exhaust memory. Real vocabularies need a few tens of MiB.
     */
    private static final long METADATA_HEAP_BUDGET = Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 4);

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensorInfos;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, MemorySegment file) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        Cursor in = new Cursor(file);
        if (file.byteSize() < 4 || in.u32() != MAGIC) {
            throw new GgufFormatException(path + " is not a GGUF file (wrong magic)");
        }
        int v = in.i32();
        if (v == 1) {
            throw new GgufFormatException(path + " is GGUF version 1, which is obsolete; convert it with a newer llama.cpp");
        }
        if (v != 2 && v != 3) {
            if (Integer.reverseBytes(v) == 2 || Integer.reverseBytes(v) == 3) {
                throw new GgufFormatException(path + " is a big-endian GGUF file, which djinn does not read");
            }
            throw new GgufFormatException(path + " has unsupported GGUF version " + v);
        }
        this.version = v;
        long tensorCount = in.u64("tensor count");
        long kvCount = in.u64("metadata count");
        // every key-value pair takes at least 8 (key length) + 4 (type) + 1 bytes; a tensor info at least 24
        in.checkCount(kvCount, 13, "metadata count");
        in.checkCount(tensorCount, 24, "tensor count");

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key");
            GgufValueType type = valueType(in.i32(), key);
            GgufValue value = readValue(in, key, type);
            if (kv.put(key, value) != null) {
                throw new GgufFormatException(path + ": duplicate metadata key " + key);
            }
        }
        this.metadata = new GgufMetadata(kv);
        this.alignment = alignment(kv.get("general.alignment"));

        Map<String, GgufTensorInfo> infos = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo info = readTensorInfo(in);
            if (infos.put(info.name(), info) != null) {
                throw new GgufFormatException(path + ": duplicate tensor " + info.name());
            }
        }
        this.tensorInfos = Collections.unmodifiableMap(infos);
        long headerEnd = in.position();
        this.dataOffset = tensorCount == 0 ? Math.min(alignUp(headerEnd), file.byteSize()) : alignUp(headerEnd);
        for (GgufTensorInfo info : infos.values()) {
            validatePlacement(info);
        }
    }

    /** Maps and parses {@code path}; the caller closes the returned file to unmap it. */
    public static GgufFile open(Path path) {
        if (!Files.exists(path)) {
            throw new GgufFormatException("model file not found: " + path);
        }
        if (Files.isDirectory(path)) {
            throw new GgufFormatException(path + " is a directory, not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 24) {
                throw new GgufFormatException(path + " is not a GGUF file (only " + size + " bytes)");
            }
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new GgufFile(path, arena, plainNative(mapped, arena));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new GgufFormatException("model file not found: " + path);
        } catch (IOException e) {
            arena.close();
            throw new GgufFormatException("cannot read " + path + ": " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The same memory as a plain native segment. Kernels also read KV caches and scratch buffers, which are
     * native segments; had the weights another segment class (a mapped one), the JIT would compile the shared
     * access paths for two classes and stop hoisting their checks out of the kernels' loops: measured 1.5-2x
     * slower matrix multiplies once both kinds had passed through them.
     */
    private static MemorySegment plainNative(MemorySegment mapped, Arena arena) {
        return MemorySegment.ofAddress(mapped.address()).reinterpret(mapped.byteSize(), arena, null).asReadOnly();
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute file offset of the tensor data section. */
    public long dataOffset() {
        return dataOffset;
    }

    public long fileSize() {
        return file.byteSize();
    }

    public Map<String, GgufTensorInfo> tensorInfos() {
        return tensorInfos;
    }

    public boolean hasTensor(String name) {
        return tensorInfos.containsKey(name);
    }

    /** The tensor's bytes as a slice of the mapping; nothing is read until the slice is used. */
    public Tensor tensor(String name) {
        GgufTensorInfo info = tensorInfos.get(name);
        if (info == null) {
            throw new GgufFormatException(path + ": tensor " + name + " is missing");
        }
        MemorySegment data = file.asSlice(dataOffset + info.offset(), info.byteSize());
        return new Tensor(info.name(), info.type(), info.shape(), data);
    }

    @Override
    public void close() {
        arena.close();
    }

    private int alignment(GgufValue value) {
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!value.type().isInteger()) {
            throw new GgufFormatException(path + ": general.alignment should be an integer but is " + value.type());
        }
        long align = (Long) value.value();
        if (align <= 0 || align > (1 << 20) || Long.bitCount(align) != 1) {
            throw new GgufFormatException(path + ": general.alignment " + Long.toUnsignedString(align)
                    + " is not a power of two up to 2^20");
        }
        return (int) align;
    }

    private GgufValueType valueType(int id, String key) {
        try {
            return GgufValueType.fromId(id);
        } catch (GgufFormatException e) {
            throw new GgufFormatException(path + ": metadata " + key + " has unknown value type " + id);
        }
    }

    private long alignUp(long offset) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    private GgufValue readValue(Cursor in, String key, GgufValueType type) {
        return new GgufValue(type, switch (type) {
            case ARRAY -> readArray(in, key, 0);
            default -> readScalar(in, key, type);
        });
    }

    private Object readScalar(Cursor in, String key, GgufValueType type) {
        return switch (type) {
            case UINT8 -> (long) (in.u8() & 0xff);
            case INT8 -> (long) in.u8();
            case UINT16 -> (long) (in.i16() & 0xffff);
            case INT16 -> (long) in.i16();
            case UINT32 -> in.i32() & 0xffffffffL;
            case INT32 -> (long) in.i32();
            case UINT64, INT64 -> in.i64();
            case FLOAT32 -> in.f32();
            case FLOAT64 -> in.f64();
            case BOOL -> {
                byte b = in.u8();
                if (b != 0 && b != 1) {
                    throw new GgufFormatException(path + ": metadata " + key + " has invalid bool value " + b);
                }
                yield b == 1;
            }
            case STRING -> in.string("value of " + key);
            case ARRAY -> throw new IllegalStateException("arrays are read by readArray");
        };
    }

    private GgufArray readArray(Cursor in, String key, int depth) {
        if (depth >= MAX_ARRAY_NESTING) {
            throw new GgufFormatException(path + ": metadata " + key + " nests arrays too deeply");
        }
        GgufValueType elementType = valueType(in.i32(), key);
        long count = in.u64("array length of " + key);
        in.checkCount(count, elementType.minBytes(), "array length of " + key);
        in.charge(16 + count * heapBytes(elementType), "array " + key);
        int n = (int) count; // the budget keeps it far below Integer.MAX_VALUE
        Object values = switch (elementType) {
            case UINT8, INT8 -> in.bytes(n);
            case UINT16, INT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) a[i] = in.i16();
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = in.i32();
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = in.i64();
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = in.f32();
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) a[i] = in.f64();
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) a[i] = in.u8() != 0;
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = in.string("element " + i + " of " + key);
                yield a;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[n];
                for (int i = 0; i < n; i++) a[i] = readArray(in, key, depth + 1);
                yield a;
            }
        };
        return new GgufArray(elementType, values);
    }

    /** Heap taken by one element of an array, not counting what strings and nested arrays charge themselves. */
    private static long heapBytes(GgufValueType elementType) {
        return switch (elementType) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64, STRING, ARRAY -> 8;
        };
    }

    private GgufTensorInfo readTensorInfo(Cursor in) {
        String name = in.string("tensor name");
        int nDims = in.i32();
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw new GgufFormatException(path + ": tensor " + name + " has " + nDims + " dimensions (1 to 4 allowed)");
        }
        long[] shape = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            shape[d] = in.i64();
            if (shape[d] <= 0 || shape[d] > (1L << 40)) {
                throw new GgufFormatException(path + ": tensor " + name + " has invalid dimension " + shape[d]);
            }
            elements = Math.multiplyHigh(elements, shape[d]) != 0 || elements * shape[d] > (1L << 50)
                    ? -1 : elements * shape[d];
            if (elements < 0) {
                throw new GgufFormatException(path + ": tensor " + name + " has an absurd element count");
            }
        }
        GgmlType type;
        int typeId = in.i32();
        try {
            type = GgmlType.fromId(typeId);
        } catch (GgufFormatException e) {
            throw new GgufFormatException(path + ": tensor " + name + " has unknown type id " + typeId);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new GgufFormatException(path + ": tensor " + name + " has rows of " + shape[0]
                    + " values, not a multiple of the " + type + " block size " + type.blockSize());
        }
        long offset = in.i64();
        return new GgufTensorInfo(name, shape, type, offset);
    }

    private void validatePlacement(GgufTensorInfo info) {
        long offset = info.offset();
        if (offset < 0 || offset % alignment != 0) {
            throw new GgufFormatException(path + ": tensor " + info.name() + " has offset "
                    + Long.toUnsignedString(offset) + ", not a multiple of the alignment " + alignment);
        }
        // each term is below 2^62 here, so the sum cannot overflow
        long end = offset > file.byteSize() ? Long.MAX_VALUE : dataOffset + offset + info.byteSize();
        if (end > file.byteSize()) {
            throw new GgufFormatException(path + ": tensor " + info.name() + " lies outside the file (its "
                    + info.byteSize() + " bytes at data offset " + offset + " end past byte " + file.byteSize()
                    + "); the file is truncated or corrupt");
        }
    }

    /** Bounds-checked little-endian reader over the header. */
    private final class Cursor {
        private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final MemorySegment seg;
        private long pos;
        private long budget = METADATA_HEAP_BUDGET;

        Cursor(MemorySegment seg) {
            this.seg = seg;
        }

        long position() {
            return pos;
        }

        private void need(long n) {
            if (n < 0 || pos + n > seg.byteSize()) {
                throw new GgufFormatException(path + " is truncated: the header needs " + n + " more bytes at offset "
                        + pos + " but the file has " + seg.byteSize());
            }
        }

        /** Rejects counts whose minimal encoding alone would not fit in the rest of the file. */
        void checkCount(long count, int minBytesEach, String what) {
            long remaining = seg.byteSize() - pos;
            if (count < 0 || count > remaining / Math.max(1, minBytesEach)) {
                throw new GgufFormatException(path + ": " + what + " " + Long.toUnsignedString(count)
                        + " is impossible for a file of " + seg.byteSize() + " bytes");
            }
        }

        /** Counts {@code bytes} of heap against the metadata budget before they are allocated. */
        void charge(long bytes, String what) {
            budget -= bytes;
            if (bytes < 0 || budget < 0) {
                throw new GgufFormatException(path + ": the metadata would need more than "
                        + (METADATA_HEAP_BUDGET >> 20) + " MiB of memory by " + what + "; the file is corrupt");
            }
        }

        byte u8() {
            need(1);
            return seg.get(ValueLayout.JAVA_BYTE, pos++);
        }

        short i16() {
            need(2);
            short v = seg.get(SHORT, pos);
            pos += 2;
            return v;
        }

        int i32() {
            need(4);
            int v = seg.get(INT, pos);
            pos += 4;
            return v;
        }

        int u32() {
            return i32();
        }

        long i64() {
            need(8);
            long v = seg.get(LONG, pos);
            pos += 8;
            return v;
        }

        long u64(String what) {
            long v = i64();
            if (v < 0) {
                throw new GgufFormatException(path + ": " + what + " " + Long.toUnsignedString(v) + " is absurd");
            }
            return v;
        }

        float f32() {
            need(4);
            float v = seg.get(FLOAT, pos);
            pos += 4;
            return v;
        }

        double f64() {
            need(8);
            double v = seg.get(DOUBLE, pos);
            pos += 8;
            return v;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = new byte[n];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, out, 0, n);
            pos += n;
            return out;
        }

        String string(String what) {
            long len = u64("length of " + what);
            if (len > seg.byteSize() - pos) {
                throw new GgufFormatException(path + ": " + what + " claims " + len + " bytes but only "
                        + (seg.byteSize() - pos) + " remain");
            }
            charge(48 + 2 * len, what); // the byte[] read and the String made from it
            // invalid UTF-8 (possible in some vocabularies) decodes with replacement characters rather than failing
            return new String(bytes((int) len), StandardCharsets.UTF_8);
        }
    }
}
