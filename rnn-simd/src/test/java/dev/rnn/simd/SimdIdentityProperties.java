package dev.rnn.simd;

import dev.rnn.core.testing.KernelIdentityContract;
import dev.rnn.core.kernels.Kernels;

/** The SIMD kernels under the shared KernelIdentityContract (run once per vector width). */
class SimdIdentityProperties extends KernelIdentityContract {

    @Override
    protected Kernels kernels() {
        return SimdKernels.INSTANCE;
    }
}
