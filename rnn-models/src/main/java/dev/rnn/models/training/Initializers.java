package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import java.util.SplittableRandom;

/**
 * Seeded parameter initialisation: the same seed gives the same model. PyTorch's default for recurrent
 * layers (every parameter uniform in ±1/√H), Xavier/Glorot uniform, orthogonal recurrent weights, and
 * the LSTM forget-gate bias of 1.
 */
public final class Initializers {

    private final SplittableRandom random;

    public Initializers(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Every element uniform in [−bound, bound). */
    public void uniform(Matrix m, double bound) {
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                m.set(r, c, (float) ((random.nextDouble() * 2 - 1) * bound));
            }
        }
    }

    /** PyTorch's {@code nn.RNN/LSTM/GRU} default: every weight and bias uniform in ±1/√H. */
    public void pytorchDefault(CellParameters p) {
        double bound = 1 / Math.sqrt(p.hiddenSize());
        for (Matrix m : p.tensors()) {
            uniform(m, bound);
        }
    }

    /** Xavier/Glorot uniform for a rows×cols weight: bound √(6 / (rows + cols)). */
    public void xavierUniform(Matrix w) {
        uniform(w, Math.sqrt(6.0 / (w.rows() + w.cols())));
    }

    /**
     * Each H×H gate block of weight_hh an orthogonal matrix (rows orthonormal), from Gram-Schmidt on a
     * Gaussian matrix, which keeps the recurrent map from shrinking or growing vectors at the start.
     */
    public void orthogonalRecurrent(CellParameters p) {
        int h = p.hiddenSize();
        for (int g = 0; g < p.kind().gates(); g++) {
            orthogonal(p.weightHh().sliceRows(g * h, (g + 1) * h));
        }
    }

    /** Fills a square matrix with a random orthogonal one. */
    public void orthogonal(Matrix m) {
        int n = m.rows();
        if (m.cols() != n) {
            throw new IllegalArgumentException("orthogonal initialisation needs a square matrix, found " + m.shape());
        }
        double[][] q = new double[n][n];
        for (int i = 0; i < n; i++) {
            do {
                for (int j = 0; j < n; j++) {
                    q[i][j] = random.nextDouble() * 2 - 1 + random.nextDouble() * 2 - 1; // roughly Gaussian
                }
                // modified Gram-Schmidt against the rows before it, twice for accuracy
                for (int pass = 0; pass < 2; pass++) {
                    for (int k = 0; k < i; k++) {
                        double d = 0;
                        for (int j = 0; j < n; j++) {
                            d += q[i][j] * q[k][j];
                        }
                        for (int j = 0; j < n; j++) {
                            q[i][j] -= d * q[k][j];
                        }
                    }
                }
            } while (normalize(q[i]) < 1e-6);
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m.set(i, j, (float) q[i][j]);
            }
        }
    }

    private static double normalize(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        double norm = Math.sqrt(s);
        if (norm >= 1e-6) {
            for (int j = 0; j < v.length; j++) {
                v[j] /= norm;
            }
        }
        return norm;
    }

    /**
     * Sets the LSTM forget gate's total bias to {@code value}: bias_ih's f block to value and bias_hh's
     * f block to 0, so the gate starts mostly open and gradients flow through c from the start.
     */
    public static void forgetGateBias(CellParameters p, float value) {
        if (p.kind() != CellKind.LSTM || !p.hasBias()) {
            throw new IllegalArgumentException("forget-gate bias needs an LSTM with bias, found " + p.kind()
                    + (p.hasBias() ? "" : " without bias"));
        }
        int h = p.hiddenSize();
        for (int j = h; j < 2 * h; j++) {
            p.biasIh().set(0, j, value);
            p.biasHh().set(0, j, 0f);
        }
    }
}
