package dev.rnn.core.kernels;

import dev.rnn.core.testing.KernelAccuracyContract;

/** The scalar oracle against double precision. */
class ScalarKernelAccuracyProperties extends KernelAccuracyContract {

    @Override
    protected Kernels kernels() {
        return Kernels.scalar();
    }
}
