package dev.djinn.cli.bench;

import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.tensor.GgmlType;

import java.util.EnumMap;
import java.util.Map;

/**
 * Bytes of weights one generated token reads: every weight matrix once, the output head included. The token
 * embedding is left out because a token reads only its own row, except when the head is tied to it (no
 * {@code output.weight}), where the head reads all of it.
 */
public final class WeightTraffic {
    private static final String EMBEDDING = "token_embd.weight";
    private static final String OUTPUT = "output.weight";

    private WeightTraffic() {
    }

    public static long bytesPerToken(GgufFile file) {
        long total = 0;
        for (GgufTensorInfo t : file.tensorInfos().values()) {
            if (isMatrix(t) && !t.name().equals(EMBEDDING)) {
                total += t.byteSize();
            }
        }
        if (!file.hasTensor(OUTPUT) && file.hasTensor(EMBEDDING)) {
            total += file.tensorInfos().get(EMBEDDING).byteSize();
        }
        return total;
    }

    /** The type holding most matrix bytes, e.g. Q8_0 for a Q8_0 model whose norms are F32. */
    public static GgmlType mainType(GgufFile file) {
        Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : file.tensorInfos().values()) {
            if (isMatrix(t)) {
                bytes.merge(t.type(), t.byteSize(), Long::sum);
            }
        }
        return bytes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(GgmlType.F32);
    }

    /** Values in all tensors. */
    public static long parameters(GgufFile file) {
        return file.tensorInfos().values().stream().mapToLong(GgufTensorInfo::elementCount).sum();
    }

    /** Norms, biases and other vectors are read too, but are negligible and stay in cache. */
    private static boolean isMatrix(GgufTensorInfo t) {
        long[] shape = t.shape();
        int dims = 0;
        for (long d : shape) {
            if (d > 1) {
                dims++;
            }
        }
        return dims >= 2;
    }
}
