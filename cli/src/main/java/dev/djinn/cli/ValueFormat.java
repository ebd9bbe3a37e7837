package dev.djinn.cli;

import dev.djinn.core.gguf.GgufArray;
import dev.djinn.core.gguf.GgufValue;
import dev.djinn.core.gguf.GgufValueType;

import java.lang.reflect.Array;
import java.util.StringJoiner;

/** Renders GGUF metadata values on one line: strings quoted and escaped, long strings and arrays cut short. */
final class ValueFormat {
    static final int ARRAY_ELEMENTS_SHOWN = 5;
    private static final int STRING_CHARS_SHOWN = 100;
    private static final int ELEMENT_CHARS_SHOWN = 40;

    private ValueFormat() {
    }

    /** The type as a column: {@code uint32}, or {@code string[512]} for an array. */
    static String type(GgufValue v) {
        return v.value() instanceof GgufArray a ? arrayType(a) : name(v.type());
    }

    static String value(GgufValue v) {
        return switch (v.value()) {
            case GgufArray a -> array(a);
            case String s -> string(s, STRING_CHARS_SHOWN);
            case Long l when v.type() == GgufValueType.UINT64 -> Long.toUnsignedString(l);
            default -> String.valueOf(v.value());
        };
    }

    private static String array(GgufArray a) {
        Object values = a.values();
        int n = Array.getLength(values);
        StringJoiner out = new StringJoiner(", ", "[", "]");
        for (int i = 0; i < Math.min(n, ARRAY_ELEMENTS_SHOWN); i++) {
            out.add(element(a.elementType(), Array.get(values, i)));
        }
        if (n > ARRAY_ELEMENTS_SHOWN) {
            out.add("... " + (n - ARRAY_ELEMENTS_SHOWN) + " more");
        }
        return out.toString();
    }

    private static String element(GgufValueType type, Object e) {
        return switch (e) {
            case GgufArray nested -> arrayType(nested) + " " + array(nested);
            case String s -> string(s, ELEMENT_CHARS_SHOWN);
            // arrays hold unsigned integers in signed Java types of the same width
            case Byte b when type == GgufValueType.UINT8 -> String.valueOf(b & 0xff);
            case Short s when type == GgufValueType.UINT16 -> String.valueOf(s & 0xffff);
            case Integer i when type == GgufValueType.UINT32 -> Integer.toUnsignedString(i);
            case Long l when type == GgufValueType.UINT64 -> Long.toUnsignedString(l);
            default -> String.valueOf(e);
        };
    }

    private static String arrayType(GgufArray a) {
        return name(a.elementType()) + "[" + a.length() + "]";
    }

    private static String name(GgufValueType t) {
        return t.name().toLowerCase();
    }

    /** A quoted, escaped string; one longer than {@code max} characters shows its start and its length. */
    static String string(String s, int max) {
        StringBuilder out = new StringBuilder("\"");
        int shown = Math.min(s.length(), max);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
        if (s.length() > max) {
            out.setLength(out.length() - 1);
            out.append("...\" (").append(s.length()).append(" chars)");
        }
        return out.toString();
    }
}
