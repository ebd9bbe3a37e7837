package dev.djinn.cluster.wire;

import dev.djinn.core.DjinnException;

import java.util.Locale;

/**
 * How hidden states travel between pipeline stages: an element encoding, optionally followed by a general
 * compressor over the encoded bytes. Written as {@code f32}, {@code f16}, {@code q8_0}, optionally with
 * {@code +lz4} or {@code +zstd}; one byte on the wire ({@link #id()}).
 */
public record WireFormat(Encoding encoding, Compression compression) {
    /** The default: exact (the cluster gives the same tokens as one machine); see docs/BENCHMARKS.md. */
    public static final WireFormat DEFAULT = new WireFormat(Encoding.F32, Compression.NONE);

    public enum Encoding {
        /** 4 bytes per value, exact. */
        F32,
        /** IEEE half precision, 2 bytes per value. */
        F16,
        /** ggml Q8_0 blocks: an fp16 scale and 32 signed bytes, 34 bytes per 32 values (rows zero-padded to 32). */
        Q8_0
    }

    public enum Compression {
        NONE, LZ4, ZSTD
    }

    public int id() {
        return encoding.ordinal() | compression.ordinal() << 4;
    }

    public static WireFormat fromId(int id) {
        int e = id & 0x0F;
        int c = id >>> 4;
        if (e >= Encoding.values().length || c >= Compression.values().length) {
            throw new WireException("unknown wire format id " + id);
        }
        return new WireFormat(Encoding.values()[e], Compression.values()[c]);
    }

    public static WireFormat parse(String s) {
        String[] parts = s.toLowerCase(Locale.ROOT).split("\\+");
        if (parts.length > 2) {
            throw new DjinnException("wire format must be ENCODING[+COMPRESSION], not " + s);
        }
        Encoding e = switch (parts[0]) {
            case "f32" -> Encoding.F32;
            case "f16" -> Encoding.F16;
            case "q8_0", "q8" -> Encoding.Q8_0;
            default -> throw new DjinnException("wire encoding must be f32, f16 or q8_0, not " + parts[0]);
        };
        Compression c = Compression.NONE;
        if (parts.length == 2) {
            c = switch (parts[1]) {
                case "lz4" -> Compression.LZ4;
                case "zstd" -> Compression.ZSTD;
                case "none" -> Compression.NONE;
                default -> throw new DjinnException("wire compression must be lz4 or zstd, not " + parts[1]);
            };
        }
        return new WireFormat(e, c);
    }

    /** Bytes of one encoded row of {@code dim} values, before compression. */
    public int rowBytes(int dim) {
        return switch (encoding) {
            case F32 -> dim * 4;
            case F16 -> dim * 2;
            case Q8_0 -> (dim + 31) / 32 * 34;
        };
    }

    @Override
    public String toString() {
        String e = encoding.name().toLowerCase(Locale.ROOT);
        return compression == Compression.NONE ? e : e + "+" + compression.name().toLowerCase(Locale.ROOT);
    }
}
