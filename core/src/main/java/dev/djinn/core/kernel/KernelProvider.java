package dev.djinn.core.kernel;

/**
 * Chooses the kernels once per JVM, like Lucene's vectorization provider: the Vector API at the platform's
 * preferred width when the {@code jdk.incubator.vector} module is present, else plain Java.
 *
 * <p>The system property {@code djinn.vector.bits} forces a choice: {@code 0} (scalar), {@code 128},
 * {@code 256} or {@code 512}. Tests use it to run every path; a width the CPU lacks still works, slowly.
 */
public final class KernelProvider {
    public static final String BITS_PROPERTY = "djinn.vector.bits";

    private static final Kernels INSTANCE = create();

    private KernelProvider() {
    }

    public static Kernels get() {
        return INSTANCE;
    }

    /** The vector width requested by the property, or the platform's preferred width; 0 means scalar. */
    static int vectorBits() {
        String forced = System.getProperty(BITS_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            int bits = Integer.parseInt(forced.trim());
            if (bits != 0 && bits != 128 && bits != 256 && bits != 512) {
                throw new IllegalArgumentException(BITS_PROPERTY + " must be 0, 128, 256 or 512, not " + bits);
            }
            return bits;
        }
        if (!vectorModulePresent()) {
            return 0;
        }
        int preferred = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return preferred >= 128 ? Math.min(preferred, 512) : 0;
    }

    private static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    private static Kernels create() {
        int bits = vectorBits();
        if (bits == 0 || !vectorModulePresent()) {
            return new ScalarKernels();
        }
        return new VectorKernels();
    }
}
