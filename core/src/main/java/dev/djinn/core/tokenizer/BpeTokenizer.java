package dev.djinn.core.tokenizer;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufMetadata;

import java.nio.charset.StandardCharsets;
import java.util.PriorityQueue;

/**
 * llama.cpp's byte-level BPE tokenizer: the pre-tokenizer cuts text into words, each word's UTF-8 bytes become
 * byte-level symbols, and adjacent symbols merge by merge rank (lowest first; ties: leftmost first).
 */
final class BpeTokenizer extends BaseTokenizer {

    /** A candidate merge of symbol {@code left} with its right neighbour, {@code size} bytes long in total. */
    private record Bigram(int left, int right, int rank, int size) {
    }

    private final PreTokenizer preTokenizer;
    private final BpeMerges merges;

    private BpeTokenizer(Vocabulary vocab, SpecialTokens special, PreTokenizer preTokenizer, BpeMerges merges) {
        super(vocab, special, ByteLevel::decode);
        this.preTokenizer = preTokenizer;
        this.merges = merges;
    }

    static BpeTokenizer load(GgufMetadata md) {
        PreTokenizer preTokenizer = PreTokenizer.forName(md.string("tokenizer.ggml.pre").orElse(null));
        String[] mergeList = md.stringArray("tokenizer.ggml.merges").orElseThrow(() -> new DjinnException(
                "The model file has a BPE tokenizer without merges (tokenizer.ggml.merges is missing)."));
        Vocabulary vocab = Vocabulary.load(md);
        // llama.cpp's BPE defaults: BOS = EOS = 11 (if the vocabulary is that large), BOS per pre-tokenizer
        SpecialTokens special = SpecialTokens.resolve(md, vocab,
                new SpecialTokens.Defaults(11, 11, -1, preTokenizer.addBosByDefault(), false));
        return new BpeTokenizer(vocab, special, preTokenizer, BpeMerges.of(vocab, mergeList));
    }

    @Override
    void encodeText(String text, boolean afterSpecial, IntList out) {
        for (String word : preTokenizer.split(text)) {
            encodeWord(word.getBytes(StandardCharsets.UTF_8), out);
        }
    }

    private void encodeWord(byte[] bytes, IntList out) {
        int n = bytes.length;
        if (n == 0) {
            return;
        }
        if (preTokenizer.ignoreMerges()) {
            int id = vocab.id(ByteLevel.encode(bytes, 0, n));
            if (id >= 0) {
                out.add(id);
                return;
            }
        }
        // one symbol per byte, as a doubly linked list; symbol i covers bytes [i, i + len[i])
        int[] symbol = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            symbol[i] = merges.byteSymbol(bytes[i]);
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.rank() != b.rank()
                ? Integer.compare(a.rank(), b.rank()) : Integer.compare(a.left(), b.left()));
        for (int i = 1; i < n; i++) {
            offer(queue, symbol, len, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left();
            int right = bigram.right();
            // stale: one side was merged away or has grown since this pair was queued
            if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != bigram.size()) {
                continue;
            }
            symbol[left] = merges.result(bigram.rank());
            len[left] += len[right];
            len[right] = 0;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            offer(queue, symbol, len, prev[left], left);
            offer(queue, symbol, len, left, next[left]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            if (vocab.contains(symbol[i])) {
                out.add(symbol[i]);
            } else {
                appendUnknown(ByteLevel.encode(bytes, i, len[i]), out);
            }
        }
    }

    private void offer(PriorityQueue<Bigram> queue, int[] symbol, int[] len, int left, int right) {
        if (left < 0 || right < 0) {
            return;
        }
        int rank = merges.rank(symbol[left], symbol[right]);
        if (rank >= 0) {
            queue.add(new Bigram(left, right, rank, len[left] + len[right]));
        }
    }

    /**
     * A symbol that is no token: llama.cpp looks up each of its UTF-8 bytes as a one-byte token, which can only
     * succeed for ASCII characters, and drops the rest.
     */
    private void appendUnknown(String symbolText, IntList out) {
        for (int i = 0; i < symbolText.length(); i++) {
            char c = symbolText.charAt(i);
            if (c < 0x80) {
                int id = vocab.id(String.valueOf(c));
                if (id >= 0) {
                    out.add(id);
                }
            }
        }
    }
}
