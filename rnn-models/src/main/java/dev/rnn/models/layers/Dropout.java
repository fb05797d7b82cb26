package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Inverted dropout: during training each element is zeroed with probability p and the others scaled
 * by 1/(1−p), so inference is the identity. The mask of the last forward is kept for backward, in a
 * buffer of up to {@code maxRows}×{@code cols}. Not thread-safe.
 */
public final class Dropout {

    private final Kernels kernels;
    private final double p;
    private final Matrix mask;
    private int rows;
    private boolean active;

    public Dropout(Kernels kernels, Arena arena, double p, int maxRows, int cols) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), found " + p);
        }
        this.kernels = kernels;
        this.p = p;
        this.mask = p > 0 ? Matrix.allocate(arena, maxRows, cols) : null;
    }

    /** out = x masked (training) or x (not training); out may be x. */
    public void forward(Matrix x, Matrix out, boolean training, SplittableRandom random) {
        if (!begin(x, out, training)) {
            return;
        }
        Matrix m = mask.sliceRows(0, rows);
        float keep = (float) (1 / (1 - p));
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < m.cols(); c++) {
                m.set(r, c, random.nextDouble() < p ? 0f : keep);
            }
        }
        kernels.mul(x, m, out);
    }

    /**
     * As {@link #forward(Matrix, Matrix, boolean, SplittableRandom)} with {@code new SplittableRandom(seed)}
     * (the same mask bits), computed without the generator (see {@link DropoutMasks}).
     */
    public void forward(Matrix x, Matrix out, boolean training, long seed) {
        if (!begin(x, out, training)) {
            return;
        }
        Matrix m = mask.sliceRows(0, rows);
        DropoutMasks.fill(m, seed, 0, p);
        kernels.mul(x, m, out);
    }

    /** Starts a forward pass over x: whether it masks; when it does not, out already holds x. */
    private boolean begin(Matrix x, Matrix out, boolean training) {
        active = training && p > 0;
        rows = x.rows();
        if (!active && out != x) {
            out.copyFrom(x);
        }
        return active;
    }

    /** dx = dOut masked as the last forward was; dx may be dOut. */
    public void backward(Matrix dOut, Matrix dx) {
        if (!active) {
            if (dx != dOut) {
                dx.copyFrom(dOut);
            }
            return;
        }
        kernels.mul(dOut, mask.sliceRows(0, rows), dx);
    }
}
