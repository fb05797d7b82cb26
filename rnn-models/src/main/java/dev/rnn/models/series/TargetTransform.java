package dev.rnn.models.series;

import java.util.Locale;

/**
 * A transform of the target column applied before standardization, for series whose noise grows with
 * their level: counts (sunspots, arrivals) are near-Poisson, and their square root has a nearly
 * constant variance; positive quantities with multiplicative noise (prices, loads) are steadier in
 * log1p. The model is fitted in the transformed units, and a forecast is turned back into the CSV's
 * units as the <em>mean</em> of the back-transformed value, not the back-transform of the mean, which
 * would be biased low: for a forecast error of variance v in transformed units, E[T²] = t² + v and
 * E[exp(T) − 1] = exp(t + v/2) − 1 when T is normal around t.
 */
public enum TargetTransform {
    /** The values as they are. */
    NONE,
    /** √x; values must be ≥ 0. */
    SQRT,
    /** ln(1 + x); values must be > −1. */
    LOG1P;

    /** The transformed value; NaN (missing) stays NaN. */
    public double apply(double x) {
        return switch (this) {
            case NONE -> x;
            case SQRT -> Math.sqrt(x);
            case LOG1P -> Math.log1p(x);
        };
    }

    /** Whether {@code x} is in the transform's domain; NaN (missing) is. */
    public boolean accepts(double x) {
        return switch (this) {
            case NONE -> true;
            case SQRT -> !(x < 0);
            case LOG1P -> !(x <= -1);
        };
    }

    /** The domain in words, for error messages. */
    public String domain() {
        return switch (this) {
            case NONE -> "any number";
            case SQRT -> "values ≥ 0";
            case LOG1P -> "values > -1";
        };
    }

    /**
     * The expected value in the CSV's units of a quantity whose transform is normal with mean {@code t}
     * and variance {@code variance} (the forecast error's, in transformed units; 0 gives the plain
     * back-transform). For SQRT a negative {@code t} counts as 0, the edge of the domain.
     */
    public double expectedValue(double t, double variance) {
        return switch (this) {
            case NONE -> t;
            case SQRT -> {
                double r = Math.max(t, 0);
                yield r * r + variance;
            }
            case LOG1P -> Math.expm1(t + 0.5 * variance);
        };
    }

    /** Its name in model files and on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The transform named {@code none}, {@code sqrt} or {@code log1p}. */
    public static TargetTransform parse(String name) {
        for (TargetTransform t : values()) {
            if (t.label().equals(name.strip().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("transform must be none, sqrt or log1p, found '" + name + "'");
    }
}
