package dev.rnn.core.cells;

import dev.rnn.core.kernels.Kernels;

/**
 * LSTM as in PyTorch: with gates = xProj + hProj split into blocks i, f, g, o,
 * c' = σ(f)⊙c + σ(i)⊙tanh(g) and h' = σ(o)⊙tanh(c'). Saves [σ(i), σ(f), tanh(g), σ(o), tanh(c')]
 * (B×5H) for backward.
 */
public final class LstmCell extends SizedCell {

    LstmCell(int inputSize, int hiddenSize) {
        super(CellKind.LSTM, inputSize, hiddenSize);
    }

    @Override
    public int savedWidth() {
        return 5 * hiddenSize();
    }

    @Override
    public CellStep bind(StepBuffers b) {
        return new CellStep() {
            @Override
            public void forward(Kernels k) {
                k.lstmForward(b.xProj(), b.hProj(), b.cPrev(), b.saved(), b.c(), b.h());
            }

            @Override
            public void backward(Kernels k) {
                k.lstmBackward(b.saved(), b.cPrev(), b.dh(), b.dc(), b.dxProj(), b.scratch());
                ElmanCell.copyUnlessSame(b.dxProj(), b.dhProj());
                b.dhPrev().fill(0f);
            }
        };
    }
}
