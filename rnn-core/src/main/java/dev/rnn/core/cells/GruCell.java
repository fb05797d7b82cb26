package dev.rnn.core.cells;

import dev.rnn.core.kernels.Kernels;

/**
 * GRU as in PyTorch: with blocks r, z, n of xProj and hProj, r = σ(x_r + h_r), z = σ(x_z + h_z),
 * n = tanh(x_n + r⊙h_n) and h' = (1 − z)⊙n + z⊙h, computed as n + z⊙(h − n). Saves [r, z, n, h_n]
 * (B×4H) for backward, h_n being the recurrent projection of the n block (W_hn·h + b_hn).
 */
public final class GruCell extends SizedCell {

    GruCell(int inputSize, int hiddenSize) {
        super(CellKind.GRU, inputSize, hiddenSize);
    }

    @Override
    public int savedWidth() {
        return 4 * hiddenSize();
    }

    @Override
    public CellStep bind(StepBuffers b) {
        return new CellStep() {
            @Override
            public void forward(Kernels k) {
                k.gruForward(b.xProj(), b.hProj(), b.hPrev(), b.saved(), b.h(), b.scratch());
            }

            @Override
            public void backward(Kernels k) {
                k.gruBackward(b.saved(), b.hPrev(), b.dh(), b.dxProj(), b.dhProj(), b.dhPrev(), b.scratch());
            }
        };
    }
}
