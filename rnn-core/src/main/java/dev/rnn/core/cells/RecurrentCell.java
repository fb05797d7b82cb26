package dev.rnn.core.cells;

/**
 * The gate arithmetic of one recurrent cell, written once against {@link dev.rnn.core.kernels.Kernels}.
 * The products with the weights are not part of the cell: the layer computes the input projection
 * for a whole sequence in one GEMM and the recurrent projection in one GEMM per step, and hands the
 * cell both (see {@link StepBuffers}). An inference-only layer may hand an LSTM its whole gates from
 * one product instead, with no recurrent projection ({@code hProj} null), and may have added some
 * of b_hh to the input projection rather than to the recurrent one.
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
