package dev.rnn.core.kernels;

import dev.rnn.core.testing.KernelEdgeCaseContract;

/** The documented edge-case behaviour of the scalar oracle. */
class ScalarKernelEdgeCaseTest extends KernelEdgeCaseContract {

    @Override
    protected Kernels kernels() {
        return Kernels.scalar();
    }
}
