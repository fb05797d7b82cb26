package dev.rnn.models.series;

/**
 * Two forecasters compared on the same windows, as in the Diebold–Mariano test: d_i, the candidate's
 * loss minus the reference's on window i (windows in time order), its mean, and the standard error of
 * that mean. Forecasts h rows ahead overlap, so their errors are correlated up to lag h − 1; the
 * variance of the mean is the Newey–West estimate with Bartlett weights up to that lag (lag 0 gives
 * the plain sample standard error).
 *
 * @param meanDifference mean of candidate − reference; negative when the candidate does better
 * @param standardError  standard error of {@code meanDifference}, ≥ 0
 * @param windows        how many windows were compared
 */
public record ForecastComparison(double meanDifference, double standardError, int windows) {

    /** Compares per-window losses {@code candidate[i]} and {@code reference[i]} (same windows, time order); {@code lags} ≥ 0. */
    public static ForecastComparison of(double[] candidate, double[] reference, int lags) {
        int n = candidate.length;
        if (reference.length != n || n < 2) {
            throw new IllegalArgumentException("need the same windows, at least 2, for both forecasters; found " + n + " and "
                    + reference.length);
        }
        if (lags < 0) {
            throw new IllegalArgumentException("lags must be ≥ 0, found " + lags);
        }
        double[] d = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            d[i] = candidate[i] - reference[i];
            mean += d[i];
        }
        mean /= n;
        double variance = autocovariance(d, mean, 0) * n / (n - 1.0);    // unbiased at lag 0, so lag 0 is the usual standard error
        for (int k = 1; k <= Math.min(lags, n - 1); k++) {
            variance += 2 * (1 - k / (lags + 1.0)) * autocovariance(d, mean, k);
        }
        return new ForecastComparison(mean, Math.sqrt(Math.max(0, variance) / n), n);
    }

    private static double autocovariance(double[] d, double mean, int lag) {
        double s = 0;
        for (int i = lag; i < d.length; i++) {
            s += (d[i] - mean) * (d[i - lag] - mean);
        }
        return s / d.length;
    }

    /** Whether the candidate's mean loss is lower than the reference's by more than one standard error. */
    public boolean candidateBetterByOneStandardError() {
        return meanDifference < -standardError;
    }
}
