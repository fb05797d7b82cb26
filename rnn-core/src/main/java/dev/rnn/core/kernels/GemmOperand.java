package dev.rnn.core.kernels;

/**
 * A right-hand matrix op(B) (k×n) prepared by {@link Kernels#prepareGemmOperand} for many products
 * A·op(B), such as a recurrent weight used at every time step: the SIMD backend packs it into its
 * micro-kernel's layout once rather than at every product. It is a snapshot of B when prepared.
 * Instances belong to the backend that made them.
 */
public interface GemmOperand {

    /** k, the rows of op(B). */
    int rows();

    /** n, the columns of op(B). */
    int cols();
}
