package dev.djinn.cluster.plan;

import dev.djinn.core.gguf.GgufFile;
import dev.djinn.core.gguf.GgufTensorInfo;
import dev.djinn.core.model.LayerRange;
import dev.djinn.core.model.ModelConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * What each part of a model costs a node in memory: the weight bytes of every layer, of the embedding (first
 * stage), of the output norm and head (last stage), of tensors every stage maps (rope frequencies), and the
 * KV cache each layer reserves ({@code kvSlots} sequences of {@code kvContext} positions).
 */
public record ModelCost(long[] layerBytes, long embedBytes, long headBytes, long sharedBytes, long kvBytesPerLayer,
                        int kvSlots, int kvContext) {

    public static ModelCost of(GgufFile file, ModelConfig cfg, int kvContext, int kvSlots, int kvBytesPerValue) {
        long[] layers = new long[cfg.layers()];
        long embed = 0;
        long head = 0;
        long shared = 0;
        boolean tied = !file.hasTensor("output.weight");
        for (GgufTensorInfo t : file.tensorInfos().values()) {
            String n = t.name();
            if (n.startsWith("blk.")) {
                int dot = n.indexOf('.', 4);
                int l = Integer.parseInt(n.substring(4, dot));
                if (l < layers.length) {
                    layers[l] += t.byteSize();
                }
            } else if (n.equals("token_embd.weight")) {
                embed += t.byteSize();
                if (tied) {
                    head += t.byteSize();
                }
            } else if (n.equals("output.weight") || n.equals("output_norm.weight")) {
                head += t.byteSize();
            } else if (n.equals("rope_freqs.weight")) {
                shared += t.byteSize();
            }
        }
        long kv = (long) (cfg.kvDimK() + cfg.kvDimV()) * kvBytesPerValue * kvContext * kvSlots;
        return new ModelCost(layers, embed, head, shared, kv, kvSlots, kvContext);
    }

    public int layers() {
        return layerBytes.length;
    }

    public long weightBytes() {
        long s = embedBytes + headBytes + sharedBytes;
        for (long b : layerBytes) {
            s += b;
        }
        return s;
    }

    /** Weights and KV reservation of a node holding {@code range} (nothing for an empty range). */
    public long bytesFor(LayerRange range) {
        if (range.size() == 0) {
            return 0;
        }
        long s = sharedBytes + range.size() * kvBytesPerLayer;
        for (int l = range.start(); l < range.end(); l++) {
            s += layerBytes[l];
        }
        if (range.start() == 0) {
            s += embedBytes;
        }
        if (range.end() == layers()) {
            s += headBytes;
        }
        return s;
    }

    public long weightBytesFor(LayerRange range) {
        if (range.size() == 0) {
            return 0;
        }
        return bytesFor(range) - range.size() * kvBytesPerLayer;
    }

    /** Names of the tensors a node holding {@code range} reads. */
    public static List<String> tensorsFor(GgufFile file, ModelConfig cfg, LayerRange range) {
        List<String> out = new ArrayList<>();
        if (range.size() == 0) {
            return out;
        }
        for (GgufTensorInfo t : file.tensorInfos().values()) {
            String n = t.name();
            boolean want;
            if (n.startsWith("blk.")) {
                int l = Integer.parseInt(n.substring(4, n.indexOf('.', 4)));
                want = range.contains(l);
            } else {
                want = switch (n) {
                    case "token_embd.weight" -> range.embeds()
                            || (range.producesLogits(cfg) && !file.hasTensor("output.weight"));
                    case "output.weight", "output_norm.weight" -> range.producesLogits(cfg);
                    case "rope_freqs.weight" -> true;
                    default -> false;
                };
            }
            if (want) {
                out.add(n);
            }
        }
        return out;
    }
}
