package dev.djinn.cli;

import dev.djinn.core.DjinnException;
import dev.djinn.core.tensor.GgmlType;

import java.util.Arrays;
import java.util.stream.Collectors;

/** A type {@code djinn quantize} can produce, with the {@code general.file_type} llama.cpp records for it. */
enum QuantizeTarget {
    Q8_0(GgmlType.Q8_0, 7), // LLAMA_FTYPE_MOSTLY_Q8_0
    Q4_0(GgmlType.Q4_0, 2); // LLAMA_FTYPE_MOSTLY_Q4_0

    final GgmlType type;
    final int fileType;

    QuantizeTarget(GgmlType type, int fileType) {
        this.type = type;
        this.fileType = fileType;
    }

    static QuantizeTarget parse(String name) {
        for (QuantizeTarget t : values()) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new DjinnException("unknown --type " + name + "; djinn quantizes to " + Arrays.stream(values())
                .map(t -> t.name().toLowerCase()).collect(Collectors.joining(" or ")));
    }
}
