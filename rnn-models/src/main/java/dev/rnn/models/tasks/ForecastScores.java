package dev.rnn.models.tasks;

import dev.rnn.models.series.EncodedSeries;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A forecaster's scores on a set of windows, for the output H rows ahead, in the CSV's units:
 * root-mean-squared and mean absolute error, and the persistence forecast's RMSE on exactly the same
 * windows (predicting the target H rows ahead by its value at the window's last row). Also the RMSE of
 * each output, 1..H rows ahead, with persistence's on the same windows, and each window's target
 * row, truth and prediction (H ahead) for plotting.
 */
public record ForecastScores(double rmse, double mae, double persistenceRmse, int windows, int skipped, int unseenCategories,
                             double[] rmseByStep, double[] persistenceRmseByStep, int[] rows, double[] truth, double[] predicted) {

    /** Scores {@code model} on the windows ending at {@code ends}; {@code skipped} is only reported. */
    public static ForecastScores of(Forecaster model, EncodedSeries series, int[] ends, int skipped) {
        if (ends.length == 0) {
            throw new IllegalArgumentException(series.table().file() + ": no complete window to score (" + skipped
                    + " skipped for missing values)");
        }
        int h = model.config().horizon();
        double[][] p = model.predict(series, ends);
        double[] y = series.target();
        int[] rows = new int[ends.length];
        double[] truth = new double[ends.length], predicted = new double[ends.length];
        double se = 0, ae = 0, pse = 0;
        double[] byStep = new double[h], persistenceByStep = new double[h];
        for (int i = 0; i < ends.length; i++) {
            int e = ends[i];
            for (int s = 0; s < h; s++) {
                double d = p[i][s] - y[e + 1 + s], dp = y[e] - y[e + 1 + s];
                byStep[s] += d * d;
                persistenceByStep[s] += dp * dp;
            }
            rows[i] = e + h;
            truth[i] = y[e + h];
            predicted[i] = p[i][h - 1];
            double d = predicted[i] - truth[i], dp = y[e] - truth[i];
            se += d * d;
            ae += Math.abs(d);
            pse += dp * dp;
        }
        int n = ends.length;
        for (int s = 0; s < h; s++) {
            byStep[s] = Math.sqrt(byStep[s] / n);
            persistenceByStep[s] = Math.sqrt(persistenceByStep[s] / n);
        }
        return new ForecastScores(Math.sqrt(se / n), ae / n, Math.sqrt(pse / n), n, skipped, series.unseenCategories(), byStep,
                persistenceByStep, rows, truth, predicted);
    }

    /**
     * The report: a summary line, then {@code rmse: X}, {@code mae: Y}, {@code persistence-rmse: Z}; for
     * H > 1 also {@code rmse-by-step} and {@code persistence-rmse-by-step}, H values each.
     */
    public void print(PrintWriter out, String part) {
        out.printf(Locale.ROOT, "%s: %d windows scored, %d skipped for missing values%s; rmse/persistence %.4f%n", part, windows, skipped,
                unseenCategories == 0 ? "" : ", " + unseenCategories + " categorical values the model had not seen (all-zero inputs)",
                rmse / persistenceRmse);
        out.printf(Locale.ROOT, "rmse: %.6g%nmae: %.6g%npersistence-rmse: %.6g%n", rmse, mae, persistenceRmse);
        if (rmseByStep.length > 1) {
            out.println("rmse-by-step:" + list(rmseByStep));
            out.println("persistence-rmse-by-step:" + list(persistenceRmseByStep));
        }
        out.flush();
    }

    private static String list(double[] values) {
        StringBuilder b = new StringBuilder();
        for (double v : values) {
            b.append(String.format(Locale.ROOT, " %.4g", v));
        }
        return b.toString();
    }
}
