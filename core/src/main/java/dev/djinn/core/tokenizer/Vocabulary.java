package dev.djinn.core.tokenizer;

import dev.djinn.core.DjinnException;
import dev.djinn.core.gguf.GgufArray;
import dev.djinn.core.gguf.GgufMetadata;

import java.nio.charset.StandardCharsets;

/**
 * The token list of a GGUF file: text, score and type of every id, and the reverse text-to-id map.
 * Types can still be raised to CONTROL while the special tokens are detected (see {@link SpecialTokens}).
 */
final class Vocabulary {
    private final String[] texts;
    private final float[] scores;
    private final TokenType[] types;
    private final StringIntMap ids;

    private Vocabulary(String[] texts, float[] scores, TokenType[] types) {
        this.texts = texts;
        this.scores = scores;
        this.types = types;
        this.ids = new StringIntMap(texts.length);
        for (int i = 0; i < texts.length; i++) {
            ids.put(texts[i], i); // like llama.cpp b4748: a duplicated text maps to its last id
        }
    }

    static Vocabulary load(GgufMetadata md) {
        String[] texts = md.stringArray("tokenizer.ggml.tokens")
                .orElseThrow(() -> new DjinnException("The model file has no vocabulary (tokenizer.ggml.tokens is missing)."))
                .clone();
        int n = texts.length;
        for (int i = 0; i < n; i++) {
            if (texts[i].isEmpty()) {
                texts[i] = "[EMPTY_" + i + "]"; // llama.cpp renames empty tokens so they stay unique
            }
        }
        float[] scores = md.array("tokenizer.ggml.scores").map(a -> scores(a, n)).orElseGet(() -> new float[n]);
        TokenType[] types = new TokenType[n];
        int[] codes = md.intArray("tokenizer.ggml.token_type").orElse(null);
        if (codes != null && codes.length < n) {
            throw new DjinnException("The model file has " + codes.length + " token types for " + n + " tokens.");
        }
        for (int i = 0; i < n; i++) {
            types[i] = codes == null ? TokenType.NORMAL : TokenType.fromGguf(codes[i]);
        }
        return new Vocabulary(texts, scores, types);
    }

    private static float[] scores(GgufArray array, int n) {
        if (array.length() < n) {
            throw new DjinnException("The model file has " + array.length() + " token scores for " + n + " tokens.");
        }
        return switch (array.values()) {
            case float[] f -> f;
            case int[] ints -> {
                float[] f = new float[ints.length];
                for (int i = 0; i < ints.length; i++) {
                    f[i] = ints[i];
                }
                yield f;
            }
            default -> throw new DjinnException("tokenizer.ggml.scores should hold floats but holds "
                    + array.elementType() + ".");
        };
    }

    int size() {
        return texts.length;
    }

    String text(int id) {
        return texts[id];
    }

    float score(int id) {
        return scores[id];
    }

    TokenType type(int id) {
        return types[id];
    }

    void setType(int id, TokenType type) {
        types[id] = type;
    }

    /** The id whose text is exactly {@code text}, or -1. */
    int id(String text) {
        return ids.get(text);
    }

    /** The id whose text is {@code s.substring(from, to)}, or -1. */
    int id(String s, int from, int to) {
        return ids.get(s, from, to);
    }

    /** The id whose text is {@code s} without its character at {@code skip}, or -1. */
    int idSkipping(String s, int skip) {
        return ids.getSkipping(s, skip);
    }

    boolean contains(int id) {
        return id >= 0 && id < texts.length;
    }

    int utf8Length(int id) {
        return texts[id].getBytes(StandardCharsets.UTF_8).length;
    }
}
