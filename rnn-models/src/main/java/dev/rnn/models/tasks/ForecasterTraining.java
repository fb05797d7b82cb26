package dev.rnn.models.tasks;

import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.ForecastWindows;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.TrainingTask;
import java.util.Map;

/**
 * Trains a {@link Forecaster} on the training windows of a series, shuffled each epoch; validation is
 * the mean squared error (standardized units) on the validation windows. The autoregressive map, if
 * any, starts from its least-squares fit on the training windows.
 */
public final class ForecasterTraining implements TrainingTask {

    private final Forecaster model;
    private final EncodedSeries series;
    private final ForecastWindows windows;
    private final int batch;
    private final long seed;
    private int[] order;

    public ForecasterTraining(Forecaster model, EncodedSeries series, ForecastWindows windows, int batch, long seed) {
        if (windows.train().length == 0 || windows.validation().length == 0) {
            throw new IllegalArgumentException(series.table().file() + ": " + windows.train().length + " windows to train on and "
                    + windows.validation().length + " to validate with; both must be > 0 (a shorter --window or --horizon,"
                    + " or a smaller --test-fraction, leaves more)");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be ≥ 1, found " + batch);
        }
        if (windows.window() != model.config().window() || windows.horizon() != model.config().horizon()) {
            throw new IllegalArgumentException("windows of " + windows.window() + "→" + windows.horizon() + " rows do not fit a model of "
                    + model.config().window() + "→" + model.config().horizon());
        }
        this.model = model;
        this.series = series;
        this.windows = windows;
        this.batch = batch;
        this.seed = seed;
        model.fitAutoregressive(series, windows.train(), RIDGE);
    }

    /** Ridge penalty of the autoregressive least-squares start, per window (standardized units). */
    static final double RIDGE = 1e-3;

    @Override
    public ParameterSet parameters() {
        return model.parameters();
    }

    @Override
    public int batchesPerEpoch() {
        return (windows.train().length + batch - 1) / batch;
    }

    @Override
    public String unit() {
        return "windows";
    }

    @Override
    public void startEpoch(int epoch) {
        order = EpochOrder.shuffled(windows.train(), seed, epoch);
    }

    @Override
    public BatchLoss trainBatch(int index, long step) {
        int from = index * batch, count = Math.min(batch, order.length - from);
        double loss = model.runner(batch).run(series, order, from, count, true, seed * 0xBF58476D1CE4E5B9L + step, true);
        return new BatchLoss(loss, count);
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
        for (int from = 0; from < v.length; from += batch) {
            r.addSquaredErrors(series, v, from, Math.min(batch, v.length - from), sumSq);
        }
        double sum = 0;
        for (int h = 0; h < sumSq.length; h++) {
            sum += sumSq[h];
            sumSq[h] /= v.length;
        }
        model.errorVariance(sumSq);
        return new Evaluation(sum / ((double) v.length * sumSq.length), Double.NaN);
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

    @Override
    public Map<String, String> metadata() {
        long hash = java.util.Arrays.hashCode(series.inputs()) * 31L + java.util.Arrays.hashCode(windows.train());
        return ModelMetadata.withTraining(model.metadata(), batch, seed, series.rows() + "x" + series.width() + ":"
                + Long.toHexString(hash));
    }
}
