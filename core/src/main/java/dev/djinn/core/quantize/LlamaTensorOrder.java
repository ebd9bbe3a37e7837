package dev.djinn.core.quantize;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The order in which llama-quantize writes tensors (llama_model_loader's weight_name_comparer): tensors outside
 * the blocks first, then block by block ({@code blk.N.}), by name (bytewise) within each group. Following it
 * makes djinn's output the file llama-quantize writes.
 */
public final class LlamaTensorOrder implements Comparator<String> {
    @Override
    public int compare(String a, String b) {
        int byLayer = Integer.compare(layer(a), layer(b));
        if (byLayer != 0) {
            return byLayer;
        }
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** The N of a {@code blk.N.} prefix as sscanf's %d reads it, or -1 when there is none. */
    public static int layer(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int i = 4;
        while (i < name.length() && Character.isWhitespace(name.charAt(i))) {
            i++;
        }
        int start = i;
        if (i < name.length() && (name.charAt(i) == '-' || name.charAt(i) == '+')) {
            i++;
        }
        int digits = i;
        while (i < name.length() && i - digits < 9 && name.charAt(i) >= '0' && name.charAt(i) <= '9') {
            i++;
        }
        return i == digits ? -1 : Integer.parseInt(name, start, i, 10);
    }
}
