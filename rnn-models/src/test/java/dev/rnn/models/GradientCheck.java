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

    /**
     * Checks {@code gradient} = ∂loss/∂target along {@code directions} random directions, so that a
     * gradient right in one direction and wrong in another cannot pass. Where the numeric derivative is
     * well above the absolute floor of {@link #directional} the bound is the same; where it is not,
     * the check is relative (5e-2·|numeric|) plus only the loss's own rounding amplified by 1/2ε,
     * measured by nudging every entry by one ulp (at least two ulps of the loss). And at least one direction must move the loss
     * {@value #SIGNAL_OVER_ROUNDING} times above that rounding, so that a gradient of zero, or a tensor the loss does not
     * depend on, cannot pass: there zero misses the bound by a factor of about three.
     */
    public static void directions(String what, Matrix target, Matrix gradient, DoubleSupplier loss, Random rnd, float eps,
                                  int directions) {
        float[] original = target.toArray(), g = gradient.toArray(), moved = new float[original.length];
        double noise = lossRounding(target, original, moved, loss, rnd) / eps;   // two rounded losses, over 2ε
        float[] direction = new float[original.length];
        double largest = 0;
        StringBuilder seen = new StringBuilder();
        for (int d = 0; d < directions; d++) {
            double analytic = 0;
            for (int i = 0; i < direction.length; i++) {
                direction[i] = rnd.nextFloat() * 2 - 1;
                analytic += (double) g[i] * direction[i];
            }
            double numeric = centralDifference(target, original, direction, moved, loss, eps);
            double tol = Math.abs(numeric) >= 10 * ABSOLUTE_FLOOR
                    ? 1e-2 * Math.max(Math.abs(analytic), Math.abs(numeric)) + ABSOLUTE_FLOOR
                    : 5e-2 * Math.abs(numeric) + noise;
            assertTrue(Math.abs(analytic - numeric) <= tol, what + " direction " + d + ": analytic " + analytic + " vs numeric "
                    + numeric + " (tolerance " + tol + ")");
            largest = Math.max(largest, Math.abs(numeric));
            seen.append(d == 0 ? "" : ", ").append(numeric);
        }
        assertTrue(largest >= SIGNAL_OVER_ROUNDING * noise, what + ": no direction moves the loss well above its rounding (numeric " + seen
                + "; rounding " + noise + "), so the check could not tell a zero gradient from this one");
    }

    /**
     * The loss's rounding: the largest change of the loss when every entry moves by one ulp either way,
     * and at least two ulps of the loss as a float (the precision most losses are summed in).
     */
    private static double lossRounding(Matrix target, float[] original, float[] moved, DoubleSupplier loss, Random rnd) {
        double at = loss.getAsDouble(), largest = 0;
        for (int probe = 0; probe < 4; probe++) {
            for (int i = 0; i < moved.length; i++) {
                moved[i] = rnd.nextBoolean() ? Math.nextUp(original[i]) : Math.nextDown(original[i]);
            }
            target.copyFrom(moved);
            largest = Math.max(largest, Math.abs(loss.getAsDouble() - at));
        }
        target.copyFrom(original);
        return Math.max(largest, 2 * Math.ulp((float) at));
    }

    /** (loss(θ + εV) − loss(θ − εV)) / 2ε with θ = {@code target} and V = {@code direction}; θ is restored after. */
    public static double centralDifference(Matrix target, float[] direction, DoubleSupplier loss, float eps) {
        float[] original = target.toArray();
        return centralDifference(target, original, direction, new float[original.length], loss, eps);
    }

    private static double centralDifference(Matrix target, float[] original, float[] direction, float[] moved, DoubleSupplier loss,
                                            float eps) {
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

    /** How far above the loss's rounding one direction's derivative must be (ten fails the additive attention's small weights). */
    private static final int SIGNAL_OVER_ROUNDING = 4;

    /** The absolute part of {@link #directional}'s bound. */
    private static final double ABSOLUTE_FLOOR = 5e-3;

    /** Checks {@code gradient} = ∂loss/∂target; {@code loss} reruns the forward pass and returns the loss. */
    public static void directional(String what, Matrix target, Matrix gradient, DoubleSupplier loss, Random rnd, float eps) {
        float[] original = target.toArray(), g = gradient.toArray(), moved = new float[original.length];
        float[] direction = new float[original.length];
        double analytic = 0;
        for (int i = 0; i < direction.length; i++) {
            direction[i] = rnd.nextFloat() * 2 - 1;
            analytic += (double) g[i] * direction[i];
        }
        double numeric = centralDifference(target, original, direction, moved, loss, eps);
        double tol = 1e-2 * Math.max(Math.abs(analytic), Math.abs(numeric)) + ABSOLUTE_FLOOR;
        assertTrue(Math.abs(analytic - numeric) <= tol,
                what + ": analytic " + analytic + " vs numeric " + numeric + " (tolerance " + tol + ")");
    }
}
