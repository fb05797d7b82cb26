package dev.rnn.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * A gradient against central differences along a random direction V: Σ grad⊙V must match
 * (loss(θ + εV) − loss(θ − εV)) / 2ε within 1e-2·max(|analytic|, |numeric|) + 5e-3. The bound is
 * justified where it is used (truncation ε²/6·|f'''|, float rounding of the loss amplified by 1/2ε).
 */
public final class GradientCheck {

    private GradientCheck() {
    }

    /** Checks {@code gradient} = ∂loss/∂target; {@code loss} reruns the forward pass and returns the loss. */
    public static void directional(String what, Matrix target, Matrix gradient, DoubleSupplier loss, Random rnd, float eps) {
        float[] g = gradient.toArray(), direction = new float[g.length];
        double analytic = 0;
        for (int i = 0; i < direction.length; i++) {
            direction[i] = rnd.nextFloat() * 2 - 1;
            analytic += (double) g[i] * direction[i];
        }
        double numeric = centralDifference(target, direction, loss, eps);
        double tol = 1e-2 * Math.max(Math.abs(analytic), Math.abs(numeric)) + 5e-3;
        assertTrue(Math.abs(analytic - numeric) <= tol,
                what + ": analytic " + analytic + " vs numeric " + numeric + " (tolerance " + tol + ")");
    }

    /** (loss(θ + εV) − loss(θ − εV)) / 2ε with θ = {@code target} and V = {@code direction}; θ is restored after. */
    public static double centralDifference(Matrix target, float[] direction, DoubleSupplier loss, float eps) {
        float[] original = target.toArray(), moved = new float[original.length];
        for (int i = 0; i < moved.length; i++) {
            moved[i] = original[i] + eps * direction[i];
        }
        target.copyFrom(moved);
        double plus = loss.getAsDouble();
        for (int i = 0; i < moved.length; i++) {
            moved[i] = original[i] - eps * direction[i];
        }
        target.copyFrom(moved);
        double minus = loss.getAsDouble();
        target.copyFrom(original);
        return (plus - minus) / (2.0 * eps);
    }
}
