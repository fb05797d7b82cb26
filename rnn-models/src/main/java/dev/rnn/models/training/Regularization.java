package dev.rnn.models.training;

import static dev.rnn.core.Matrix.FLOAT;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * L1 and L2 penalties on the parameters, added to the loss: penalty = l1·Σ|p| + l2/2·Σp² over every
 * trainable tensor, whose gradient l1·sign(p) + l2·p is added to the loss's gradients. Immutable;
 * {@link #NONE} has both strengths 0.
 */
public record Regularization(double l1, double l2) {

    /** No penalty. */
    public static final Regularization NONE = new Regularization(0, 0);

    public Regularization {
        if (!(l1 >= 0) || Double.isInfinite(l1)) {
            throw new IllegalArgumentException("L1 strength must be a finite number ≥ 0, found " + l1);
        }
        if (!(l2 >= 0) || Double.isInfinite(l2)) {
            throw new IllegalArgumentException("L2 strength must be a finite number ≥ 0, found " + l2);
        }
    }

    /** Whether both strengths are 0. */
    public boolean isNone() {
        return l1 == 0 && l2 == 0;
    }

    /** l1·Σ|p| + l2/2·Σp² over {@code params} (accumulated in double). */
    public double penalty(Kernels kernels, List<Matrix> params) {
        double squares = 0, absolutes = 0;
        for (Matrix p : params) {
            if (l2 != 0) {
                squares += kernels.sumOfSquares(p);
            }
            if (l1 != 0) {
                absolutes += sumOfAbsolutes(p);
            }
        }
        return l1 * absolutes + l2 / 2 * squares;
    }

    /** Adds the penalty's gradient into {@code grads} (same order and shapes as {@code params}) and returns the penalty. */
    public double addTo(Kernels kernels, List<Matrix> params, List<Matrix> grads) {
        double penalty = penalty(kernels, params);
        if (l2 != 0) {
            addL2(kernels, params, grads, l2);
        }
        if (l1 != 0) {
            addL1(params, grads, l1);
        }
        return penalty;
    }

    /** g ← g + λ·p for every parameter: the gradient of λ/2·Σp². */
    public static void addL2(Kernels kernels, List<Matrix> params, List<Matrix> grads, double lambda) {
        for (int i = 0; i < params.size(); i++) {
            kernels.axpy((float) lambda, params.get(i), grads.get(i));
        }
    }

    /** g ← g + λ·sign(p) for every parameter (sign(0) = 0): the gradient of λ·Σ|p| where it has one. */
    public static void addL1(List<Matrix> params, List<Matrix> grads, double lambda) {
        float l = (float) lambda;
        for (int i = 0; i < params.size(); i++) {
            Matrix p = params.get(i), g = grads.get(i);
            for (int r = 0; r < p.rows(); r++) {
                for (int c = 0; c < p.cols(); c++) {
                    g.set(r, c, g.get(r, c) + l * Math.signum(p.get(r, c)));
                }
            }
        }
    }

    private static double sumOfAbsolutes(Matrix p) {
        MemorySegment s = p.segment();
        double sum = 0;
        for (int r = 0; r < p.rows(); r++) {
            for (int c = 0; c < p.cols(); c++) {
                sum += Math.abs(s.get(FLOAT, p.offset(r, c)));
            }
        }
        return sum;
    }
}
