package dev.djinn.server.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python's {@code str} methods that chat templates call ({@code .strip()}, {@code .startswith()}, {@code .split()},
 * ...), which Jinjava would otherwise look up as Java methods of {@link String}. It resolves only method calls on
 * strings and leaves everything else to the resolvers after it.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, name, args);
        if (result != NOT_HANDLED) {
            context.setPropertyResolved(true);
            return result;
        }
        return null;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object call(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> strip(s, chars(a), true, true);
            case "lstrip" -> strip(s, chars(a), true, false);
            case "rstrip" -> strip(s, chars(a), false, true);
            case "startswith" -> a.length == 1 && affixes(a[0]).stream().anyMatch(s::startsWith);
            case "endswith" -> a.length == 1 && affixes(a[0]).stream().anyMatch(s::endsWith);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "split" -> split(s, a.length > 0 && a[0] != null ? a[0].toString() : null,
                    a.length > 1 ? ((Number) a[1]).intValue() : -1);
            case "replace" -> replace(s, a);
            case "join" -> a.length == 1 ? join(s, a[0]) : NOT_HANDLED;
            case "find" -> a.length == 1 ? s.indexOf(String.valueOf(a[0])) : NOT_HANDLED;
            case "count" -> a.length == 1 ? count(s, String.valueOf(a[0])) : NOT_HANDLED;
            default -> NOT_HANDLED;
        };
    }

    private static String chars(Object[] a) {
        return a.length > 0 && a[0] != null ? a[0].toString() : null;
    }

    /** Python strips whitespace when no characters are given, else any of the given characters. */
    private static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && strippable(s.charAt(from), chars)) {
            from++;
        }
        while (right && to > from && strippable(s.charAt(to - 1), chars)) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    /** {@code startswith} takes one string or a tuple (a list here) of them. */
    private static List<String> affixes(Object arg) {
        List<String> out = new ArrayList<>();
        if (arg instanceof Iterable<?> it) {
            it.forEach(o -> out.add(String.valueOf(o)));
        } else {
            out.add(String.valueOf(arg));
        }
        return out;
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    /** Python's split: on runs of whitespace without a separator, else on the literal separator. */
    private static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            String rest = s.strip();
            while (!rest.isEmpty()) {
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(rest);
                    return out;
                }
                int end = 0;
                while (end < rest.length() && !Character.isWhitespace(rest.charAt(end))) {
                    end++;
                }
                out.add(rest.substring(0, end));
                rest = rest.substring(end).stripLeading();
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int from = 0;
        int at;
        while ((maxSplit < 0 || out.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static Object replace(String s, Object[] a) {
        if (a.length < 2) {
            return NOT_HANDLED;
        }
        String old = String.valueOf(a[0]);
        String with = String.valueOf(a[1]);
        int count = a.length > 2 ? ((Number) a[2]).intValue() : -1;
        if (count < 0) {
            return s.replace(old, with);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        int at;
        while (count-- > 0 && !old.isEmpty() && (at = s.indexOf(old, from)) >= 0) {
            sb.append(s, from, at).append(with);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    private static Object join(String sep, Object items) {
        if (!(items instanceof Iterable<?> it)) {
            return NOT_HANDLED;
        }
        List<String> parts = new ArrayList<>();
        it.forEach(o -> parts.add(String.valueOf(o)));
        return String.join(sep, parts);
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    // The resolver takes part in method calls only.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
