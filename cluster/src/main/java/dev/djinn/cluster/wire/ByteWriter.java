package dev.djinn.cluster.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable little-endian byte buffer with LEB128 varints, used by every djinn cluster message. */
public final class ByteWriter {
    private byte[] buf;
    private int pos;

    public ByteWriter() {
        this(64);
    }

    public ByteWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    public int size() {
        return pos;
    }

    public byte[] array() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    /** Makes room for {@code n} more bytes and returns the offset where they go (the caller fills them). */
    public int reserve(int n) {
        ensure(n);
        int at = pos;
        pos += n;
        return at;
    }

    /** Drops everything after {@code size} bytes (to undo a {@link #reserve} that was not fully used). */
    public void truncate(int size) {
        pos = size;
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    public ByteWriter u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    public ByteWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    public ByteWriter i32(int v) {
        ensure(4);
        buf[pos] = (byte) v;
        buf[pos + 1] = (byte) (v >>> 8);
        buf[pos + 2] = (byte) (v >>> 16);
        buf[pos + 3] = (byte) (v >>> 24);
        pos += 4;
        return this;
    }

    public ByteWriter i64(long v) {
        i32((int) v);
        return i32((int) (v >>> 32));
    }

    public ByteWriter f32(float v) {
        return i32(Float.floatToRawIntBits(v));
    }

    public ByteWriter f64(double v) {
        return i64(Double.doubleToRawLongBits(v));
    }

    /** Unsigned LEB128 (the value is treated as unsigned). */
    public ByteWriter varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return this;
    }

    /** Zig-zag signed varint (small negative numbers stay short). */
    public ByteWriter svarint(long v) {
        return varint((v << 1) ^ (v >> 63));
    }

    public ByteWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    public ByteWriter bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
        return this;
    }

    /** A varint length, then the bytes. */
    public ByteWriter blob(byte[] b) {
        varint(b.length);
        return bytes(b);
    }

    public ByteWriter string(String s) {
        return blob(s.getBytes(StandardCharsets.UTF_8));
    }
}
