package dev.rnn.models.series;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The paired comparison of two forecasters' per-window losses: its mean, its standard error, and the one-SE rule. */
class ForecastComparisonTest {

    @Test
    void lagZeroIsTheSampleStandardErrorOfTheMeanDifference() {
        ForecastComparison c = ForecastComparison.of(new double[] {2, 4, 6, 8}, new double[] {1, 2, 3, 4}, 0);
        assertEquals(2.5, c.meanDifference(), 1e-15);
        // differences 1, 2, 3, 4: sample variance 5/3, so the mean's standard error is sqrt(5/3 / 4)
        assertEquals(Math.sqrt(5.0 / 3 / 4), c.standardError(), 1e-15);
        assertEquals(4, c.windows());
        assertFalse(c.candidateBetterByOneStandardError());
    }

    @Test
    void overlappingForecastsAddTheirBartlettWeightedAutocovariances() {
        // differences 1, 2, 3, 4 around their mean 2.5: lag-1 autocovariance (0.75 − 0.25 + 0.75) / 4 = 0.3125,
        // weighted 1 − 1/2 and counted twice
        ForecastComparison c = ForecastComparison.of(new double[] {1, 2, 3, 4}, new double[4], 1);
        assertEquals(Math.sqrt((5.0 / 3 + 0.3125) / 4), c.standardError(), 1e-15);
    }

    @Test
    void theRuleNeedsAGainBeyondOneStandardError() {
        double[] reference = new double[400], clear = new double[400], slight = new double[400];
        Random rnd = new Random(5);
        for (int i = 0; i < reference.length; i++) {
            reference[i] = 1 + rnd.nextGaussian() * 0.5;
            double noise = rnd.nextGaussian() * 0.2;          // per-window scatter of the difference: SE ≈ 0.01
            clear[i] = reference[i] - 0.05 + noise;
            slight[i] = reference[i] - 0.002 + noise;
        }
        ForecastComparison better = ForecastComparison.of(clear, reference, 0);
        assertTrue(better.candidateBetterByOneStandardError(), better.toString());
        ForecastComparison within = ForecastComparison.of(slight, reference, 0);
        assertFalse(within.candidateBetterByOneStandardError(), within.toString());
        // the same forecasts are never better than themselves
        ForecastComparison same = ForecastComparison.of(reference, reference, 3);
        assertEquals(0, same.standardError());
        assertFalse(same.candidateBetterByOneStandardError());
    }

    @Test
    void refusesMismatchedOrTooFewWindowsAndNegativeLags() {
        assertThrows(IllegalArgumentException.class, () -> ForecastComparison.of(new double[3], new double[4], 0));
        assertThrows(IllegalArgumentException.class, () -> ForecastComparison.of(new double[1], new double[1], 0));
        assertThrows(IllegalArgumentException.class, () -> ForecastComparison.of(new double[3], new double[3], -1));
    }
}
