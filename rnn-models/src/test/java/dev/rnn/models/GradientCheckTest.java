package dev.rnn.models;

import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The check itself: a small but right gradient passes, a zero or a wrong one does not. */
class GradientCheckTest {

    /** loss = scale · Σ θᵢ²: its directional derivatives are well below the absolute floor for a small scale. */
    private static DoubleSupplier squares(Matrix theta, double scale) {
        return () -> {
            float[] t = theta.toArray();
            double sum = 0;
            for (float v : t) {
                sum += (double) v * v;
            }
            return scale * sum;
        };
    }

    private static Matrix theta(Arena arena) {
        Matrix theta = Matrix.allocate(arena, 3, 5);
        float[] values = new float[15];
        Random r = new Random(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = r.nextFloat() * 2 - 1;
        }
        theta.copyFrom(values);
        return theta;
    }

    private static Matrix gradient(Arena arena, Matrix theta, double factor) {
        float[] t = theta.toArray();
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) (factor * t[i]);
        }
        Matrix g = Matrix.allocate(arena, theta.rows(), theta.cols());
        g.copyFrom(t);
        return g;
    }

    @Test
    void smallGradientsAreJudgedRelativelySoZeroCannotPass() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix theta = theta(arena);
            double scale = 1e-3;   // directional derivatives of order 1e-3, under the 5e-3 floor
            GradientCheck.directions("right", theta, gradient(arena, theta, 2 * scale), squares(theta, scale), new Random(1), 1e-2f, 3);
            assertThrows(AssertionFailedError.class, () -> GradientCheck.directions("zero", theta, gradient(arena, theta, 0),
                    squares(theta, scale), new Random(1), 1e-2f, 3));
            assertThrows(AssertionFailedError.class, () -> GradientCheck.directions("half", theta, gradient(arena, theta, scale),
                    squares(theta, scale), new Random(1), 1e-2f, 3));
        }
    }

    @Test
    void aLossThatDoesNotDependOnTheTensorCannotPass() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix theta = theta(arena);
            assertThrows(AssertionFailedError.class, () -> GradientCheck.directions("constant", theta, gradient(arena, theta, 0),
                    () -> 1.5, new Random(1), 1e-2f, 3));
        }
    }
}
