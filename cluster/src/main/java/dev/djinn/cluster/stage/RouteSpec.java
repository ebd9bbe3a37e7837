package dev.djinn.cluster.stage;

import dev.djinn.cluster.wire.ByteReader;
import dev.djinn.cluster.wire.ByteWriter;
import dev.djinn.core.model.LayerRange;

import java.util.ArrayList;
import java.util.List;

/**
 * A pipeline a coordinator set up: its id, the coordinator's endpoint (where results go), the model, the
 * largest batch a step may hold, and the stages in order, each a node (name, endpoint) and its layers.
 * Sent to every stage in a PREPARE call before the route carries frames.
 */
public record RouteSpec(long id, String coordinator, String modelId, int maxBatch, List<StageSpec> stages) {
    public record StageSpec(String name, String endpoint, LayerRange range) {
    }

    public RouteSpec {
        stages = List.copyOf(stages);
    }

    public int indexOf(String name) {
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    public byte[] encode() {
        ByteWriter w = new ByteWriter(128);
        w.i64(id).string(coordinator).string(modelId).varint(maxBatch).varint(stages.size());
        for (StageSpec s : stages) {
            w.string(s.name()).string(s.endpoint()).varint(s.range().start()).varint(s.range().end());
        }
        return w.toByteArray();
    }

    public static RouteSpec decode(byte[] b) {
        ByteReader r = new ByteReader(b);
        long id = r.i64();
        String coord = r.string();
        String model = r.string();
        int maxBatch = r.count();
        int n = r.count();
        List<StageSpec> stages = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            stages.add(new StageSpec(r.string(), r.string(), new LayerRange(r.count(), r.count())));
        }
        return new RouteSpec(id, coord, model, maxBatch, stages);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(Long.toHexString(id)).append(':');
        for (StageSpec s : stages) {
            sb.append(' ').append(s.name()).append(s.range());
        }
        return sb.toString();
    }
}
