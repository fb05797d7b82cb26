package dev.rnn.core.cells;

import dev.rnn.core.kernels.Kernels;

/** One time step of a cell bound to its buffers ({@link StepBuffers}); running it allocates nothing. */
public interface CellStep {

    /** h (and c) from xProj, hProj, hPrev (and cPrev); also fills the saved activations. */
    void forward(Kernels kernels);

    /** dxProj, dhProj, dhPrev (and dc ← ∂loss/∂cPrev) from dh (and dc) and the saved activations. */
    void backward(Kernels kernels);
}
