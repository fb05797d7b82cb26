package dev.rnn.core.cells;

import dev.rnn.core.Matrix;

/**
 * The memory one time step of a cell reads and writes, for a batch of B rows (H hidden, G gates,
 * S = the cell's {@link RecurrentCell#savedWidth()}). The layer that owns the memory binds each
 * step once; the views stay valid for as long as that memory does.
 *
 * @param xProj B×G·H: the input projection W_ih·x + b_ih; the step may overwrite it
 * @param hProj B×G·H: the recurrent projection W_hh·h + b_hh; the step may overwrite it. An
 *     inference-only layer may add some blocks of b_hh to xProj instead (their sum is what counts), and
 *     may give an LSTM its whole gates in xProj with hProj null
 * @param hPrev B×H: h at the previous step
 * @param cPrev B×H: c at the previous step (LSTM; null otherwise)
 * @param saved B×S: what backward needs from forward (written by forward)
 * @param h B×H: h at this step (written by forward)
 * @param c B×H: c at this step (LSTM; null otherwise)
 * @param dh B×H: ∂loss/∂h at this step, from the output and from the next step (read by backward)
 * @param dc B×H: ∂loss/∂c at this step from the next step (LSTM; null otherwise); backward replaces it
 *     with ∂loss/∂cPrev
 * @param dxProj B×G·H: ∂loss/∂xProj (written by backward)
 * @param dhProj B×G·H: ∂loss/∂hProj (written by backward; for RNN and LSTM the same as dxProj)
 * @param dhPrev B×H: the part of ∂loss/∂hPrev that bypasses W_hh (written by backward; GRU z⊙dh,
 *     otherwise 0)
 * @param scratch B×H: temporary space
 */
public record StepBuffers(Matrix xProj, Matrix hProj, Matrix hPrev, Matrix cPrev, Matrix saved, Matrix h, Matrix c,
                          Matrix dh, Matrix dc, Matrix dxProj, Matrix dhProj, Matrix dhPrev, Matrix scratch) {
}
