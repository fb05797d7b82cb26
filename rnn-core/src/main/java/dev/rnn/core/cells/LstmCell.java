package dev.rnn.core.cells;

import dev.rnn.core.Matrix;
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
        int h = hiddenSize();
        Matrix pre = b.xProj();
        Matrix preIf = pre.sliceCols(0, 2 * h), preG = pre.sliceCols(2 * h, 3 * h), preO = pre.sliceCols(3 * h, 4 * h);
        Matrix s = b.saved();
        Matrix sIf = s.sliceCols(0, 2 * h), i = s.sliceCols(0, h), f = s.sliceCols(h, 2 * h);
        Matrix g = s.sliceCols(2 * h, 3 * h), o = s.sliceCols(3 * h, 4 * h), tc = s.sliceCols(4 * h, 5 * h);
        Matrix dx = b.dxProj();
        boolean trains = dx != null;            // forward-only steps (inference) bind no backward buffers
        Matrix di = trains ? dx.sliceCols(0, h) : null, df = trains ? dx.sliceCols(h, 2 * h) : null;
        Matrix dg = trains ? dx.sliceCols(2 * h, 3 * h) : null, dO = trains ? dx.sliceCols(3 * h, 4 * h) : null;
        Matrix tmp = b.scratch();
        return new CellStep() {
            @Override
            public void forward(Kernels k) {
                k.add(pre, b.hProj(), pre);
                k.sigmoid(preIf, sIf);          // i and f are adjacent: one call
                k.tanh(preG, g);
                k.sigmoid(preO, o);
                k.mul(f, b.cPrev(), b.c());
                k.addProduct(i, g, b.c());
                k.tanh(b.c(), tc);
                k.mul(o, tc, b.h());
            }

            @Override
            public void backward(Kernels k) {
                Matrix dh = b.dh(), dc = b.dc();
                k.mul(dh, tc, tmp);
                k.sigmoidBackward(o, tmp, dO);  // ∂/∂o_pre = dh⊙tanh(c')⊙σ'(o)
                k.mul(dh, o, tmp);
                k.tanhBackward(tc, tmp, tmp);
                k.add(dc, tmp, dc);             // dc = total ∂loss/∂c'
                k.mul(dc, g, tmp);
                k.sigmoidBackward(i, tmp, di);
                k.mul(dc, b.cPrev(), tmp);
                k.sigmoidBackward(f, tmp, df);
                k.mul(dc, i, tmp);
                k.tanhBackward(g, tmp, dg);
                k.mul(dc, f, dc);               // dc ← ∂loss/∂c
                ElmanCell.copyUnlessSame(dx, b.dhProj());
                b.dhPrev().fill(0f);
            }
        };
    }
}
