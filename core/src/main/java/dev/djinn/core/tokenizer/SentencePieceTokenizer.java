package dev.djinn.core.tokenizer;

import dev.djinn.core.gguf.GgufMetadata;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * llama.cpp's SentencePiece (BPE-by-score) tokenizer: spaces become U+2581, a space is prefixed after BOS or a
 * special token, then adjacent symbols are merged greedily, highest vocabulary score first (ties: leftmost first),
 * as long as the merged text is a token. Characters left without a token fall back to {@code <0xNN>} byte tokens.
 */
final class SentencePieceTokenizer extends BaseTokenizer {
    private static final char WORD_START = '\u2581';

    /** A candidate merge of symbol {@code left} with its right neighbour, {@code size} chars long in total. */
    private record Bigram(int left, int right, float score, int size) {
    }

    private final boolean addSpacePrefix;
    private final int[] byteTokens;

    private SentencePieceTokenizer(Vocabulary vocab, SpecialTokens special, boolean addSpacePrefix) {
        super(vocab, special, SentencePieceTokenizer::unescape);
        this.addSpacePrefix = addSpacePrefix;
        this.byteTokens = new int[256];
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = byteToken(vocab, special, b);
        }
    }

    static SentencePieceTokenizer load(GgufMetadata md) {
        Vocabulary vocab = Vocabulary.load(md);
        SpecialTokens special = SpecialTokens.resolve(md, vocab, new SpecialTokens.Defaults(1, 2, 0, true, false));
        return new SentencePieceTokenizer(vocab, special, md.boolOr("tokenizer.ggml.add_space_prefix", true));
    }

    @Override
    void encodeText(String fragment, boolean afterSpecial, IntList out) {
        String text = (addSpacePrefix && afterSpecial ? " " + fragment : fragment).replace(' ', WORD_START);
        int n = text.codePointCount(0, text.length());
        if (n == 0) {
            return;
        }
        // one symbol per code point, as a doubly linked list over text spans
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0, pos = 0; i < n; i++) {
            int charCount = Character.charCount(text.codePointAt(pos));
            start[i] = pos;
            len[i] = charCount;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            pos += charCount;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score() != b.score()
                ? Float.compare(b.score(), a.score()) : Integer.compare(a.left(), b.left()));
        for (int i = 1; i < n; i++) {
            offer(queue, text, start, len, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            // stale: one side was merged away or has grown since this pair was queued
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != bigram.size()) {
                continue;
            }
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(queue, text, start, len, prev[left], left);
            offer(queue, text, start, len, left, next[left]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String symbol = text.substring(start[i], start[i] + len[i]);
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
            } else {
                for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                    int byteId = byteTokens[b & 0xff];
                    if (byteId >= 0) {
                        out.add(byteId);
                    }
                }
            }
        }
    }

    private void offer(PriorityQueue<Bigram> queue, String text, int[] start, int[] len, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int size = len[left] + len[right];
        int id = vocab.id(text, start[left], start[left] + size);
        if (id >= 0) {
            queue.add(new Bigram(left, right, vocab.score(id), size));
        }
    }

    /** {@code <0xNN>}, else the one-character token for an ASCII byte, else the unknown token. */
    private static int byteToken(Vocabulary vocab, SpecialTokens special, int b) {
        int id = vocab.id("<0x%02X>".formatted(b));
        if (id < 0 && b < 0x80) {
            id = vocab.id(String.valueOf((char) b));
        }
        return id >= 0 ? id : special.unk();
    }

    private static byte[] unescape(String text) {
        return text.replace(WORD_START, ' ').getBytes(StandardCharsets.UTF_8);
    }
}
