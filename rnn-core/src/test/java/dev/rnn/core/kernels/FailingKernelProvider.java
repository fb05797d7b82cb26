package dev.rnn.core.kernels;

/**
 * A "simd" provider that fails where a real one can, chosen by {@code -Drnn.test.failAt}: {@code
 * construct} (its class cannot link while it is instantiated), {@code probe} (the Vector API is
 * missing when it checks the CPU), {@code kernels} (the kernels' static initializer fails). Only
 * {@link KernelProvidersFailureTest} registers it, in a child JVM; {@code none} makes it a working
 * provider of the scalar kernels.
 */
public final class FailingKernelProvider implements KernelProvider {

    private static final String FAIL_AT = System.getProperty("rnn.test.failAt", "none");

    public FailingKernelProvider() {
        if (FAIL_AT.equals("construct")) {
            throw new NoClassDefFoundError("dev/rnn/simd/SimdConstants");
        }
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public String unavailableReason() {
        if (FAIL_AT.equals("probe")) {
            throw new NoClassDefFoundError("jdk/incubator/vector/VectorSpecies");
        }
        return null;
    }

    @Override
    public Kernels kernels() {
        if (FAIL_AT.equals("kernels")) {
            throw new ExceptionInInitializerError(new IllegalStateException("no vector species for this CPU"));
        }
        return ScalarKernels.INSTANCE;
    }
}
