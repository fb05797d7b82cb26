package dev.rnn.simd;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Where a float array's elements sit relative to a 64-byte cache line.
 *
 * <p>Java neither chooses nor reveals the address of a heap array, and a packed GEMM panel that
 * starts part-way into a line splits every 64-byte vector load across two lines: the 512³ product
 * ran 2–6 % slower that way, and an array lands part-way in 7 of its 8 possible positions. The
 * public way to learn the address is to pass the array to a native function that may read the heap
 * and returns its argument: {@code memcpy} of zero bytes, linked as a critical function. That is a restricted
 * operation, so it is only tried when native access is enabled for this module
 * ({@code --enable-native-access}); otherwise, or where {@code memcpy} is not found, the offset is
 * unknown and callers start at element 0, as they would without this class.
 *
 * <p>The garbage collector may move the array afterwards: the offset is a hint for where to place
 * data for speed, and must never decide what a result is.
 */
final class CacheLineOffset {

    /** Bytes per cache line, and so the largest alignment a vector load can want. */
    static final int LINE = 64;
    /** Floats per line: the most elements {@link #floatsToLine} asks a caller to skip, exclusive. */
    static final int LINE_FLOATS = LINE / Float.BYTES;

    private static final MethodHandle MEMCPY = memcpy();

    private CacheLineOffset() {
    }

    /**
     * How many elements of {@code a} to skip so that the next one starts a cache line: 0 to
     * {@link #LINE_FLOATS} − 1, and 0 when the address cannot be learnt.
     */
    static int floatsToLine(float[] a) {
        if (MEMCPY == null || a.length == 0) {
            return 0;
        }
        try {
            MemorySegment heap = MemorySegment.ofArray(a);
            long address = ((MemorySegment) MEMCPY.invokeExact(heap, heap, 0L)).address();
            return (int) (Math.floorMod(-address, (long) LINE) / Float.BYTES);
        } catch (Throwable e) {
            return 0;
        }
    }

    /** {@code void *memcpy(void *dst, const void *src, size_t n)}, or null where it may not or cannot be linked. */
    @SuppressWarnings("restricted")   // linked only where native access is enabled, and only ever copies zero bytes
    private static MethodHandle memcpy() {
        if (!CacheLineOffset.class.getModule().isNativeAccessEnabled()) {
            return null;   // linking would print the JDK's restricted-method warning
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("memcpy")
                    .map(f -> linker.downcallHandle(f,
                            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                            Linker.Option.critical(true)))
                    .orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
