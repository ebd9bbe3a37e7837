package dev.djinn.core.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * The merge list as integer pairs. Every string that takes part in a merge gets a symbol id: its token id when it is
 * in the vocabulary, else a fresh id past the vocabulary (llama.cpp merges by string, so such strings still merge).
 */
final class BpeMerges {
    private final LongIntMap ranks;
    private final int[] results;
    private final int[] byteSymbols = new int[256];

    private BpeMerges(Vocabulary vocab, String[] merges) {
        Map<String, Integer> extra = new HashMap<>();
        ranks = new LongIntMap(merges.length);
        results = new int[merges.length];
        for (int rank = 0; rank < merges.length; rank++) {
            String merge = merges[rank];
            int space = merge.indexOf(' ', 1);
            int leftId;
            int rightId;
            if (space < 0) {
                // llama.cpp keeps a merge without a space as the pair ("", "")
                leftId = intern(vocab, extra, "");
                rightId = leftId;
                results[rank] = leftId;
            } else {
                // the common case allocates nothing: all three strings are usually tokens
                leftId = vocab.id(merge, 0, space);
                leftId = leftId >= 0 ? leftId : intern(vocab, extra, merge.substring(0, space));
                rightId = vocab.id(merge, space + 1, merge.length());
                rightId = rightId >= 0 ? rightId : intern(vocab, extra, merge.substring(space + 1));
                int resultId = vocab.idSkipping(merge, space);
                results[rank] = resultId >= 0 ? resultId
                        : intern(vocab, extra, merge.substring(0, space) + merge.substring(space + 1));
            }
            ranks.putIfAbsent(pair(leftId, rightId), rank);
        }
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(ByteLevel.charOf(b));
            int id = vocab.id(s);
            byteSymbols[b] = id >= 0 ? id : extra.getOrDefault(s, -1);
        }
    }

    static BpeMerges of(Vocabulary vocab, String[] merges) {
        return new BpeMerges(vocab, merges);
    }

    /** The rank of merging symbols {@code left} and {@code right}, or -1 when they do not merge. */
    int rank(int left, int right) {
        return left < 0 || right < 0 ? -1 : ranks.get(pair(left, right));
    }

    /** The symbol a merge of the given rank produces. */
    int result(int rank) {
        return results[rank];
    }

    /** The symbol of a single byte, or -1 when neither the vocabulary nor a merge knows it. */
    int byteSymbol(int b) {
        return byteSymbols[b & 0xff];
    }

    private static int intern(Vocabulary vocab, Map<String, Integer> extra, String s) {
        int id = vocab.id(s);
        if (id >= 0) {
            return id;
        }
        Integer known = extra.get(s);
        if (known != null) {
            return known;
        }
        int fresh = vocab.size() + extra.size();
        extra.put(s, fresh);
        return fresh;
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }
}
