package dev.rnn.simd;

import dev.rnn.core.testing.KernelAccuracyContract;
import dev.rnn.core.kernels.Kernels;

/** The SIMD kernels under the shared KernelAccuracyContract (run once per vector width). */
class SimdAccuracyProperties extends KernelAccuracyContract {

    @Override
    protected Kernels kernels() {
        return SimdKernels.INSTANCE;
    }
}
