package dev.rnn.core.kernels;

/** Prints the preferred backend's name, or the error; run in a child JVM by {@link KernelProvidersFailureTest}. */
public final class PrintPreferredKernelsName {

    private PrintPreferredKernelsName() {
    }

    public static void main(String[] args) {
        try {
            System.out.println(Kernels.preferred().name());
        } catch (ExceptionInInitializerError e) {
            System.out.println("error: " + e.getCause().getMessage());
        }
    }
}
