package dev.rnn.models.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

/** The target transforms: inverses, domains, and the expected value behind a forecast's back-transform. */
class TargetTransformTest {

    @Property(tries = 200)
    void theBackTransformWithoutErrorInvertsTheTransform(@ForAll @DoubleRange(min = 0, max = 1e6) double x) {
        for (TargetTransform t : TargetTransform.values()) {
            assertTrue(t.accepts(x));
            assertEquals(x, t.expectedValue(t.apply(x), 0), 1e-12 * Math.max(1, x), t.label());
        }
    }

    /**
     * The back-transform is E[g(T)] for T normal around the forecast t, g the inverse transform: checked
     * against the integral ∫ g(t + s·z) φ(z) dz by the trapezoid rule over ±10 standard deviations.
     */
    @Test
    void theBackTransformIsTheMeanOverTheForecastError() {
        double[][] cases = {{3, 0.5}, {8, 2}, {0.7, 0.05}};
        for (double[] c : cases) {
            double t = c[0], s = c[1];
            double sqrt = integral(z -> Math.pow(t + s * z, 2)), log1p = integral(z -> Math.expm1(t + s * z));
            assertEquals(sqrt, TargetTransform.SQRT.expectedValue(t, s * s), 1e-9 * sqrt);
            assertEquals(log1p, TargetTransform.LOG1P.expectedValue(t, s * s), 1e-9 * log1p);
            assertEquals(t, TargetTransform.NONE.expectedValue(t, s * s));
            // and the plain back-transform is biased low by the error's variance (sqrt) or more (log1p)
            assertTrue(TargetTransform.SQRT.expectedValue(t, 0) < sqrt && TargetTransform.LOG1P.expectedValue(t, 0) < log1p);
        }
        assertEquals(0.25, TargetTransform.SQRT.expectedValue(-1, 0.25), 0, "a forecast below the domain counts as its edge");
    }

    private static double integral(java.util.function.DoubleUnaryOperator g) {
        int n = 20_000;
        double h = 20.0 / n, sum = 0;
        for (int i = 0; i <= n; i++) {
            double z = -10 + i * h, w = i == 0 || i == n ? 0.5 : 1;
            sum += w * g.applyAsDouble(z) * Math.exp(-0.5 * z * z);
        }
        return sum * h / Math.sqrt(2 * Math.PI);
    }

    @Test
    void domainsAndNames() {
        assertFalse(TargetTransform.SQRT.accepts(-1e-9));
        assertTrue(TargetTransform.SQRT.accepts(Double.NaN), "a missing value is not out of the domain");
        assertFalse(TargetTransform.LOG1P.accepts(-1));
        assertTrue(TargetTransform.LOG1P.accepts(-0.99));
        assertTrue(TargetTransform.NONE.accepts(-1e300));
        assertTrue(Double.isNaN(TargetTransform.SQRT.apply(Double.NaN)));
        for (TargetTransform t : TargetTransform.values()) {
            assertEquals(t, TargetTransform.parse(t.label()));
        }
        assertEquals(TargetTransform.LOG1P, TargetTransform.parse(" LOG1P "));
        assertEquals("transform must be none, sqrt or log1p, found 'log'",
                assertThrows(IllegalArgumentException.class, () -> TargetTransform.parse("log")).getMessage());
    }
}
