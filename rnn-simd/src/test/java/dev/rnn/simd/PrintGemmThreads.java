package dev.rnn.simd;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;

/**
 * Runs a product large enough to split, on shared memory, then prints {@link GemmThreads#THREADS} and
 * how many pool threads exist; run in a child JVM by {@link GemmThreadsDefaultTest}.
 */
public final class PrintGemmThreads {

    private PrintGemmThreads() {
    }

    public static void main(String[] args) {
        int n = 320; // n³ ≥ SimdGemm.PARALLEL_MIN_MACS
        try (Arena arena = Arena.ofShared()) {
            Matrix a = Matrix.allocate(arena, n, n), c = Matrix.allocate(arena, n, n);
            SimdKernels.INSTANCE.gemm(a, a, c, false);
        }
        long pool = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("rnn-gemm")).count();
        System.out.println(GemmThreads.THREADS + " " + pool);
    }
}
