package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.util.List;

/** L2 and L1 penalties added to the gradients: λ/2·Σp² adds λ·p, λ·Σ|p| adds λ·sign(p). */
public final class Regularization {

    private Regularization() {
    }

    /** g ← g + λ·p for every parameter. */
    public static void addL2(Kernels kernels, List<Matrix> params, List<Matrix> grads, double lambda) {
        for (int i = 0; i < params.size(); i++) {
            kernels.axpy((float) lambda, params.get(i), grads.get(i));
        }
    }

    /** g ← g + λ·sign(p) for every parameter (sign(0) = 0). */
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
}
