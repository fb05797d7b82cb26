package dev.rnn.models.tasks;

import dev.rnn.models.series.EncodedSeries;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A forecaster's scores on a set of windows, for the output H rows ahead, in the CSV's units:
 * root-mean-squared and mean absolute error, and the persistence forecast's RMSE on exactly the same
 * windows (predicting the target H rows ahead by its value at the window's last row). Also keeps
 * each window's target row, truth and prediction for plotting.
 */
public record ForecastScores(double rmse, double mae, double persistenceRmse, int windows, int skipped, int unseenCategories,
                             int[] rows, double[] truth, double[] predicted) {

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
        for (int i = 0; i < ends.length; i++) {
            int e = ends[i];
            rows[i] = e + h;
            truth[i] = y[e + h];
            predicted[i] = p[i][h - 1];
            double d = predicted[i] - truth[i], dp = y[e] - truth[i];
            se += d * d;
            ae += Math.abs(d);
            pse += dp * dp;
        }
        int n = ends.length;
        return new ForecastScores(Math.sqrt(se / n), ae / n, Math.sqrt(pse / n), n, skipped, series.unseenCategories(), rows, truth,
                predicted);
    }

    /** The report: a summary line, then {@code rmse: X}, {@code mae: Y}, {@code persistence-rmse: Z}. */
    public void print(PrintWriter out, String part) {
        out.printf(Locale.ROOT, "%s: %d windows scored, %d skipped for missing values%s; rmse/persistence %.4f%n", part, windows, skipped,
                unseenCategories == 0 ? "" : ", " + unseenCategories + " categorical values the model had not seen (all-zero inputs)",
                rmse / persistenceRmse);
        out.printf(Locale.ROOT, "rmse: %.6g%nmae: %.6g%npersistence-rmse: %.6g%n", rmse, mae, persistenceRmse);
        out.flush();
    }
}
