package dev.djinn.core.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The two memory calls packed weights need beyond {@link Arena}, through the operating system (Linux; elsewhere
 * both fall back): large blocks from {@code mmap} with transparent huge pages requested, which {@link
 * Arena#allocate} can neither skip zeroing for nor ask huge pages of (a fault per 2 MiB instead of per 4 KiB,
 * and fewer TLB misses while kernels stream through gigabytes), and {@code madvise(MADV_DONTNEED)} to hand
 * back the pages of a read-only file mapping once its weights have been copied.
 */
final class NativeMemory {
    private static final long PAGE = 4096;
    private static final int PROT_READ_WRITE = 1 | 2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_DONTNEED = 4;
    private static final int MADV_HUGEPAGE = 14;
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase().contains("linux");
    private static final MethodHandle MMAP = function("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = function("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle MADVISE = function("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private NativeMemory() {
    }

    private static MethodHandle function(String name, FunctionDescriptor descriptor) {
        if (!LINUX) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name).map(f -> linker.downcallHandle(f, descriptor)).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // no native access: the fallbacks
        }
    }

    /**
     * {@code bytes} of zeroed memory, unmapped when the segment becomes unreachable: on Linux fresh anonymous
     * pages with huge pages requested (zero without being written), else {@link Arena#ofAuto()}'s.
     */
    static MemorySegment allocate(long bytes) {
        if (MMAP != null && MUNMAP != null && MADVISE != null) {
            try {
                MemorySegment at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, bytes, PROT_READ_WRITE,
                        MAP_PRIVATE_ANONYMOUS, -1, 0L);
                if (at.address() != -1L) {
                    long address = at.address();
                    int ignored = (int) MADVISE.invokeExact(at, bytes, MADV_HUGEPAGE);
                    return at.reinterpret(bytes, Arena.ofAuto(), s -> unmap(address, bytes));
                }
            } catch (Throwable e) {
                // fall back
            }
        }
        return Arena.ofAuto().allocate(bytes, 64);
    }

    private static void unmap(long address, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes);
        } catch (Throwable e) {
            // nothing more to do
        }
    }

    private static void advise(long start, long end, int advice) {
        if (MADVISE == null || end <= start) {
            return;
        }
        try {
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, advice);
        } catch (Throwable e) {
            // best effort
        }
    }

    /**
     * Hands back the whole pages inside {@code segment}, which must be a read-only file mapping: the file is
     * unchanged, and a later read faults those pages in again. (On anonymous memory this would zero it.)
     */
    static void releaseMapped(MemorySegment segment) {
        advise((segment.address() + PAGE - 1) & -PAGE, (segment.address() + segment.byteSize()) & -PAGE, MADV_DONTNEED);
    }
}
