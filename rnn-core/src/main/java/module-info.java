/** Shapes, off-heap matrices, the kernel interface and its scalar oracle. */
module dev.rnn.core {
    exports dev.rnn.core;
    exports dev.rnn.core.cells;
    exports dev.rnn.core.kernels;

    uses dev.rnn.core.kernels.KernelProvider;
}
