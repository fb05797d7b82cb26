package dev.rnn.core.cells;

/**
 * The gate arithmetic of one recurrent cell, written once against {@link dev.rnn.core.kernels.Kernels}.
 * The products with the weights are not part of the cell: the layer computes the input projection
 * for a whole sequence in one GEMM and the recurrent projection in one GEMM per step, and hands the
 * cell both (see {@link StepBuffers}).
 */
public interface RecurrentCell {

    CellKind kind();

    int inputSize();

    int hiddenSize();

    /** Floats per batch row that forward saves for backward. */
    int savedWidth();

    /** Prepares one time step over the given buffers (slicing them once). */
    CellStep bind(StepBuffers buffers);
}
