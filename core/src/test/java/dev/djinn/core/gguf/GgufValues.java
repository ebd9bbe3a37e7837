package dev.djinn.core.gguf;

import java.lang.reflect.Array;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Renders metadata as text that shows every type and value, so two files' metadata compare with equals. */
final class GgufValues {
    private GgufValues() {
    }

    static String describe(GgufMetadata metadata) {
        return describe(metadata.asMap());
    }

    static String describe(Map<String, GgufValue> values) {
        return values.entrySet().stream()
                .map(e -> e.getKey() + " = " + describe(e.getValue()))
                .collect(Collectors.joining("\n"));
    }

    static String describe(GgufValue v) {
        return v.type() + " " + (v.value() instanceof GgufArray a ? describe(a) : v.value());
    }

    private static String describe(GgufArray a) {
        Object values = a.values();
        return a.elementType() + "[" + IntStream.range(0, Array.getLength(values))
                .mapToObj(i -> Array.get(values, i) instanceof GgufArray nested ? describe(nested)
                        : String.valueOf(Array.get(values, i)))
                .collect(Collectors.joining(", ")) + "]";
    }
}
