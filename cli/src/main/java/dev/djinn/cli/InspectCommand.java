package dev.djinn.cli;

import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.gguf.GgufValue;
import dev.djinn.core.tensor.GgmlType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code djinn inspect FILE}: the header, metadata and tensor table of a GGUF file, like gguf-dump. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print a GGUF file's header, every metadata key with its type and value, and its tensors.",
                "Long strings and arrays are shortened: an array shows its element type, length and first "
                        + ValueFormat.ARRAY_ELEMENTS_SHOWN + " elements."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the GGUF file")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile f = GgufFile.open(file)) {
            out.printf("%s: GGUF version %d, %d bytes, alignment %d, tensor data at offset %d%n",
                    f.path(), f.version(), f.fileSize(), f.alignment(), f.dataOffset());
            printMetadata(out, f.metadata().asMap());
            printTensors(out, f);
        }
        out.flush();
        return 0;
    }

    private static void printMetadata(PrintWriter out, Map<String, GgufValue> metadata) {
        out.printf("%nmetadata: %d keys%n", metadata.size());
        int keyWidth = Math.min(48, metadata.keySet().stream().mapToInt(String::length).max().orElse(0));
        int typeWidth = metadata.values().stream().mapToInt(v -> ValueFormat.type(v).length()).max().orElse(0);
        metadata.forEach((key, value) -> out.printf("  %-" + keyWidth + "s  %-" + typeWidth + "s  %s%n",
                key, ValueFormat.type(value), ValueFormat.value(value)));
    }

    private static void printTensors(PrintWriter out, GgufFile f) {
        Map<String, GgufTensorInfo> infos = f.tensorInfos();
        out.printf("%ntensors: %d%n", infos.size());
        if (infos.isEmpty()) {
            return;
        }
        int nameWidth = Math.max(4, infos.keySet().stream().mapToInt(String::length).max().orElse(0));
        String row = "  %5s  %-" + nameWidth + "s  %-7s  %-22s  %12s  %12s%n";
        out.printf(row, "#", "name", "type", "shape", "bytes", "file offset");
        long elements = 0;
        long bytes = 0;
        Map<GgmlType, Integer> byType = new TreeMap<>();
        int i = 0;
        for (GgufTensorInfo t : infos.values()) {
            out.printf(row, i++, t.name(), t.type(), shape(t.shape()), t.byteSize(), f.dataOffset() + t.offset());
            elements += t.elementCount();
            bytes += t.byteSize();
            byType.merge(t.type(), 1, Integer::sum);
        }
        out.printf("%ntotal: %d tensors, %d parameters, %d bytes (%s) of tensor data; %s%n", infos.size(), elements,
                bytes, Sizes.human(bytes), byType.entrySet().stream()
                        .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")));
    }

    /** The shape in ggml order, row length first, as gguf-dump prints it. */
    private static String shape(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(" x "));
    }
}
