package dev.djinn.cluster.store;

import dev.djinn.cluster.plan.ModelCost;
import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.model.LayerRange;
import dev.djinn.core.model.ModelConfig;
import dev.djinn.core.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;

/**
 * The model as this node has it: either the whole GGUF file, or a sparse copy in the cache folder that holds
 * the original header (so metadata, tokenizer and tensor table are complete) and only the tensor bytes this
 * node fetched. The copy is filled in fixed {@link #CHUNK}s of the file; {@code <file>.chunks} beside it logs
 * each chunk once its CRC32C has been checked and its bytes written, so a fetch interrupted at any point
 * resumes with the chunks still missing. Tensors whose chunks are absent read as zeros and are never used:
 * a node computes only the layers it holds.
 *
 * <p>The model id is the SHA-256 of the header (everything before the tensor data) and the file size, so two
 * nodes agree on the model without reading its weights.
 */
public final class ModelStore implements AutoCloseable {
    public static final int CHUNK = 1 << 20;

    private final Path path;
    private final boolean full;
    private final GgufFile file;
    private final ModelConfig config;
    private final String modelId;
    private final BitSet chunks;
    private final Path log;
    private Tokenizer tokenizer;

    private ModelStore(Path path, boolean full, GgufFile file, String modelId, BitSet chunks, Path log) {
        this.path = path;
        this.full = full;
        this.file = file;
        this.config = ModelConfig.from(file);
        this.modelId = modelId;
        this.chunks = chunks;
        this.log = log;
    }

    /** The whole model file. */
    public static ModelStore openFile(Path model) {
        GgufFile f = GgufFile.open(model);
        try {
            return new ModelStore(model, true, f, idOf(model, f.dataOffset(), f.fileSize()), null, null);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** The cached partial copy for {@code name} in {@code cacheDir}, or null when there is none. */
    public static ModelStore openCached(Path cacheDir, String name) {
        Path p = cachePath(cacheDir, name);
        Path logPath = logPath(p);
        if (!Files.isRegularFile(p) || !Files.isRegularFile(logPath)) {
            return null;
        }
        GgufFile f = GgufFile.open(p);
        try {
            return new ModelStore(p, false, f, idOf(p, f.dataOffset(), f.fileSize()), readLog(logPath), logPath);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Starts a partial copy from a peer's header: the header is written, the rest is a hole. */
    public static ModelStore createCached(Path cacheDir, String name, String expectedId, long fileSize, byte[] header) {
        Path p = cachePath(cacheDir, name);
        try {
            Files.createDirectories(p.getParent());
            Path logPath = logPath(p);
            Files.deleteIfExists(logPath);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SPARSE)) {
                ch.write(ByteBuffer.wrap(header), 0);
                if (fileSize > header.length) {
                    ch.write(ByteBuffer.wrap(new byte[1]), fileSize - 1); // sets the size, leaving a hole
                }
            }
            Files.write(logPath, new byte[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
        ModelStore s = openCached(cacheDir, name);
        if (s == null || !s.modelId.equals(expectedId)) {
            throw new DjinnException("the model header received from the peer does not match its id");
        }
        return s;
    }

    public static Path cachePath(Path cacheDir, String name) {
        String base = name.endsWith(".gguf") ? name : name + ".gguf";
        return cacheDir.resolve("models").resolve(base);
    }

    private static Path logPath(Path p) {
        return p.resolveSibling(p.getFileName() + ".chunks");
    }

    private static BitSet readLog(Path logPath) {
        try {
            byte[] b = Files.readAllBytes(logPath);
            ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            BitSet s = new BitSet();
            while (bb.remaining() >= 4) { // a torn last record (crash mid-append) is ignored
                s.set(bb.getInt());
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String idOf(Path p, long dataOffset, long fileSize) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long pos = 0;
            while (pos < dataOffset) {
                buf.clear().limit((int) Math.min(buf.capacity(), dataOffset - pos));
                int n = ch.read(buf, pos);
                if (n < 0) {
                    break;
                }
                md.update(buf.flip());
                pos += n;
            }
            for (int i = 0; i < 8; i++) {
                md.update((byte) (fileSize >>> (8 * i)));
            }
            return HexFormat.of().formatHex(md.digest(), 0, 12);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path path() {
        return path;
    }

    public boolean full() {
        return full;
    }

    public GgufFile file() {
        return file;
    }

    public ModelConfig config() {
        return config;
    }

    public String modelId() {
        return modelId;
    }

    public synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = Tokenizer.fromMetadata(file.metadata());
        }
        return tokenizer;
    }

    /** The header bytes (everything before the tensor data). */
    public byte[] header() {
        return read(0, (int) file.dataOffset());
    }

    public long fileSize() {
        return file.fileSize();
    }

    /** Chunk indices that the tensors of {@code range} occupy. */
    public BitSet chunksFor(LayerRange range) {
        BitSet out = new BitSet();
        for (String name : ModelCost.tensorsFor(file, config, range)) {
            GgufTensorInfo t = file.tensorInfos().get(name);
            long from = file.dataOffset() + t.offset();
            long to = from + t.byteSize();
            if (to > from) {
                out.set((int) (from / CHUNK), (int) ((to - 1) / CHUNK) + 1);
            }
        }
        return out;
    }

    /** Chunks of {@code range} not on disk yet (none for a whole file). */
    public synchronized BitSet missing(LayerRange range) {
        BitSet need = chunksFor(range);
        if (!full) {
            need.andNot(chunks);
        } else {
            need.clear();
        }
        return need;
    }

    public boolean has(LayerRange range) {
        return missing(range).isEmpty();
    }

    public synchronized boolean hasChunk(int index) {
        return full || chunks.get(index);
    }

    /** Layers on disk: bit l for layer l, bit layers for the embedding, layers + 1 for the head. */
    public synchronized BitSet layersOnDisk() {
        int n = config.layers();
        BitSet b = new BitSet();
        if (full) {
            b.set(0, n + 2);
            return b;
        }
        boolean tied = !file.hasTensor("output.weight");
        for (int l = 0; l <= n + 1; l++) {
            String prefix = "blk." + l + ".";
            BitSet need = new BitSet();
            for (GgufTensorInfo t : file.tensorInfos().values()) {
                String name = t.name();
                boolean want = l < n ? name.startsWith(prefix)
                        : l == n ? name.equals("token_embd.weight")
                        : name.equals("output_norm.weight") || name.equals("output.weight")
                        || (tied && name.equals("token_embd.weight"));
                if (want || name.equals("rope_freqs.weight")) {
                    long from = file.dataOffset() + t.offset();
                    long to = from + t.byteSize();
                    if (to > from) {
                        need.set((int) (from / CHUNK), (int) ((to - 1) / CHUNK) + 1);
                    }
                }
            }
            need.andNot(chunks);
            if (need.isEmpty()) {
                b.set(l);
            }
        }
        return b;
    }

    /** True when the parts of the model {@code range} needs are all in {@code have} (see {@link #layersOnDisk}). */
    public static boolean covers(BitSet have, LayerRange range, int layers) {
        if (range.size() == 0) {
            return true;
        }
        for (int l = range.start(); l < range.end(); l++) {
            if (!have.get(l)) {
                return false;
            }
        }
        return (range.start() != 0 || have.get(layers)) && (range.end() != layers || have.get(layers + 1));
    }

    public int chunkLength(int index) {
        long from = (long) index * CHUNK;
        return (int) Math.min(CHUNK, fileSize() - from);
    }

    public byte[] read(long offset, int length) {
        byte[] out = new byte[length];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(out);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new IOException("unexpected end of " + path);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Stores a verified chunk and logs it. */
    public synchronized void writeChunk(FileChannel data, FileChannel logCh, int index, byte[] bytes)
            throws IOException {
        if (full) {
            throw new IllegalStateException("the whole model is here already");
        }
        if (bytes.length != chunkLength(index)) {
            throw new IOException("chunk " + index + " has " + bytes.length + " bytes, expected " + chunkLength(index));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long pos = (long) index * CHUNK;
        while (b.hasRemaining()) {
            pos += data.write(b, pos);
        }
        ByteBuffer rec = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(index).flip();
        while (rec.hasRemaining()) {
            logCh.write(rec);
        }
        chunks.set(index);
    }

    public FileChannel openData() throws IOException {
        return FileChannel.open(path, StandardOpenOption.WRITE);
    }

    public FileChannel openLog() throws IOException {
        return FileChannel.open(log, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Sorted list of chunk indices in a set. */
    public static List<Integer> list(BitSet s) {
        List<Integer> out = new ArrayList<>();
        for (int i = s.nextSetBit(0); i >= 0; i = s.nextSetBit(i + 1)) {
            out.add(i);
        }
        return out;
    }

    @Override
    public void close() {
        file.close();
    }
}
