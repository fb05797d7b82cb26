package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;

/**
 * PyTorch's equations for nn.RNN, nn.LSTM and nn.GRU, one sequence at a time in double precision,
 * written directly from the documentation: the reference the layer is checked against.
 */
final class ReferenceRnn {

    private ReferenceRnn() {
    }

    /** Output rows (T×H) of one sequence; {@code h} and {@code c} (H each) are updated to the final state. */
    static double[][] run(CellParameters p, double[][] x, double[] h, double[] c) {
        int steps = x.length, hs = p.hiddenSize();
        double[][] out = new double[steps][];
        for (int t = 0; t < steps; t++) {
            double[] gi = affine(p.weightIh(), p.biasIh(), x[t]);
            double[] gh = affine(p.weightHh(), p.biasHh(), h);
            double[] next = new double[hs];
            switch (p.kind()) {
                case RNN_TANH, RNN_RELU -> {
                    for (int j = 0; j < hs; j++) {
                        double a = gi[j] + gh[j];
                        next[j] = p.kind() == CellKind.RNN_TANH ? Math.tanh(a) : Math.max(a, 0);
                    }
                }
                case LSTM -> {
                    for (int j = 0; j < hs; j++) {
                        double i = sigmoid(gi[j] + gh[j]), f = sigmoid(gi[hs + j] + gh[hs + j]);
                        double g = Math.tanh(gi[2 * hs + j] + gh[2 * hs + j]), o = sigmoid(gi[3 * hs + j] + gh[3 * hs + j]);
                        c[j] = f * c[j] + i * g;
                        next[j] = o * Math.tanh(c[j]);
                    }
                }
                case GRU -> {
                    for (int j = 0; j < hs; j++) {
                        double r = sigmoid(gi[j] + gh[j]), z = sigmoid(gi[hs + j] + gh[hs + j]);
                        double n = Math.tanh(gi[2 * hs + j] + r * gh[2 * hs + j]);
                        next[j] = (1 - z) * n + z * h[j];
                    }
                }
                default -> throw new IllegalStateException();
            }
            System.arraycopy(next, 0, h, 0, hs);
            out[t] = next;
        }
        return out;
    }

    private static double[] affine(Matrix w, Matrix bias, double[] v) {
        double[] out = new double[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            double s = bias == null ? 0 : bias.get(0, r);
            for (int c = 0; c < w.cols(); c++) {
                s += w.get(r, c) * v[c];
            }
            out[r] = s;
        }
        return out;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
