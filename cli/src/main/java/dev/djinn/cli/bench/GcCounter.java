package dev.djinn.cli.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Counts young-generation collections so far. Generation of a token should allocate nothing; any young GC in
 * the token loop shows garbage on the hot path.
 */
public final class GcCounter {
    private GcCounter() {
    }

    public static long youngCollections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (isYoung(gc.getName())) {
                n += Math.max(0, gc.getCollectionCount());
            }
        }
        return n;
    }

    /** Young collectors by name: Parallel "PS Scavenge", G1 "G1 Young Generation", Serial "Copy", ZGC "Minor". */
    static boolean isYoung(String name) {
        String s = name.toLowerCase(Locale.ROOT);
        return s.contains("young") || s.contains("scavenge") || s.equals("copy") || s.contains("parnew")
                || s.contains("minor");
    }
}
