package dev.rnn.simd;

import dev.rnn.core.kernels.Kernels;

/** Prints the preferred backend's name; run in a child JVM by {@link SimdFallbackTest}. */
public final class PrintPreferredKernels {

    private PrintPreferredKernels() {
    }

    public static void main(String[] args) {
        try {
            System.out.println(Kernels.preferred().name());
        } catch (ExceptionInInitializerError e) {
            System.out.println("error: " + e.getCause().getMessage());
        }
    }
}
