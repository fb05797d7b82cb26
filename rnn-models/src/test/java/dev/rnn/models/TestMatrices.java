package dev.rnn.models;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.util.Random;

/** Random matrices and sums for the models' tests. */
public final class TestMatrices {

    private TestMatrices() {
    }

    /** Fills m with uniform values in [−scale, scale) and returns it. */
    public static Matrix fill(Matrix m, Random rnd, float scale) {
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                m.set(r, c, (rnd.nextFloat() * 2 - 1) * scale);
            }
        }
        return m;
    }

    /** A new rows×cols matrix of uniform values in [−scale, scale). */
    public static Matrix random(Arena arena, int rows, int cols, Random rnd, float scale) {
        return fill(Matrix.allocate(arena, rows, cols), rnd, scale);
    }

    /** Σ a⊙b in double. */
    public static double dot(Matrix a, Matrix b) {
        double s = 0;
        for (int r = 0; r < a.rows(); r++) {
            for (int c = 0; c < a.cols(); c++) {
                s += (double) a.get(r, c) * b.get(r, c);
            }
        }
        return s;
    }
}
