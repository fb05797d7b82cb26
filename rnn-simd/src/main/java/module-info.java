/** The kernel interface on the Vector API over MemorySegments. */
module dev.rnn.simd {
    requires dev.rnn.core;
    requires jdk.incubator.vector;
    requires static java.management;   // the JIT inlining directive, when the module is present

    exports dev.rnn.simd;

    provides dev.rnn.core.kernels.KernelProvider with dev.rnn.simd.SimdKernelProvider;
}
