package dev.djinn.cluster.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads what a {@link ByteWriter} wrote; any overrun is a {@link WireException}. */
public final class ByteReader {
    private final byte[] buf;
    private final int end;
    private int pos;

    public ByteReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public ByteReader(byte[] buf, int off, int len) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    public int position() {
        return pos;
    }

    public int remaining() {
        return end - pos;
    }

    public byte[] array() {
        return buf;
    }

    public void skip(int n) {
        need(n);
        pos += n;
    }

    private void need(int n) {
        if (n < 0 || pos + n > end) {
            throw new WireException("truncated message: needs " + n + " bytes at " + pos + ", has " + (end - pos));
        }
    }

    public int u8() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public boolean bool() {
        return u8() != 0;
    }

    public int i32() {
        need(4);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    public long i64() {
        long lo = i32() & 0xFFFFFFFFL;
        long hi = i32() & 0xFFFFFFFFL;
        return lo | hi << 32;
    }

    public float f32() {
        return Float.intBitsToFloat(i32());
    }

    public double f64() {
        return Double.longBitsToDouble(i64());
    }

    public long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new WireException("varint too long");
    }

    /** A varint that must fit a non-negative int. */
    public int count() {
        long v = varint();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new WireException("count out of range: " + v);
        }
        return (int) v;
    }

    public long svarint() {
        long v = varint();
        return (v >>> 1) ^ -(v & 1);
    }

    public byte[] bytes(int n) {
        need(n);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    public byte[] blob() {
        return bytes(count());
    }

    public String string() {
        int n = count();
        need(n);
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }
}
