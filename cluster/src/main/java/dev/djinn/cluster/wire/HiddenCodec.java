package dev.djinn.cluster.wire;

import com.github.luben.zstd.Zstd;
import dev.djinn.core.tensor.Dequantizer;
import dev.djinn.core.tensor.GgmlType;
import dev.djinn.core.tensor.Quantizer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Encodes and decodes the hidden state of a batch ({@code rows x dim} floats, row-major) in a
 * {@link WireFormat}. Q8_0 rows are quantized exactly like ggml's {@code quantize_row_q8_0_ref}; a row whose
 * width is not a multiple of 32 is zero-padded to the next block. A compressed payload starts with the
 * varint length of the uncompressed bytes. Thread-safe (scratch buffers are per thread).
 */
public final class HiddenCodec {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    private static final LZ4Compressor LZ4_COMPRESSOR = LZ4.fastCompressor();
    private static final LZ4FastDecompressor LZ4_DECOMPRESSOR = LZ4.fastDecompressor();
    /** zstd level 1: the fastest, as hidden states compress little at any level. */
    private static final int ZSTD_LEVEL = 1;
    private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[32]);
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1][0]);

    private HiddenCodec() {
    }

    /** Appends the encoding of {@code rows} rows of {@code hidden} to {@code out}. */
    public static void encode(float[] hidden, int rows, int dim, WireFormat format, ByteWriter out) {
        int raw = rows * format.rowBytes(dim);
        if (format.compression() == WireFormat.Compression.NONE) {
            int at = out.reserve(raw);
            encodeRaw(hidden, rows, dim, format.encoding(), out.array(), at);
            return;
        }
        byte[] tmp = scratch(raw);
        encodeRaw(hidden, rows, dim, format.encoding(), tmp, 0);
        out.varint(raw);
        switch (format.compression()) {
            case LZ4 -> {
                int max = LZ4_COMPRESSOR.maxCompressedLength(raw);
                int at = out.reserve(max);
                int n = LZ4_COMPRESSOR.compress(tmp, 0, raw, out.array(), at, max);
                out.truncate(at + n);
            }
            case ZSTD -> {
                int max = (int) Zstd.compressBound(raw);
                int at = out.reserve(max);
                long n = Zstd.compressByteArray(out.array(), at, max, tmp, 0, raw, ZSTD_LEVEL);
                if (Zstd.isError(n)) {
                    throw new WireException("zstd compression failed: " + Zstd.getErrorName(n));
                }
                out.truncate(at + (int) n);
            }
            case NONE -> throw new IllegalStateException();
        }
    }

    /** Decodes {@code rows x dim} values from the rest of {@code in} into {@code dst}. */
    public static void decode(ByteReader in, int rows, int dim, WireFormat format, float[] dst) {
        int raw = rows * format.rowBytes(dim);
        byte[] src;
        int off;
        if (format.compression() == WireFormat.Compression.NONE) {
            if (in.remaining() != raw) {
                throw new WireException("hidden state of " + rows + "x" + dim + " " + format + " needs " + raw
                        + " bytes, got " + in.remaining());
            }
            src = in.array();
            off = in.position();
        } else {
            int declared = in.count();
            if (declared != raw) {
                throw new WireException("compressed hidden state declares " + declared + " bytes, expected " + raw);
            }
            src = scratch(raw);
            off = 0;
            int at = in.position();
            int n = in.remaining();
            switch (format.compression()) {
                case LZ4 -> {
                    int used = LZ4_DECOMPRESSOR.decompress(in.array(), at, src, 0, raw);
                    if (used != n) {
                        throw new WireException("lz4 payload has " + n + " bytes, the stream used " + used);
                    }
                }
                case ZSTD -> {
                    long got = Zstd.decompressByteArray(src, 0, raw, in.array(), at, n);
                    if (Zstd.isError(got) || got != raw) {
                        throw new WireException("zstd payload is corrupt");
                    }
                }
                case NONE -> throw new IllegalStateException();
            }
        }
        in.skip(in.remaining());
        decodeRaw(src, off, rows, dim, format.encoding(), dst);
    }

    private static byte[] scratch(int n) {
        byte[][] holder = SCRATCH.get();
        if (holder[0].length < n) {
            holder[0] = new byte[Math.max(n, holder[0].length * 2)];
        }
        return holder[0];
    }

    private static void encodeRaw(float[] x, int rows, int dim, WireFormat.Encoding e, byte[] dst, int off) {
        MemorySegment seg = MemorySegment.ofArray(dst);
        switch (e) {
            case F32 -> MemorySegment.copy(x, 0, seg, F32, off, rows * dim);
            case F16 -> {
                int n = rows * dim;
                for (int i = 0; i < n; i++) {
                    seg.set(F16, off + 2L * i, Float.floatToFloat16(x[i]));
                }
            }
            case Q8_0 -> {
                int full = dim / 32;
                int rowBytes = (dim + 31) / 32 * 34;
                float[] block = BLOCK.get();
                for (int r = 0; r < rows; r++) {
                    long o = off + (long) r * rowBytes;
                    if (full > 0) {
                        Quantizer.quantize(GgmlType.Q8_0, x, r * dim, full * 32, seg, o);
                    }
                    int tail = dim - full * 32;
                    if (tail > 0) {
                        java.util.Arrays.fill(block, 0f);
                        System.arraycopy(x, r * dim + full * 32, block, 0, tail);
                        Quantizer.quantize(GgmlType.Q8_0, block, 0, 32, seg, o + full * 34L);
                    }
                }
            }
        }
    }

    private static void decodeRaw(byte[] src, int off, int rows, int dim, WireFormat.Encoding e, float[] dst) {
        MemorySegment seg = MemorySegment.ofArray(src);
        switch (e) {
            case F32 -> MemorySegment.copy(seg, F32, off, dst, 0, rows * dim);
            case F16 -> {
                int n = rows * dim;
                for (int i = 0; i < n; i++) {
                    dst[i] = Float.float16ToFloat(seg.get(F16, off + 2L * i));
                }
            }
            case Q8_0 -> {
                int full = dim / 32;
                int rowBytes = (dim + 31) / 32 * 34;
                float[] block = BLOCK.get();
                for (int r = 0; r < rows; r++) {
                    long o = off + (long) r * rowBytes;
                    if (full > 0) {
                        Dequantizer.dequantize(GgmlType.Q8_0, seg, o, dst, r * dim, full * 32);
                    }
                    int tail = dim - full * 32;
                    if (tail > 0) {
                        Dequantizer.dequantize(GgmlType.Q8_0, seg, o + full * 34L, block, 0, 32);
                        System.arraycopy(block, 0, dst, r * dim + full * 32, tail);
                    }
                }
            }
        }
    }
}
