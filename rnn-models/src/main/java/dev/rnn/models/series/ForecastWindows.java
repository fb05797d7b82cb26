package dev.rnn.models.series;

import java.util.Arrays;

/**
 * The windows of a series, each named by its last input row e: rows e−W+1..e are the input, rows
 * e+1..e+H the targets. A window with a missing value anywhere in those rows is skipped. The split is
 * chronological at row {@code split}: training windows have every target before it, test windows
 * every target at or after it (windows whose targets straddle the split belong to neither); the last
 * {@code validationFraction} of the training windows, in time order, validate.
 */
public record ForecastWindows(int window, int horizon, int[] train, int[] validation, int[] test, int skippedTraining,
                              int skippedTest) {

    public static ForecastWindows split(EncodedSeries s, int window, int horizon, int split, double validationFraction) {
        if (window < 1 || horizon < 1) {
            throw new IllegalArgumentException("window and horizon must be ≥ 1, found " + window + " and " + horizon);
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), found " + validationFraction);
        }
        int n = s.rows();
        int[] badInputs = new int[n + 1], badTargets = new int[n + 1];     // prefix counts
        for (int r = 0; r < n; r++) {
            badInputs[r + 1] = badInputs[r] + (s.complete(r) ? 0 : 1);
            badTargets[r + 1] = badTargets[r] + (Double.isNaN(s.target()[r]) ? 1 : 0);
        }
        int[] train = new int[n], test = new int[n];
        int nTrain = 0, nTest = 0, skipTrain = 0, skipTest = 0;
        for (int e = window - 1; e + horizon < n; e++) {
            boolean isTrain = e + horizon < split, isTest = e + 1 >= split;
            if (!isTrain && !isTest) {
                continue;
            }
            boolean ok = badInputs[e + 1] - badInputs[e + 1 - window] == 0 && badTargets[e + horizon + 1] - badTargets[e + 1] == 0;
            if (isTrain) {
                if (ok) {
                    train[nTrain++] = e;
                } else {
                    skipTrain++;
                }
            } else if (ok) {
                test[nTest++] = e;
            } else {
                skipTest++;
            }
        }
        int held = validationFraction == 0 ? 0 : Math.max(1, (int) Math.round(nTrain * validationFraction));
        return new ForecastWindows(window, horizon, Arrays.copyOf(train, nTrain - Math.min(held, nTrain)),
                Arrays.copyOfRange(train, Math.max(0, nTrain - held), nTrain), Arrays.copyOf(test, nTest), skipTrain, skipTest);
    }

    /** The row where the test part starts: the last {@code fraction} of {@code rows} rows (rounded), at least one row on each side. */
    public static int splitRow(int rows, double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be in (0, 1), found " + fraction);
        }
        return Math.min(rows - 1, Math.max(1, (int) Math.round(rows * (1 - fraction))));
    }
}
