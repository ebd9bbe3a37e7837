package dev.djinn.core.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text at occurrences of special-token strings, as llama.cpp's {@code tokenizer_st_partition}: the tokens are
 * tried longest first (by UTF-8 length), each one splitting every text fragment left by the longer ones.
 * User-defined tokens are always matched; control and unknown tokens only when special tokens are parsed.
 */
final class SpecialTokenSplitter {

    /** A piece of the input: text still to tokenize, or a special token already recognised. */
    sealed interface Fragment {
        record Text(String text) implements Fragment {
        }

        record Token(int id) implements Fragment {
        }
    }

    /** A fragment as a span of the input ({@code token < 0}) or a token id. */
    private record Span(int start, int end, int token) {
    }

    private final int[] ids;
    private final String[] texts;
    private final boolean[] onlyWhenParsing;

    SpecialTokenSplitter(Vocabulary vocab) {
        List<Integer> special = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.type(id).isSpecial()) {
                special.add(id);
            }
        }
        int n = special.size();
        // stable sort: equal lengths keep id order (llama.cpp's std::sort leaves that order unspecified)
        Map<Integer, Integer> utf8Length = new HashMap<>();
        special.forEach(id -> utf8Length.put(id, vocab.utf8Length(id)));
        Integer[] sorted = special.toArray(Integer[]::new);
        Arrays.sort(sorted, Comparator.comparingInt((Integer id) -> -utf8Length.get(id)));
        ids = new int[n];
        texts = new String[n];
        onlyWhenParsing = new boolean[n];
        for (int i = 0; i < n; i++) {
            ids[i] = sorted[i];
            texts[i] = vocab.text(sorted[i]);
            onlyWhenParsing[i] = vocab.type(sorted[i]) != TokenType.USER_DEFINED;
        }
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        if (text.isEmpty()) {
            return List.of();
        }
        List<Span> spans = List.of(new Span(0, text.length(), -1));
        for (int t = 0; t < ids.length; t++) {
            if ((onlyWhenParsing[t] && !parseSpecial) || !text.contains(texts[t])) {
                continue;
            }
            spans = splitAll(text, spans, texts[t], ids[t]);
        }
        List<Fragment> fragments = new ArrayList<>(spans.size());
        for (Span s : spans) {
            fragments.add(s.token() >= 0 ? new Fragment.Token(s.token())
                    : new Fragment.Text(text.substring(s.start(), s.end())));
        }
        return fragments;
    }

    private static List<Span> splitAll(String text, List<Span> spans, String needle, int id) {
        List<Span> out = new ArrayList<>(spans.size() + 2);
        for (Span s : spans) {
            if (s.token() >= 0) {
                out.add(s);
                continue;
            }
            int pos = s.start();
            int match;
            while ((match = text.indexOf(needle, pos)) >= 0 && match + needle.length() <= s.end()) {
                if (match > pos) {
                    out.add(new Span(pos, match, -1));
                }
                out.add(new Span(match, match + needle.length(), id));
                pos = match + needle.length();
            }
            if (pos < s.end()) {
                out.add(new Span(pos, s.end(), -1));
            }
        }
        return out;
    }
}
