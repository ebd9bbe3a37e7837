package dev.djinn.cluster.plan;

import dev.djinn.core.model.LayerRange;

import java.util.ArrayList;
import java.util.List;

/**
 * Contiguous layer ranges for the members of a view, in ring order (sorted by name); members may hold an
 * empty range. The pipeline visits the members with layers in this order.
 */
public record Plan(List<Assignment> assignments) {
    public record Assignment(String member, LayerRange range) {
    }

    public Plan {
        assignments = List.copyOf(assignments);
    }

    /** The members that hold layers, in pipeline order. */
    public List<Assignment> stages() {
        List<Assignment> out = new ArrayList<>();
        for (Assignment a : assignments) {
            if (a.range().size() > 0) {
                out.add(a);
            }
        }
        return out;
    }

    public LayerRange rangeOf(String member) {
        for (Assignment a : assignments) {
            if (a.member().equals(member)) {
                return a.range();
            }
        }
        return null;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Assignment a : assignments) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(a.member()).append(a.range());
        }
        return sb.toString();
    }
}
