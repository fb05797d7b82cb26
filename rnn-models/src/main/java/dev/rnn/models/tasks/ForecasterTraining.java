package dev.rnn.models.tasks;

import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.ForecastComparison;
import dev.rnn.models.series.ForecastWindows;
import dev.rnn.models.training.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a {@link Forecaster} on the training windows of a series, shuffled each epoch; validation is
 * the mean squared error (standardized units) on the validation windows. The autoregressive map, if
 * any, starts from its least-squares fit on the training windows; that start is itself a forecaster,
 * and {@link #keepStartUnlessBeaten} keeps it after training unless the trained one is clearly better.
 *
 * <pre>{@code
 * ForecasterTraining task = new ForecasterTraining(forecaster, series, windows, 32, seed);
 * new Trainer(kernels, task, settings, listener).run(modelFile, false);    // the best epoch by validation
 * ForecasterTraining.StartComparison c = task.keepStartUnlessBeaten(modelFile);   // or the start, if not beaten
 * }</pre>
 *
 * <p>The data fingerprint hashes the series' encoded inputs and raw targets, then the training and
 * validation windows' last rows.
 */
public final class ForecasterTraining extends TaskTraining {

    private final Forecaster model;
    private final EncodedSeries series;
    private final ForecastWindows windows;
    // the least-squares start, kept to choose between it and the trained forecaster (null without the map)
    private final double[] startLosses;
    private final double startValidationLoss;
    private final double[] startVariance;
    private final float[][] startValues;

    public ForecasterTraining(Forecaster model, EncodedSeries series, ForecastWindows windows, int batch, long seed) {
        if (windows.train().length == 0 || windows.validation().length == 0) {
            throw new IllegalArgumentException(series.table().file() + ": " + windows.train().length + " windows to train on and "
                    + windows.validation().length + " to validate with; both must be > 0 (a shorter --window or --horizon,"
                    + " or a smaller --test-fraction, leaves more)");
        }
        super(model, model.parameters(), "windows", "windows", windows.train().length, windows.validation().length, batch, seed,
                series.rows() + "x" + series.width() + ":" + new DataFingerprint().floats(series.inputs()).doubles(series.target())
                        .ints(windows.train()).ints(windows.validation()).hex());
        if (windows.window() != model.config().window() || windows.horizon() != model.config().horizon()) {
            throw new IllegalArgumentException("windows of " + windows.window() + "→" + windows.horizon() + " rows do not fit a model of "
                    + model.config().window() + "→" + model.config().horizon());
        }
        this.model = model;
        this.series = series;
        this.windows = windows;
        model.fitAutoregressive(series, windows.train(), RIDGE);
        if (model.config().autoregressive()) {
            double[] before = model.errorVariance();        // the model's error variances stay as they were
            startValidationLoss = evaluate().loss();        // sets the start's, which its expected values need
            startVariance = model.errorVariance();
            startLosses = forecastLosses();
            model.errorVariance(before);
            List<ParameterSet.Entry> entries = model.parameters().entries();
            startValues = new float[entries.size()][];
            for (int i = 0; i < startValues.length; i++) {
                startValues[i] = entries.get(i).value().toArray();
            }
        } else {
            startLosses = null;
            startValidationLoss = Double.NaN;
            startVariance = null;
            startValues = null;
        }
    }

    /**
     * The outcome of {@link #keepStartUnlessBeaten}: the mean squared errors on the validation windows,
     * in the CSV's units, and how the trained forecaster compares with the start.
     */
    public record StartComparison(double startLoss, double trainedLoss, ForecastComparison comparison, boolean keptStart) {
    }

    /**
     * The one-standard-error rule between the trained forecaster saved in {@code modelFile} (the best
     * by validation) and the least-squares start training began from: the trained one stays only if its
     * mean squared error on the validation windows, in the CSV's units, is lower than the start's by more
     * than one standard error of the paired difference ({@link ForecastComparison}); otherwise the start,
     * the simpler model, replaces it in the file. With a few hundred validation windows, the small gains
     * of a trained network over the linear fit are often noise that does not carry over to later data.
     * Needs the autoregressive map.
     */
    public StartComparison keepStartUnlessBeaten(Path modelFile) throws IOException {
        if (startLosses == null) {
            throw new IllegalStateException("a forecaster without the autoregressive map has no least-squares start to keep");
        }
        Map<String, String> metadata;
        try (SafetensorsFile f = SafetensorsFile.open(modelFile)) {
            model.parameters().readFrom(f, "");
            metadata = new LinkedHashMap<>(f.metadata());
        }
        evaluate();
        double[] trained = forecastLosses();
        ForecastComparison c = ForecastComparison.of(trained, startLosses, model.config().horizon() - 1);
        StartComparison result = new StartComparison(mean(startLosses), mean(trained), c, !c.candidateBetterByOneStandardError());
        String trainedEpoch = metadata.get("training.epoch");
        if (result.keptStart() && !"0".equals(trainedEpoch)) {
            List<ParameterSet.Entry> entries = model.parameters().entries();
            for (int i = 0; i < startValues.length; i++) {
                entries.get(i).value().copyFrom(startValues[i]);
            }
            model.errorVariance(startVariance);
            metadata.putAll(model.errorVarianceMetadata());
            metadata.put("training.epoch", "0");
            metadata.put("training.step", "0");
            metadata.put("training.validationLoss", Double.toString(startValidationLoss));
            metadata.put("training.selection", String.format(Locale.ROOT, "least-squares start: the trained forecaster (epoch"
                    + " %s) did not beat its validation mean squared error, %.6g, by more than one standard error (%.6g against"
                    + " %.6g)", trainedEpoch, result.startLoss(), c.standardError(), result.trainedLoss()));
            SafetensorsWriter w = new SafetensorsWriter().metadata(metadata);
            model.parameters().writeTo(w, "");
            w.write(modelFile);
        }
        return result;
    }

    /** Ridge penalty of the autoregressive least-squares start, per window (standardized units). */
    static final double RIDGE = 1e-3;

    @Override
    public BatchLoss trainBatch(int index, long step) {
        int[] members = members(index), ends = new int[members.length];
        for (int i = 0; i < ends.length; i++) {
            ends[i] = windows.train()[members[i]];
        }
        double loss = model.runner(batch).run(series, ends, 0, ends.length, true, stepSeed(TrainingSeeds.DROPOUT, step), true);
        return new BatchLoss(loss, ends.length);
    }

    /**
     * The mean squared error over the validation windows and outputs; each output's own mean becomes the
     * model's error variance, saved with the weights it describes.
     */
    @Override
    public Evaluation evaluate() {
        int[] v = windows.validation();
        Forecaster.Runner r = model.runner(batch);
        double[] sumSq = new double[model.config().horizon()];
        validateInBatches(v.length, (from, to, tally) -> r.addSquaredErrors(series, v, from, to - from, sumSq));
        double sum = 0;
        for (int h = 0; h < sumSq.length; h++) {
            sum += sumSq[h];
            sumSq[h] /= v.length;
        }
        model.errorVariance(sumSq);
        return new Evaluation(sum / ((double) v.length * sumSq.length), Double.NaN);
    }

    /**
     * Each validation window's squared forecast error in the CSV's units (the forecasts users get: with a
     * target transform, expected values), averaged over the H outputs; windows in time order.
     */
    private double[] forecastLosses() {
        int[] v = windows.validation();
        double[][] p = model.predict(series, v);
        double[] losses = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            double sum = 0;
            for (int h = 0; h < p[i].length; h++) {
                double d = p[i][h] - series.target()[v[i] + 1 + h];
                sum += d * d;
            }
            losses[i] = sum / p[i].length;
        }
        return losses;
    }

    private static double mean(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        return sum / x.length;
    }

    /** The least-squares start is a forecaster in its own right: it is validated, and kept if training never beats it. */
    @Override
    public boolean validatesStart() {
        return true;
    }

    @Override
    public Map<String, String> evaluatedMetadata() {
        return model.errorVarianceMetadata();
    }
}
