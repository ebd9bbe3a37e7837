package dev.djinn.core.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated tokens into text as they arrive. A character whose UTF-8 bytes are split over several tokens
 * (an emoji from {@code <0xNN>} byte tokens, or from BPE byte symbols) is held back until it is complete, so it is
 * returned once and whole. One decoder per generation; not thread-safe.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[0];

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds a token; returns the text that is now complete (possibly empty). */
    public String push(int token) {
        byte[] piece = tokenizer.pieceBytes(token);
        byte[] bytes = Arrays.copyOf(pending, pending.length + piece.length);
        System.arraycopy(piece, 0, bytes, pending.length, piece.length);
        int complete = bytes.length - incompleteTail(bytes);
        pending = Arrays.copyOfRange(bytes, complete, bytes.length);
        return new String(bytes, 0, complete, StandardCharsets.UTF_8);
    }

    /** Returns whatever is still held back, an unfinished sequence as U+FFFD, and starts over. */
    public String flush() {
        String rest = new String(pending, StandardCharsets.UTF_8);
        pending = new byte[0];
        return rest;
    }

    /**
     * How many trailing bytes form the start of a multi-byte sequence that more bytes could still complete.
     * Anything that can never become valid is released at once (and decoded as U+FFFD).
     */
    static int incompleteTail(byte[] bytes) {
        int n = bytes.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int b = bytes[n - back] & 0xff;
            if ((b & 0xC0) == 0x80) {
                continue; // a continuation byte: keep looking for the lead byte
            }
            int needed = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? (b < 0xF0 ? 3 : 0) : b >= 0xC2 ? 2 : 0;
            return needed > back && validPrefix(bytes, n - back, back) ? back : 0;
        }
        return 0;
    }

    /** Whether the {@code count} bytes at {@code start} (lead byte first) are a valid, unfinished UTF-8 prefix. */
    private static boolean validPrefix(byte[] bytes, int start, int count) {
        if (count < 2) {
            return true;
        }
        int lead = bytes[start] & 0xff;
        int second = bytes[start + 1] & 0xff;
        return switch (lead) {
            case 0xE0 -> second >= 0xA0;            // no overlong 3-byte forms
            case 0xED -> second <= 0x9F;            // no surrogates
            case 0xF0 -> second >= 0x90;            // no overlong 4-byte forms
            case 0xF4 -> second <= 0x8F;            // nothing past U+10FFFF
            default -> true;
        };
    }
}
