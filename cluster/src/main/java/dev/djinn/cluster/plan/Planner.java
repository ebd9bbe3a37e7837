package dev.djinn.cluster.plan;

import dev.djinn.core.DjinnException;
import dev.djinn.core.model.LayerRange;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Splits a model's layers into contiguous ranges, one per member in ring order (members sorted by name), in
 * proportion to each member's speed, never giving a member more than its memory limit holds. Speed sets the
 * shares because a pipeline is as fast as its slowest stage; memory caps them, and what a capped member
 * cannot take flows to the others in proportion to their speed. The result depends only on the members and
 * the model, so every node computes the same plan from the same view.
 */
public final class Planner {
    private Planner() {
    }

    /** @throws DjinnException with the numbers when the members cannot hold the model */
    public static Plan plan(List<Member> members, ModelCost cost) {
        List<Member> ring = new ArrayList<>(members);
        ring.sort(Comparator.comparing(Member::name));
        int n = ring.size();
        int layers = cost.layers();
        if (n == 0) {
            throw new DjinnException("the cluster has no nodes that can hold layers");
        }
        long maxLayer = 0;
        for (long b : cost.layerBytes()) {
            maxLayer = Math.max(maxLayer, b);
        }
        long perLayer = maxLayer + cost.kvBytesPerLayer();
        // the most layers each member could hold, charging it (pessimistically) with embedding and head
        int[] cap = new int[n];
        for (int i = 0; i < n; i++) {
            long room = ring.get(i).memoryLimit() - cost.sharedBytes() - cost.embedBytes() - cost.headBytes();
            cap[i] = room <= 0 ? 0 : (int) Math.min(layers, room / Math.max(1, perLayer));
        }
        int[] counts = shares(ring, cap, layers);
        if (counts == null) {
            // the pessimistic caps may be too tight; fall back to exact capacities below
            counts = shares(ring, exactCaps(ring, cost), layers);
        }
        if (counts != null) {
            Plan p = assign(ring, counts);
            if (repair(ring, cost, counts)) {
                return assign(ring, counts);
            }
            if (fits(ring, cost, p)) {
                return p;
            }
        }
        throw new DjinnException(doesNotFit(ring, cost));
    }

    /** Caps ignoring embedding and head (only the first and last member carry those). */
    private static int[] exactCaps(List<Member> ring, ModelCost cost) {
        int[] cap = new int[ring.size()];
        for (int i = 0; i < ring.size(); i++) {
            long room = ring.get(i).memoryLimit() - cost.sharedBytes();
            int c = 0;
            long used = 0;
            for (int l = 0; l < cost.layers(); l++) {
                used += cost.layerBytes()[l] + cost.kvBytesPerLayer();
                if (used > room) {
                    break;
                }
                c++;
            }
            cap[i] = c;
        }
        return cap;
    }

    /** Layer counts in proportion to speed under the caps (water-filling, then largest remainders). */
    private static int[] shares(List<Member> ring, int[] cap, int layers) {
        int n = ring.size();
        long total = 0;
        for (int c : cap) {
            total += c;
        }
        if (total < layers) {
            return null;
        }
        double[] share = new double[n];
        boolean[] fixed = new boolean[n];
        double remaining = layers;
        while (true) {
            double speeds = 0;
            for (int i = 0; i < n; i++) {
                if (!fixed[i]) {
                    speeds += ring.get(i).speed();
                }
            }
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                if (!fixed[i]) {
                    share[i] = remaining * ring.get(i).speed() / speeds;
                }
            }
            for (int i = 0; i < n; i++) {
                if (!fixed[i] && share[i] > cap[i]) {
                    share[i] = cap[i];
                    fixed[i] = true;
                    remaining -= cap[i];
                    changed = true;
                }
            }
            if (!changed) {
                break;
            }
        }
        int[] counts = new int[n];
        int given = 0;
        for (int i = 0; i < n; i++) {
            counts[i] = (int) Math.floor(share[i] + 1e-9);
            given += counts[i];
        }
        while (given < layers) {
            int best = -1;
            double bestFrac = -1;
            for (int i = 0; i < n; i++) {
                double frac = share[i] - counts[i];
                if (counts[i] < cap[i] && frac > bestFrac + 1e-9) {
                    best = i;
                    bestFrac = frac;
                }
            }
            if (best < 0) {
                return null;
            }
            counts[best]++;
            given++;
        }
        return counts;
    }

    private static Plan assign(List<Member> ring, int[] counts) {
        List<Plan.Assignment> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < ring.size(); i++) {
            out.add(new Plan.Assignment(ring.get(i).name(), new LayerRange(start, start + counts[i])));
            start += counts[i];
        }
        return new Plan(out);
    }

    private static boolean fits(List<Member> ring, ModelCost cost, Plan p) {
        for (int i = 0; i < ring.size(); i++) {
            if (cost.bytesFor(p.assignments().get(i).range()) > ring.get(i).memoryLimit()) {
                return false;
            }
        }
        return true;
    }

    /** Moves single layers off members over their limit to neighbours with room; true when all fit. */
    private static boolean repair(List<Member> ring, ModelCost cost, int[] counts) {
        int n = ring.size();
        for (int round = 0; round < cost.layers() * n + 1; round++) {
            Plan p = assign(ring, counts);
            int over = -1;
            for (int i = 0; i < n; i++) {
                if (cost.bytesFor(p.assignments().get(i).range()) > ring.get(i).memoryLimit()) {
                    over = i;
                    break;
                }
            }
            if (over < 0) {
                return true;
            }
            boolean moved = false;
            for (int d = 1; d < n && !moved; d++) {
                for (int j : new int[] {over + d, over - d}) {
                    if (j < 0 || j >= n || moved) {
                        continue;
                    }
                    counts[over]--;
                    counts[j]++;
                    Plan q = assign(ring, counts);
                    if (cost.bytesFor(q.assignments().get(j).range()) <= ring.get(j).memoryLimit()) {
                        moved = true;
                    } else {
                        counts[over]++;
                        counts[j]--;
                    }
                }
            }
            if (!moved) {
                return false;
            }
        }
        return false;
    }

    private static String doesNotFit(List<Member> ring, ModelCost cost) {
        long kv = cost.kvBytesPerLayer() * cost.layers();
        long need = cost.weightBytes() + kv;
        long have = 0;
        StringBuilder nodes = new StringBuilder();
        for (Member m : ring) {
            have += m.memoryLimit();
            if (!nodes.isEmpty()) {
                nodes.append(", ");
            }
            nodes.append(m.name()).append(' ').append(size(m.memoryLimit()));
        }
        return String.format(Locale.ROOT, "the model does not fit in the cluster: it needs %s (weights %s, largest layer %s, "
                        + "KV cache %s for %d sequences of %d tokens) but the %d node%s can hold %s (%s)",
                size(need), size(cost.weightBytes()), size(maxOf(cost.layerBytes())), size(kv), cost.kvSlots(),
                cost.kvContext(), ring.size(), ring.size() == 1 ? "" : "s", size(have), nodes);
    }

    private static long maxOf(long[] a) {
        long m = 0;
        for (long v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    public static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        if (bytes >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return bytes + " B";
    }
}
