package dev.djinn.core.gguf;

import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a GGUF version 3 file: metadata in insertion order, then tensor infos, then each tensor's data at the
 * next multiple of {@code general.alignment} (32 unless set), zero-padded, as ggml's writer lays it out.
 * Tensor bytes are streamed from a {@link TensorData} callback when {@link #write} reaches them, so files far
 * larger than the heap can be written. The file appears at its path only once it is complete.
 */
public final class GgufWriter {
    public static final int VERSION = 3;
    /** ggml's GGML_MAX_NAME counts the terminating NUL. */
    private static final int MAX_NAME_BYTES = 63;
    private static final int MAX_DIMS = 4;

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    /** Produces a tensor's bytes; it must write exactly the tensor's byte size to {@code out}. */
    @FunctionalInterface
    public interface TensorData {
        void writeTo(WritableByteChannel out) throws IOException;

        /** Writes the bytes of {@code segment} (which may exceed 2 GiB). */
        static TensorData of(MemorySegment segment) {
            return out -> {
                long chunk = 1L << 30;
                for (long pos = 0; pos < segment.byteSize(); pos += chunk) {
                    ByteBuffer b = segment.asSlice(pos, Math.min(chunk, segment.byteSize() - pos)).asByteBuffer();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            };
        }
    }

    private record PendingTensor(String name, GgmlType type, long[] shape, long byteSize, TensorData data) {
    }

    /** Sets {@code key}; a key set again moves to the end, as with ggml's {@code gguf_set_*}. */
    public GgufWriter put(String key, GgufValue value) {
        Objects.requireNonNull(value, "value");
        metadata.remove(Objects.requireNonNull(key, "key"));
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putAll(GgufMetadata source) {
        source.asMap().forEach(this::put);
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Adds a tensor whose bytes {@code data} will produce; {@code shape} is in ggml order. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorData data) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        long[] dims = shape.clone();
        checkName(name);
        if (dims.length < 1 || dims.length > MAX_DIMS) {
            throw new IllegalArgumentException("tensor " + name + " has " + dims.length + " dimensions (1 to 4 allowed)");
        }
        long elements = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor " + name + " has dimension " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + " has rows of " + dims[0] + " values, not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor " + name + " was added twice");
        }
        long bytes = Math.multiplyExact(elements / type.blockSize(), (long) type.typeSize());
        tensors.put(name, new PendingTensor(name, type, dims, bytes, data));
        return this;
    }

    /** Adds a tensor with its name, type, shape and bytes copied from {@code tensor}. */
    public GgufWriter addTensor(Tensor tensor) {
        return addTensor(tensor.name(), tensor.type(), tensor.shape(), TensorData.of(tensor.data()));
    }

    /**
     * Writes the file to {@code path}, replacing any file there. The data goes to {@code path + ".part"} first,
     * which is renamed only when complete, so a failure never leaves a truncated model behind.
     */
    public void write(Path path) throws IOException {
        int alignment = alignment();
        byte[] header = header(alignment);
        Path part = path.resolveSibling(path.getFileName() + ".part");
        boolean done = false;
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            BufferedOutput out = new BufferedOutput(ch);
            out.write(ByteBuffer.wrap(header));
            for (PendingTensor t : tensors.values()) {
                long before = out.written();
                t.data().writeTo(out);
                long wrote = out.written() - before;
                if (wrote != t.byteSize()) {
                    throw new IllegalStateException("tensor " + t.name() + ": its data wrote " + wrote
                            + " bytes but a " + t.type() + " tensor of that shape has " + t.byteSize());
                }
                out.write(ByteBuffer.allocate(padding(t.byteSize(), alignment)));
            }
            out.flush();
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(part);
            }
        }
        Files.move(part, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private int alignment() {
        GgufValue v = metadata.get("general.alignment");
        if (v == null) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        // ggml reads the alignment with gguf_get_val_u32, which insists on that type
        if (v.type() != GgufValueType.UINT32 || !(v.value() instanceof Long a) || a <= 0 || a > (1 << 20)
                || Long.bitCount(a) != 1) {
            throw new IllegalArgumentException("general.alignment must be a UINT32 power of two up to 2^20, not "
                    + v.type() + " " + v.value());
        }
        return (int) (long) a;
    }

    private byte[] header(int alignment) {
        GgufEncoder enc = new GgufEncoder();
        enc.i32(GgufFile.MAGIC);
        enc.i32(VERSION);
        enc.i64(tensors.size());
        enc.i64(metadata.size());
        metadata.forEach(enc::keyValue);
        long offset = 0;
        for (PendingTensor t : tensors.values()) {
            enc.string(t.name());
            enc.i32(t.shape().length);
            for (long d : t.shape()) {
                enc.i64(d);
            }
            enc.i32(t.type().id());
            enc.i64(offset);
            offset += t.byteSize() + padding(t.byteSize(), alignment);
        }
        enc.pad(alignment);
        return enc.toByteArray();
    }

    private static int padding(long size, int alignment) {
        return (int) ((alignment - size % alignment) % alignment);
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name " + name + " is longer than ggml's limit of "
                    + MAX_NAME_BYTES + " bytes");
        }
    }

    /** Collects small writes (a row at a time) into large ones and counts what passes through. */
    private static final class BufferedOutput implements WritableByteChannel {
        private final FileChannel file;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        private long written;

        BufferedOutput(FileChannel file) {
            this.file = file;
        }

        long written() {
            return written;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            if (n > buffer.remaining()) {
                flush();
            }
            if (n >= buffer.capacity()) {
                while (src.hasRemaining()) {
                    file.write(src);
                }
            } else {
                buffer.put(src);
            }
            written += n;
            return n;
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                file.write(buffer);
            }
            buffer.clear();
        }

        @Override
        public boolean isOpen() {
            return file.isOpen();
        }

        /** The writer owns the file; a callback closing the channel it was given must not end the file. */
        @Override
        public void close() {
        }
    }
}
