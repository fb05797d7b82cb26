package dev.rnn.simd;

import dev.rnn.core.testing.KernelEdgeCaseContract;
import dev.rnn.core.kernels.Kernels;

/** The SIMD kernels under the shared KernelEdgeCaseContract (run once per vector width). */
class SimdEdgeCaseTest extends KernelEdgeCaseContract {

    @Override
    protected Kernels kernels() {
        return SimdKernels.INSTANCE;
    }
}
