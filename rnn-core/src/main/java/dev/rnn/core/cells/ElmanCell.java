package dev.rnn.core.cells;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;

/**
 * Elman RNN: h' = act(xProj + hProj) with act = tanh ({@link CellKind#RNN_TANH}) or ReLU
 * ({@link CellKind#RNN_RELU}). Saves h' (B×H) for backward.
 */
public final class ElmanCell extends SizedCell {

    ElmanCell(CellKind kind, int inputSize, int hiddenSize) {
        super(kind, inputSize, hiddenSize);
        if (kind != CellKind.RNN_TANH && kind != CellKind.RNN_RELU) {
            throw new IllegalArgumentException("an Elman cell is RNN_TANH or RNN_RELU, not " + kind);
        }
    }

    @Override
    public int savedWidth() {
        return hiddenSize();
    }

    @Override
    public CellStep bind(StepBuffers b) {
        boolean relu = kind() == CellKind.RNN_RELU;
        return new CellStep() {
            @Override
            public void forward(Kernels k) {
                k.add(b.xProj(), b.hProj(), b.saved());
                if (relu) {
                    k.relu(b.saved(), b.saved());
                } else {
                    k.tanh(b.saved(), b.saved());
                }
                b.h().copyFrom(b.saved());
            }

            @Override
            public void backward(Kernels k) {
                if (relu) {
                    k.reluBackward(b.saved(), b.dh(), b.dxProj());
                } else {
                    k.tanhBackward(b.saved(), b.dh(), b.dxProj());
                }
                copyUnlessSame(b.dxProj(), b.dhProj());
                b.dhPrev().fill(0f);
            }
        };
    }

    /** dhProj equals dxProj when the pre-activation is xProj + hProj; the layer may pass one matrix for both. */
    static void copyUnlessSame(Matrix from, Matrix to) {
        if (from != to) {
            to.copyFrom(from);
        }
    }
}
