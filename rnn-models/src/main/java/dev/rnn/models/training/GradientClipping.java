package dev.rnn.models.training;

import static dev.rnn.core.Matrix.FLOAT;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** Gradient clipping as PyTorch's {@code clip_grad_norm_} and {@code clip_grad_value_}. */
public final class GradientClipping {

    private GradientClipping() {
    }

    /** The L2 norm of all gradients taken together (accumulated in double). */
    public static double globalNorm(Kernels kernels, List<Matrix> grads) {
        double s = 0;
        for (Matrix g : grads) {
            s += kernels.sumOfSquares(g);
        }
        return Math.sqrt(s);
    }

    /**
     * Scales every gradient by maxNorm / (norm + 1e-6) when the global norm exceeds maxNorm, which
     * keeps the direction and bounds the norm. Returns the norm before clipping.
     */
    public static double clipByGlobalNorm(Kernels kernels, List<Matrix> grads, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("max norm must be > 0, found " + maxNorm);
        }
        double norm = globalNorm(kernels, grads);
        if (norm > maxNorm) {
            float factor = (float) (maxNorm / (norm + 1e-6));
            for (Matrix g : grads) {
                kernels.scale(factor, g, g);
            }
        }
        return norm;
    }

    /** Clamps every gradient element to [−limit, limit]. */
    public static void clipByValue(List<Matrix> grads, double limit) {
        if (!(limit > 0)) {
            throw new IllegalArgumentException("clip value must be > 0, found " + limit);
        }
        float l = (float) limit;
        for (Matrix g : grads) {
            MemorySegment s = g.segment();
            for (int r = 0; r < g.rows(); r++) {
                for (int c = 0; c < g.cols(); c++) {
                    long o = g.offset(r, c);
                    s.set(FLOAT, o, Math.max(-l, Math.min(l, s.get(FLOAT, o))));
                }
            }
        }
    }
}
