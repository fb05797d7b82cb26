package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.layers.DenseLayer;
import dev.rnn.models.layers.MergeMode;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.training.Initializers;
import dev.rnn.models.training.ParameterSet;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A forecaster (many-to-one regression): the last W rows of a series, each encoded by a
 * {@link SeriesSchema} into F inputs, run through a recurrent stack; its last hidden state goes
 * through a linear head to H outputs, the target 1..H rows after the window, in standardized units.
 * With {@code autoregressive}, a linear map from the window's W standardized target values is added
 * (LSTNet's "highway"; initialized to repeat the last value, so training starts from persistence).
 *
 * <p>Outputs are turned into the CSV's units by the schema's target transform, as expected values
 * given each output's error variance on the validation windows (without a transform that is the
 * plain inverse of the standardization).
 *
 * <p>Tensors: {@code rnn.*} in PyTorch's layout, {@code head.weight} (H×D), {@code head.bias} [H],
 * {@code ar.weight} (H×W) when autoregressive. The schema (columns, statistics, categories, target
 * transform), the error variances ({@code errorVariance}, H values, standardized units; 0 when
 * absent) and the architecture are in the metadata.
 *
 * <p>Thread safety: inference ({@link #predict}, {@link #predictNext}) may run on any number of
 * threads at once on one model; each call borrows layers and buffers of its own, and a call of n
 * inputs runs at batch n (up to the model's batch size), never padded. Training,
 * {@link #fitAutoregressive} and {@link #errorVariance(double[])} change the model and must not run
 * beside it.
 *
 * <pre>{@code
 * try (Forecaster f = Forecaster.load(Kernels.preferred(), Path.of("temps.safetensors"))) {
 *     EncodedSeries s = f.schema().encode(CsvTable.read(Path.of("temps.csv")));
 *     double[] next = f.predictNext(s);          // the H values after the last row, in the CSV's units
 * }
 * }</pre>
 */
public final class Forecaster extends PooledTaskModel<Forecaster.Config, Forecaster.Runner> implements TaskModel {

    public static final String TASK = "forecaster";

    /** Training loss on standardized targets; Huber is quadratic within 1 standard deviation, linear beyond. */
    public enum Loss { MSE, HUBER }

    /** Architecture: W = {@code window} input rows, H = {@code horizon} outputs. */
    public record Config(CellKind cell, int hidden, int layers, int window, int horizon, double dropout, boolean autoregressive,
                         Loss loss) {
        public Config {
            if (hidden < 1 || layers < 1 || window < 1 || horizon < 1) {
                throw new IllegalArgumentException("hidden, layers, window and horizon must be ≥ 1, found " + hidden + ", " + layers
                        + ", " + window + " and " + horizon);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), found " + dropout);
            }
        }
    }

    final SeriesSchema schema;
    private final double testFraction;
    final RecurrentStack stack;
    final DenseLayer head;
    final DenseLayer ar;
    private final double[] errorVariance;

    /** Windows run side by side at most. */
    private static final int PREDICT_BATCH = 64;

    private Forecaster(Kernels kernels, Config config, SeriesSchema schema, double testFraction, Arena arena, ParameterSet parameters) {
        super(TASK, kernels, config, arena, parameters);
        this.schema = schema;
        this.testFraction = testFraction;
        errorVariance = new double[config.horizon()];
        stack = RecurrentStack.of(parameters, "rnn.", config.cell(), schema.width(), config.hidden(), config.layers(), false);
        head = new DenseLayer(kernels, parameters, "head.", config.hidden(), config.horizon(), true);
        ar = config.autoregressive() ? new DenseLayer(kernels, parameters, "ar.", config.window(), config.horizon(), false) : null;
    }

    /** A new forecaster for data encoded by {@code schema}, weights seeded; {@code testFraction} is remembered as eval's default. */
    public static Forecaster create(Kernels kernels, Config config, SeriesSchema schema, double testFraction, long seed) {
        Forecaster f = ModelMetadata.allocate((arena, params) -> new Forecaster(kernels, config, schema, testFraction, arena, params));
        Initializers init = new Initializers(seed);
        f.stack.initialise(init);
        if (f.ar != null) {
            // the recurrent branch starts silent (a zero head) beside a persistence forecast, which
            // fitAutoregressive replaces by the least-squares one before training
            for (int h = 0; h < config.horizon(); h++) {
                f.ar.weight().set(h, config.window() - 1, 1f);
            }
        } else {
            init.xavierUniform(f.head.weight());
        }
        return f;
    }

    /**
     * Sets the autoregressive map and the head's bias to the ridge least-squares fit of the targets on
     * the window's target values over the windows ending at {@code ends} (Zhang's hybrid: the linear
     * part is fitted first, the recurrent branch then learns what it leaves). Does nothing without an
     * autoregressive map.
     */
    public void fitAutoregressive(EncodedSeries series, int[] ends, double ridge) {
        checkSeries(series);
        if (ar == null || ends.length == 0) {
            return;
        }
        int w = config.window(), n = w + 1, width = series.width();
        float[] in = series.inputs();
        double[] gram = new double[n * n], x = new double[n];
        double[][] rhs = new double[config.horizon()][n];
        for (int e : ends) {
            for (int i = 0; i < w; i++) {
                x[i] = in[(e - w + 1 + i) * width];
            }
            x[w] = 1;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    gram[i * n + j] += x[i] * x[j];
                }
            }
            for (int h = 0; h < config.horizon(); h++) {
                double y = schema.standardizeTarget(series.target()[e + 1 + h]);
                for (int i = 0; i < n; i++) {
                    rhs[h][i] += x[i] * y;
                }
            }
        }
        for (int i = 0; i < w; i++) {
            gram[i * n + i] += ridge * ends.length;     // not on the intercept
        }
        double[] chol = Cholesky.factor(gram, n);
        for (int h = 0; h < config.horizon(); h++) {
            double[] coef = Cholesky.solve(chol, n, rhs[h]);
            for (int i = 0; i < w; i++) {
                ar.weight().set(h, i, (float) coef[i]);
            }
            head.bias().set(0, h, (float) coef[w]);
        }
    }

    /** The forecaster saved in {@code file}, trainable. */
    public static Forecaster load(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, false);
    }

    /**
     * The forecaster saved in {@code file}, for inference only: no gradients, F32 tensors used in place
     * from the file's mapping. Training it is an {@link IllegalStateException}.
     */
    public static Forecaster open(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, true);
    }

    private static Forecaster read(Kernels kernels, Path file, boolean inference) throws SafetensorsException {
        return ModelMetadata.load(file, TASK, inference, (m, arena, params) -> fromMetadata(kernels, m, arena, params));
    }

    /** The model its file's metadata describes, after checking the tensors' shapes against it. */
    private static Forecaster fromMetadata(Kernels kernels, ModelMetadata m, Arena arena, ParameterSet params)
            throws SafetensorsException {
        Config config = new Config(m.cell("cell"), m.integer("hidden", 1), m.integer("layers", 1), m.integer("window", 1),
                m.integer("horizon", 1), m.decimal("dropout"), m.flag("autoregressive"), loss(m.string("loss")));
        SeriesSchema schema = SeriesSchema.fromMetadata(m.all());
        long gh = (long) config.cell().gates() * config.hidden();
        m.requireTensor("rnn.weight_ih_l0", gh, schema.width());
        m.requireTensor("rnn.weight_hh_l" + (config.layers() - 1), gh, config.hidden());
        m.requireTensor("head.weight", config.horizon(), config.hidden());
        if (config.autoregressive()) {
            m.requireTensor("ar.weight", config.horizon(), config.window());
        }
        double[] variance = m.all().containsKey("errorVariance") ? m.decimals("errorVariance") // absent in older files
                : new double[config.horizon()];
        checkErrorVariance(variance, config.horizon());
        Forecaster model = new Forecaster(kernels, config, schema, m.decimal("testFraction"), arena, params);
        model.errorVariance(variance);
        return model;
    }

    /** The loss named {@code mse} or {@code huber}. */
    public static Loss loss(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "mse" -> Loss.MSE;
            case "huber" -> Loss.HUBER;
            default -> throw new IllegalArgumentException("loss must be mse or huber, found '" + name + "'");
        };
    }

    public SeriesSchema schema() {
        return schema;
    }

    /** The test fraction the model was trained with. */
    public double testFraction() {
        return testFraction;
    }

    /** Each output's forecast error variance on the validation windows, standardized units (a copy). */
    public double[] errorVariance() {
        return errorVariance.clone();
    }

    /** Sets the error variances (H values ≥ 0) that turn outputs into expected values in the CSV's units. */
    public void errorVariance(double[] variance) {
        checkErrorVariance(variance, config.horizon());
        System.arraycopy(variance, 0, errorVariance, 0, variance.length);
    }

    private static void checkErrorVariance(double[] variance, int horizon) {
        if (variance.length != horizon) {
            throw new IllegalArgumentException("errorVariance has " + variance.length + " values, expected " + horizon
                    + " (one per output)");
        }
        for (double v : variance) {
            if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("errorVariance holds " + v + ", expected finite values ≥ 0");
            }
        }
    }

    /** The error variances as model metadata: {@code errorVariance}, comma-separated. */
    Map<String, String> errorVarianceMetadata() {
        StringBuilder b = new StringBuilder();
        for (double v : errorVariance) {
            b.append(b.isEmpty() ? "" : ",").append(v);
        }
        return Map.of("errorVariance", b.toString());
    }

    @Override
    public Map<String, String> metadata() {
        Map<String, String> m = taskMetadata();
        m.put("cell", CellNames.name(config.cell()));
        m.put("hidden", Integer.toString(config.hidden()));
        m.put("layers", Integer.toString(config.layers()));
        m.put("window", Integer.toString(config.window()));
        m.put("horizon", Integer.toString(config.horizon()));
        m.put("dropout", Double.toString(config.dropout()));
        m.put("autoregressive", Boolean.toString(config.autoregressive()));
        m.put("loss", config.loss().name().toLowerCase(Locale.ROOT));
        m.put("testFraction", Double.toString(testFraction));
        m.putAll(errorVarianceMetadata());
        schema.putMetadata(m);
        return m;
    }

    /**
     * Forecasts for the windows ending at rows {@code ends} of {@code series} (each with W complete
     * rows): out[i][h] is the target h+1 rows after ends[i], in the CSV's units.
     */
    public double[][] predict(EncodedSeries series, int[] ends) {
        runners.checkOpen();
        checkSeries(series);
        double[][] out = new double[ends.length][config.horizon()];
        for (int from = 0; from < ends.length; from += PREDICT_BATCH) {
            int count = Math.min(PREDICT_BATCH, ends.length - from);
            // a batch of as many rows as windows: a padding row costs as much as a window
            int first = from;
            withRunner(count, config.window(), r -> {
                Matrix p = r.forward(series, ends, first, count, false, 0);
                for (int b = 0; b < count; b++) {
                    for (int h = 0; h < config.horizon(); h++) {
                        out[first + b][h] = schema.targetValue(p.get(b, h), errorVariance[h]);
                    }
                }
                return null;
            });
        }
        return out;
    }

    /** The H values after the last row of {@code series}, whose last W rows must be complete. */
    public double[] predictNext(EncodedSeries series) {
        int last = series.rows() - 1;
        if (series.rows() < config.window()) {
            throw new IllegalArgumentException(series.table().file() + ": " + series.rows() + " rows, but the model reads windows of "
                    + config.window());
        }
        for (int r = last - config.window() + 1; r <= last; r++) {
            if (!series.complete(r)) {
                throw new IllegalArgumentException(series.table().file() + ":" + series.table().line(r)
                        + ": a missing value in the last " + config.window() + " rows, which the forecast reads");
            }
        }
        return predict(series, new int[] {last})[0];
    }

    private void checkSeries(EncodedSeries series) {
        if (series.width() != schema.width()) {
            throw new IllegalArgumentException("the series has " + series.width() + " inputs per row, the model reads "
                    + schema.width());
        }
    }

    @Override
    Runner newRunner(int batch, int steps) {
        return new Runner(batch);
    }

    /** The training runner for batches of B windows (package use: {@link ForecasterTraining}, one thread). */
    Runner runner(int batch) {
        return trainingRunner(batch, config.window());
    }

    /** Forward and backward over B windows at a time; owns its layers and buffers, one thread at a time. */
    final class Runner implements RunnerPool.Lendable {
        final int batch;
        private final Arena runArena = Arena.ofShared();
        private final StackedLayers layers;
        private final int window = config.window(), horizon = config.horizon(), width = schema.width();
        private final Matrix input, dOut, dLast, arIn, arOut, prediction, dPrediction;
        private final int[] lengths;
        private final float[] row;
        private Matrix last;        // the top level's output at the window's last step, B×D

        Runner(int batch) {
            this.batch = batch;
            layers = new StackedLayers(kernels, stack.params(), MergeMode.CONCAT, config.dropout(), false, window, batch, 0);
            input = Matrix.allocate(runArena, window * batch, width);
            dOut = Matrix.allocate(runArena, window * batch, config.hidden());
            dLast = Matrix.allocate(runArena, batch, config.hidden());
            arIn = Matrix.allocate(runArena, batch, window);
            arOut = Matrix.allocate(runArena, batch, horizon);
            prediction = Matrix.allocate(runArena, batch, horizon);
            dPrediction = Matrix.allocate(runArena, batch, horizon);
            lengths = new int[batch];
            java.util.Arrays.fill(lengths, window);
            row = new float[width];
        }

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public int steps() {
            return window;
        }

        /**
         * Predictions (B×H, standardized; rows past {@code count} are padding) for the windows ending at
         * ends[from..from+count).
         */
        Matrix forward(EncodedSeries s, int[] ends, int from, int count, boolean training, long seed) {
            if (count < 1 || count > batch) {
                throw new IllegalArgumentException("a batch holds 1.." + batch + " windows, found " + count);
            }
            float[] in = s.inputs();
            for (int b = 0; b < batch; b++) {
                int e = ends[from + Math.min(b, count - 1)];   // padding rows repeat the last window
                for (int t = 0; t < window; t++) {
                    int r = e - window + 1 + t;
                    System.arraycopy(in, r * width, row, 0, width);
                    input.row(t * batch + b).copyFrom(row);
                    arIn.set(b, t, in[r * width]);
                }
            }
            if (training) {
                layers.reseed(seed);
            }
            last = layers.forward(input, lengths, training).sliceRows((window - 1) * batch, window * batch);
            head.forward(last, prediction);
            if (ar != null) {
                ar.forward(arIn, arOut);
                kernels.add(prediction, arOut, prediction);
            }
            return prediction;
        }

        /**
         * Mean loss over the {@code count} windows and H outputs, against the standardized targets; with
         * {@code backward}, adds the gradients.
         */
        double run(EncodedSeries s, int[] ends, int from, int count, boolean training, long seed, boolean backward) {
            Matrix p = forward(s, ends, from, count, training, seed);
            boolean huber = config.loss() == Loss.HUBER;
            double sum = 0, scale = 1.0 / ((double) count * horizon);
            dPrediction.fill(0f);
            for (int b = 0; b < count; b++) {
                int e = ends[from + b];
                for (int h = 0; h < horizon; h++) {
                    double d = p.get(b, h) - schema.standardizeTarget(s.target()[e + 1 + h]);
                    double g;
                    if (huber && Math.abs(d) > 1) {
                        sum += Math.abs(d) - 0.5;
                        g = Math.signum(d);
                    } else {
                        sum += huber ? 0.5 * d * d : d * d;
                        g = huber ? d : 2 * d;
                    }
                    dPrediction.set(b, h, (float) (g * scale));
                }
            }
            if (backward) {
                head.backward(last, dPrediction, dLast);
                if (ar != null) {
                    ar.backward(arIn, dPrediction, null);
                }
                dOut.fill(0f);
                dOut.sliceRows((window - 1) * batch, window * batch).copyFrom(dLast);
                layers.backward(dOut, stack.grads(), null);
            }
            return sum * scale;
        }

        /** Adds to sumSq[h] the squared errors (standardized units) of output h over the {@code count} windows, without dropout. */
        void addSquaredErrors(EncodedSeries s, int[] ends, int from, int count, double[] sumSq) {
            Matrix p = forward(s, ends, from, count, false, 0);
            for (int b = 0; b < count; b++) {
                int e = ends[from + b];
                for (int h = 0; h < horizon; h++) {
                    double d = p.get(b, h) - schema.standardizeTarget(s.target()[e + 1 + h]);
                    sumSq[h] += d * d;
                }
            }
        }

        @Override
        public void close() {
            layers.close();
            runArena.close();
        }
    }
}
