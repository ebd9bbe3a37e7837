package dev.djinn.server.chat;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Gives Jinja's {@code not} its Python precedence in Jinjava. In Jinja {@code not} binds looser than comparisons
 * and tests ({@code not x is defined} is {@code not (x is defined)}, {@code not xs|length == 1} is
 * {@code not (xs|length == 1)}); Jinjava binds it to the next operand. So inside every tag the operand of a unary
 * {@code not} is parenthesised up to the next {@code and}, {@code or}, {@code if}, {@code else}, comma or
 * closing bracket at its level. {@code is not} and {@code not in} are binary operators and stay as they are.
 */
final class NotPrecedence {
    private NotPrecedence() {
    }

    static String rewrite(String template) {
        StringBuilder out = new StringBuilder(template.length() + 32);
        int i = 0;
        while (i < template.length()) {
            int open = nextTag(template, i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            out.append(template, i, open + 2);
            char kind = template.charAt(open + 1);
            if (kind == '#') {
                int end = template.indexOf("#}", open + 2);
                end = end < 0 ? template.length() : end + 2;
                out.append(template, open + 2, end);
                i = end;
                continue;
            }
            String close = kind == '{' ? "}}" : "%}";
            int end = tagEnd(template, open + 2, close);
            // whitespace control ({%- ... -%}) is not part of the expression
            int from = open + 2 < end && isControl(template.charAt(open + 2)) ? open + 3 : open + 2;
            int to = end > from && isControl(template.charAt(end - 1)) ? end - 1 : end;
            out.append(template, open + 2, from).append(expression(template.substring(from, to)))
                    .append(template, to, end);
            i = end;
        }
        return out.toString();
    }

    private static boolean isControl(char c) {
        return c == '-' || c == '+';
    }

    private static int nextTag(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** Where the tag's closing delimiter starts, skipping string literals (which may hold "}}"). */
    private static int tagEnd(String s, int from, String close) {
        int i = from;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'') {
                i = literalEnd(s, i);
            } else if (s.startsWith(close, i)) {
                return i;
            } else {
                i++;
            }
        }
        return s.length();
    }

    private static int literalEnd(String s, int start) {
        char quote = s.charAt(start);
        int i = start + 1;
        while (i < s.length() && s.charAt(i) != quote) {
            i += s.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i + 1, s.length());
    }

    static String expression(String e) {
        StringBuilder out = new StringBuilder(e.length() + 8);
        Deque<Integer> open = new ArrayDeque<>();
        int depth = 0;
        String previousWord = "";
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '"' || c == '\'') {
                int end = literalEnd(e, i);
                out.append(e, i, end);
                i = end;
                previousWord = "";
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
                out.append(c);
                i++;
                previousWord = "";
            } else if (c == ')' || c == ']' || c == '}' || c == ',') {
                close(out, open, depth);
                if (c != ',') {
                    depth--;
                }
                out.append(c);
                i++;
                previousWord = "";
            } else if (Character.isLetter(c) || c == '_') {
                int end = i;
                while (end < e.length() && (Character.isLetterOrDigit(e.charAt(end)) || e.charAt(end) == '_')) {
                    end++;
                }
                String word = e.substring(i, end);
                boolean attribute = i > 0 && e.charAt(i - 1) == '.';
                if (!attribute && (word.equals("and") || word.equals("or") || word.equals("if")
                        || word.equals("else"))) {
                    close(out, open, depth);
                    out.append(word);
                } else if (!attribute && word.equals("not") && !previousWord.equals("is")
                        && !nextWord(e, end).equals("in")) {
                    out.append("not (");
                    open.push(depth);
                    end = skipSpaces(e, end);
                } else {
                    out.append(word);
                }
                previousWord = attribute ? "" : word;
                i = end;
            } else {
                out.append(c);
                i++;
                if (!Character.isWhitespace(c)) {
                    previousWord = "";
                }
            }
        }
        close(out, open, Integer.MIN_VALUE);
        return out.toString();
    }

    /** Closes the parentheses opened at {@code depth} (all of them for {@code MIN_VALUE}), innermost first. */
    private static void close(StringBuilder out, Deque<Integer> open, int depth) {
        while (!open.isEmpty() && (depth == Integer.MIN_VALUE || open.peek() == depth)) {
            open.pop();
            int spaces = 0;
            while (out.length() > spaces && out.charAt(out.length() - 1 - spaces) == ' ') {
                spaces++;
            }
            out.insert(out.length() - spaces, ')');
        }
    }

    private static int skipSpaces(String e, int i) {
        while (i < e.length() && e.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static String nextWord(String e, int i) {
        i = skipSpaces(e, i);
        int end = i;
        while (end < e.length() && Character.isLetter(e.charAt(end))) {
            end++;
        }
        return e.substring(i, end);
    }
}
