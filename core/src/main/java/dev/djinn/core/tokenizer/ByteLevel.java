package dev.djinn.core.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * GPT-2's byte-to-unicode table: printable Latin-1 bytes stand for themselves, the other 68 bytes are shifted to
 * U+0100..U+0143, so every byte string becomes a string of visible characters.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : 256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xff];
    }

    static String encode(byte[] bytes, int offset, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[offset + i] & 0xff];
        }
        return new String(chars);
    }

    /**
     * The bytes a vocabulary string stands for. A character outside the table is written the way llama.cpp's
     * {@code llama_decode_text} writes it: {@code [UNK_BYTE_0x<utf8 hex><whole text>]}.
     */
    static byte[] decode(String text) {
        byte[] fast = new byte[text.length()];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= CHAR_TO_BYTE.length || CHAR_TO_BYTE[c] < 0) {
                return decodeSlow(text);
            }
            fast[i] = (byte) CHAR_TO_BYTE[c];
        }
        return fast;
    }

    private static byte[] decodeSlow(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                String utf8Hex = HexFormat.of().formatHex(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
                out.writeBytes(("[UNK_BYTE_0x" + utf8Hex + text + "]").getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }
}
