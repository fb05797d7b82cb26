package dev.rnn.core.kernels;

import dev.rnn.core.testing.KernelIdentityContract;

/** The identities on the scalar oracle. */
class ScalarKernelIdentityProperties extends KernelIdentityContract {

    @Override
    protected Kernels kernels() {
        return Kernels.scalar();
    }
}
