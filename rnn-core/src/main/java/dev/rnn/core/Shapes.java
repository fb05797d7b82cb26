package dev.rnn.core;

/**
 * Shape checks shared by every kernel implementation, so that the scalar and SIMD backends reject
 * exactly the same inputs with exactly the same messages. Each failure is an
 * {@link IllegalArgumentException} naming the operation and both shapes.
 */
public final class Shapes {

    private Shapes() {
    }

    public static void requireSameShape(String op, Matrix a, Matrix b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": shapes differ, " + a.shape() + " vs " + b.shape());
        }
    }

    public static void requireSameShape(String op, Matrix a, Matrix b, Matrix c) {
        requireSameShape(op, a, b);
        requireSameShape(op, a, c);
    }

    public static void requireSameShape(String op, Matrix a, Matrix b, Matrix c, Matrix d) {
        requireSameShape(op, a, b, c);
        requireSameShape(op, a, d);
    }

    /** Checks that matrix {@code name} is rows×cols. */
    public static void require(String name, Matrix m, int rows, int cols) {
        if (m.rows() != rows || m.cols() != cols) {
            throw new IllegalArgumentException(name + " must be " + rows + "×" + cols + ", found " + m.shape());
        }
    }

    /** Checks C (m×n) = A (m×k) · op(B) (k×n) for a prepared op(B) of {@code k}×{@code n}. */
    public static void requirePreparedProduct(Matrix a, int k, int n, Matrix c) {
        if (a.cols() != k || c.rows() != a.rows() || c.cols() != n) {
            throw new IllegalArgumentException("gemm: cannot multiply A " + a.shape() + " by a prepared " + k + "×" + n
                    + " operand into C " + c.shape() + " (expected C " + a.rows() + "×" + n + " and A with " + k + " columns)");
        }
    }

    /** Checks the arguments of {@code Kernels.packedGemv}. */
    public static void requirePackedGemv(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y) {
        if (colFrom < 0 || colTo > w.paddedCols() || colFrom > colTo || colFrom % PackedMatrix.BLOCK != 0
                || colTo % PackedMatrix.BLOCK != 0) {
            throw new IllegalArgumentException("packedGemv: columns [" + colFrom + ", " + colTo + ") are not whole blocks of "
                    + PackedMatrix.BLOCK + " within the " + w.paddedCols() + " padded columns");
        }
        if (x.rows() != 1 || x.cols() < colTo || !x.isContiguous()) {
            throw new IllegalArgumentException("packedGemv: x must be a contiguous 1×m vector with m ≥ " + colTo + ", found " + x.shape());
        }
        requireVector("packedGemv", "y", y, w.rows());
        if (bias != null) {
            requireVector("packedGemv", "bias", bias, w.rows());
        }
    }

    /** Checks gates B×4H, c and h B×H for {@code Kernels.lstmUpdate}. */
    public static void requireLstmUpdate(Matrix gates, Matrix c, Matrix h) {
        requireSameShape("lstmUpdate", c, h);
        if (gates.rows() != c.rows() || gates.cols() != 4 * c.cols()) {
            throw new IllegalArgumentException("lstmUpdate: gates must be " + c.rows() + "×" + 4 * c.cols() + " for states "
                    + c.shape() + ", found " + gates.shape());
        }
    }

    /** Checks rz B×2H and nx, nh, h B×H for {@code Kernels.gruUpdate}. */
    public static void requireGruUpdate(Matrix rz, Matrix nx, Matrix nh, Matrix h) {
        requireSameShape("gruUpdate", nx, nh, h);
        if (rz.rows() != h.rows() || rz.cols() != 2 * h.cols()) {
            throw new IllegalArgumentException("gruUpdate: rz must be " + h.rows() + "×" + 2 * h.cols() + " for states "
                    + h.shape() + ", found " + rz.shape());
        }
    }

    /**
     * Checks xProj and hProj B×4H (hProj may be null), cPrev, c, h B×H and saved B×5H for the fused LSTM
     * steps of {@code Kernels}.
     */
    public static void requireLstmStep(Matrix xProj, Matrix hProj, Matrix cPrev, Matrix saved, Matrix c, Matrix h) {
        requireSameShape("lstm step", cPrev, c, h);
        if (hProj != null) {
            requireSameShape("lstm step", xProj, hProj);
        }
        requireWidth("lstm step", "gates", xProj, c, 4);
        requireWidth("lstm step", "saved", saved, c, 5);
    }

    /** Checks xProj and hProj B×3H, hPrev and h B×H and saved B×4H for the fused GRU steps of {@code Kernels}. */
    public static void requireGruStep(Matrix xProj, Matrix hProj, Matrix hPrev, Matrix saved, Matrix h) {
        requireSameShape("gru step", hPrev, h);
        requireSameShape("gru step", xProj, hProj);
        requireWidth("gru step", "gates", xProj, h, 3);
        requireWidth("gru step", "saved", saved, h, 4);
    }

    private static void requireWidth(String op, String name, Matrix m, Matrix state, int blocks) {
        if (m.rows() != state.rows() || m.cols() != blocks * state.cols()) {
            throw new IllegalArgumentException(op + ": " + name + " must be " + state.rows() + "×" + blocks * state.cols()
                    + " for states " + state.shape() + ", found " + m.shape());
        }
    }

    /** A vector is a matrix with one row. */
    public static void requireVector(String op, String name, Matrix v, int length) {
        if (v.rows() != 1 || v.cols() != length) {
            throw new IllegalArgumentException(op + ": " + name + " must be a 1×" + length + " vector, found " + v.shape());
        }
    }

    /** Checks C (m×n) = op(A) (m×k) · op(B) (k×n) given the shapes of op(A) and op(B). */
    public static void requireProduct(String op, Matrix a, int am, int ak, Matrix b, int bk, int bn, Matrix c) {
        if (ak != bk || c.rows() != am || c.cols() != bn) {
            throw new IllegalArgumentException(op + ": cannot multiply A " + a.shape() + " by B " + b.shape()
                    + " into C " + c.shape() + " (expected C " + am + "×" + bn + " and inner sizes "
                    + ak + " = " + bk + ")");
        }
    }

    public static void requireTargets(String op, Matrix logits, int[] targets, float[] losses) {
        if (targets.length != logits.rows()) {
            throw new IllegalArgumentException(op + ": " + targets.length + " targets for " + logits.rows()
                    + " rows of logits " + logits.shape());
        }
        if (losses.length < logits.rows()) {
            throw new IllegalArgumentException(op + ": loss buffer of length " + losses.length + " is too short for "
                    + logits.rows() + " rows of logits " + logits.shape());
        }
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] >= logits.cols()) {
                throw new IllegalArgumentException(op + ": target " + targets[i] + " at row " + i
                        + " is outside the " + logits.cols() + " classes of logits " + logits.shape());
            }
        }
    }
}
