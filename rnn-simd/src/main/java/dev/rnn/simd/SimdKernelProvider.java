package dev.rnn.simd;

import dev.rnn.core.kernels.KernelProvider;
import dev.rnn.core.kernels.Kernels;

/**
 * Provides {@link SimdKernels} when the {@code jdk.incubator.vector} module is loaded and the CPU
 * has vectors of at least 128 bits. Its constructor touches no Vector API class.
 */
public final class SimdKernelProvider implements KernelProvider {

    static final String MODULE = "jdk.incubator.vector";

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public String unavailableReason() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return "the " + MODULE + " module is not loaded; start java with --add-modules " + MODULE;
        }
        int bits = SimdKernels.vectorBits();
        if (bits < 128) {
            return "this CPU offers only " + bits + "-bit vectors (SIMD needs at least 128)";
        }
        return null;
    }

    @Override
    public Kernels kernels() {
        return SimdKernels.INSTANCE;
    }
}
