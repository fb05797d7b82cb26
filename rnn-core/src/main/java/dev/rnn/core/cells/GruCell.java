package dev.rnn.core.cells;

import dev.rnn.core.Matrix;
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
        int h = hiddenSize();
        Matrix xRz = b.xProj().sliceCols(0, 2 * h), xN = b.xProj().sliceCols(2 * h, 3 * h);
        Matrix hRz = b.hProj().sliceCols(0, 2 * h), hN = b.hProj().sliceCols(2 * h, 3 * h);
        Matrix s = b.saved();
        Matrix rz = s.sliceCols(0, 2 * h), r = s.sliceCols(0, h), z = s.sliceCols(h, 2 * h);
        Matrix n = s.sliceCols(2 * h, 3 * h), savedHn = s.sliceCols(3 * h, 4 * h);
        Matrix dx = b.dxProj();
        boolean trains = dx != null;            // forward-only steps (inference) bind no backward buffers
        Matrix dxRz = trains ? dx.sliceCols(0, 2 * h) : null, dxR = trains ? dx.sliceCols(0, h) : null;
        Matrix dxZ = trains ? dx.sliceCols(h, 2 * h) : null, dxN = trains ? dx.sliceCols(2 * h, 3 * h) : null;
        Matrix dhRz = trains ? b.dhProj().sliceCols(0, 2 * h) : null, dhN = trains ? b.dhProj().sliceCols(2 * h, 3 * h) : null;
        Matrix tmp = b.scratch();
        return new CellStep() {
            @Override
            public void forward(Kernels k) {
                k.add(xRz, hRz, rz);
                k.sigmoid(rz, rz);
                savedHn.copyFrom(hN);
                k.mul(r, savedHn, n);
                k.add(n, xN, n);
                k.tanh(n, n);
                k.sub(b.hPrev(), n, tmp);
                b.h().copyFrom(n);
                k.addProduct(z, tmp, b.h());
            }

            @Override
            public void backward(Kernels k) {
                Matrix dh = b.dh();
                k.mul(z, dh, tmp);
                k.sub(dh, tmp, tmp);            // (1 − z)⊙dh
                k.tanhBackward(n, tmp, dxN);    // ∂/∂(x_n + r⊙h_n)
                k.mul(dxN, r, dhN);             // ∂/∂h_n
                k.mul(dxN, savedHn, tmp);
                k.sigmoidBackward(r, tmp, dxR);
                k.sub(b.hPrev(), n, tmp);
                k.mul(tmp, dh, tmp);
                k.sigmoidBackward(z, tmp, dxZ);
                dhRz.copyFrom(dxRz);
                k.mul(dh, z, b.dhPrev());       // the path through z⊙h
            }
        };
    }
}
