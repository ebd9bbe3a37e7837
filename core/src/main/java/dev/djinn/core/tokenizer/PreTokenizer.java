package dev.djinn.core.tokenizer;

import dev.djinn.core.DjinnException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before BPE, with the regex chain llama.cpp assigns to a {@code tokenizer.ggml.pre} value.
 * Each regex splits every piece left by the previous one into its matches and the gaps between them.
 *
 * <p>llama.cpp runs these through std::regex after replacing non-ASCII whitespace by U+000B (and collapsing other
 * non-ASCII characters to one stand-in per Unicode category, which is what {@code \p{..}} sees). Java's regex gives
 * the same categories directly, so only the whitespace replacement is reproduced; {@code \s} then means ASCII
 * whitespace, exactly as in llama.cpp. (For gpt-2 and llama3 llama.cpp uses hand-written splitters that behave like
 * these regexes.)
 */
final class PreTokenizer {

    /** The regex chains, as llama.cpp writes them (non-ASCII characters escaped as {@code \x{..}}). */
    enum Kind {
        DEFAULT(false, false,
                "[\\p{P}\\$\\+<=>\\^~\\|]+",
                Regex.GPT2,
                "\\p{N}+",
                "[0-9][0-9][0-9]"),
        GPT2(false, false, Regex.GPT2),
        LLAMA3(true, true, Regex.LLAMA3),
        LLAMA3_REGEX_ONLY(false, false, Regex.LLAMA3),
        QWEN2(false, false, Regex.QWEN2),
        DEEPSEEK_CODER(false, false,
                "[\r\n]",
                "\\s?\\p{L}+",
                "\\s?\\p{P}+",
                "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
                "\\p{N}"),
        DEEPSEEK3(false, false,
                "\\p{N}{1,3}",
                "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+",
                "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                        + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
        FALCON(false, false,
                "[\\p{P}\\$\\+<=>\\^~\\|`]+",
                Regex.GPT2,
                "[0-9][0-9][0-9]"),
        STARCODER(false, false, "\\p{N}", Regex.GPT2),
        PORO(false, false, " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{0964}\\x{06D4}\\x{060C})]+"),
        VIKING(false, false, " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{0964}\\x{06D4}\\x{060C})]+", "\\p{N}"),
        TEKKEN(true, true,
                "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+"
                        + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*"
                        + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
        CHAMELEON(false, true,
                "<sentinel:[0-9]+>",
                "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
                "([\\t\\n]|    |  )",
                "\\p{N}",
                "[\\p{P}!-/:-@\\[-`{-~]",
                Regex.GPT2);

        private final boolean ignoreMerges;
        private final boolean addBos;
        private final List<Pattern> patterns;

        Kind(boolean ignoreMerges, boolean addBos, String... regexes) {
            this.ignoreMerges = ignoreMerges;
            this.addBos = addBos;
            this.patterns = Arrays.stream(regexes).map(Pattern::compile).toList();
        }
    }

    private static final class Regex {
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
        static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
                + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
                + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    }

    /** llama.cpp's names for each chain (b4748 and a few later aliases). */
    private static final Map<String, Kind> BY_NAME = Map.ofEntries(
            Map.entry("default", Kind.DEFAULT),
            Map.entry("llama3", Kind.LLAMA3), Map.entry("llama-v3", Kind.LLAMA3), Map.entry("llama-bpe", Kind.LLAMA3),
            Map.entry("falcon3", Kind.LLAMA3),
            Map.entry("dbrx", Kind.LLAMA3_REGEX_ONLY), Map.entry("smaug-bpe", Kind.LLAMA3_REGEX_ONLY),
            Map.entry("deepseek-coder", Kind.DEEPSEEK_CODER),
            Map.entry("deepseek-v3", Kind.DEEPSEEK3),
            Map.entry("falcon", Kind.FALCON),
            Map.entry("gpt-2", Kind.GPT2), Map.entry("phi-2", Kind.GPT2), Map.entry("mpt", Kind.GPT2),
            Map.entry("olmo", Kind.GPT2), Map.entry("jais", Kind.GPT2), Map.entry("gigachat", Kind.GPT2),
            Map.entry("jina-es", Kind.GPT2), Map.entry("jina-de", Kind.GPT2), Map.entry("jina-v1-en", Kind.GPT2),
            Map.entry("jina-v2-es", Kind.GPT2), Map.entry("jina-v2-de", Kind.GPT2),
            Map.entry("jina-v2-code", Kind.GPT2), Map.entry("roberta-bpe", Kind.GPT2),
            Map.entry("starcoder", Kind.STARCODER), Map.entry("refact", Kind.STARCODER),
            Map.entry("command-r", Kind.STARCODER), Map.entry("smollm", Kind.STARCODER),
            Map.entry("codeshell", Kind.STARCODER), Map.entry("exaone", Kind.STARCODER),
            Map.entry("minerva-7b", Kind.STARCODER),
            Map.entry("qwen2", Kind.QWEN2), Map.entry("stablelm2", Kind.QWEN2), Map.entry("megrez", Kind.QWEN2),
            Map.entry("deepseek-r1-qwen", Kind.QWEN2),
            Map.entry("poro-chat", Kind.PORO), Map.entry("bloom", Kind.PORO), Map.entry("gpt3-finnish", Kind.PORO),
            Map.entry("viking", Kind.VIKING),
            Map.entry("tekken", Kind.TEKKEN),
            Map.entry("chameleon", Kind.CHAMELEON));

    private final Kind kind;

    private PreTokenizer(Kind kind) {
        this.kind = kind;
    }

    /** The chain for a {@code tokenizer.ggml.pre} value; null or empty means {@code default}, as in llama.cpp. */
    static PreTokenizer forName(String name) {
        if (name == null || name.isEmpty()) {
            return new PreTokenizer(Kind.DEFAULT);
        }
        Kind kind = BY_NAME.get(name);
        if (kind == null) {
            throw new DjinnException("Unknown pre-tokenizer type '" + name + "' (tokenizer.ggml.pre); djinn knows "
                    + String.join(", ", new TreeSet<>(BY_NAME.keySet())) + ".");
        }
        return new PreTokenizer(kind);
    }

    /** llama3-style vocabularies take a whole word as one token when it is in the vocabulary. */
    boolean ignoreMerges() {
        return kind.ignoreMerges;
    }

    /** Whether llama.cpp adds BOS for this pre-tokenizer when {@code add_bos_token} is absent. */
    boolean addBosByDefault() {
        return kind.addBos;
    }

    List<String> split(String text) {
        String matchText = asciiWhitespace(text);
        List<int[]> spans = new ArrayList<>();
        spans.add(new int[] {0, text.length()});
        for (Pattern pattern : kind.patterns) {
            List<int[]> next = new ArrayList<>(spans.size() * 2);
            Matcher m = pattern.matcher(matchText);
            for (int[] span : spans) {
                m.region(span[0], span[1]);
                int pos = span[0];
                while (m.find()) {
                    if (m.end() == m.start()) {
                        continue;
                    }
                    if (m.start() > pos) {
                        next.add(new int[] {pos, m.start()});
                    }
                    next.add(new int[] {m.start(), m.end()});
                    pos = m.end();
                }
                if (pos < span[1]) {
                    next.add(new int[] {pos, span[1]});
                }
            }
            spans = next;
        }
        List<String> words = new ArrayList<>(spans.size());
        for (int[] span : spans) {
            words.add(text.substring(span[0], span[1]));
        }
        return words;
    }

    /** Non-ASCII whitespace becomes U+000B, as llama.cpp does before running std::regex. */
    private static String asciiWhitespace(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0x7F && isUnicodeWhitespace(c)) {
                if (chars == null) {
                    chars = text.toCharArray();
                }
                chars[i] = '\u000B';
            }
        }
        return chars == null ? text : new String(chars);
    }

    /** Unicode White_Space beyond ASCII (all of it is in the BMP). */
    private static boolean isUnicodeWhitespace(char c) {
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }
}
