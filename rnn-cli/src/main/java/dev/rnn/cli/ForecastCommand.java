package dev.rnn.cli;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.ForecastWindows;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.series.SyntheticSeries;
import dev.rnn.models.series.TargetTransform;
import dev.rnn.models.tasks.CellNames;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.ForecasterTraining;
import dev.rnn.models.tasks.ForecastScores;
import dev.rnn.models.tasks.PredictionLines;
import dev.rnn.models.training.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rnn forecast}: time-series forecasting from a CSV (train, eval, predict). */
@Command(name = "forecast", mixinStandardHelpOptions = true,
        description = "Time-series forecasting (many-to-one regression) from a CSV file with a header.",
        subcommands = {ForecastCommand.Train.class, ForecastCommand.Eval.class, ForecastCommand.Predict.class,
                ForecastCommand.SampleData.class})
final class ForecastCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final TrainingOptions.Defaults DEFAULTS = new TrainingOptions.Defaults("adam", 3e-4, 5, 100, Integer.MAX_VALUE, 0.7, 20);
    static final String DEFAULTS_TEXT = "Defaults: optimizer adam, lr 0.0003, clip 5, 100 epochs unless --minutes, validation (the last"
            + " 10 %% of the training windows, in time order) after each epoch, lr × 0.7 after a validation without improvement;"
            + " stop after 20 validations without improvement; the model kept is the best by validation mean squared error,"
            + " or the least-squares start when that is within one standard error of it (--selection).";

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train on the first rows of a CSV; the last --test-fraction of the rows is never trained on. Inputs and"
                    + " targets are standardized with statistics of the training rows; non-numeric feature columns are one-hot"
                    + " encoded. Windows with a missing value (NA or empty) are skipped and counted. Prints the test scores at the end.",
                    DEFAULTS_TEXT})
    static final class Train implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--csv", required = true, paramLabel = "FILE", description = "the series, one row per time step, oldest first")
        Path csv;
        @Option(names = "--target", required = true, paramLabel = "COL", description = "the numeric column to predict")
        String target;
        @Option(names = "--features", split = ",", paramLabel = "COL", description = "other columns used as inputs (the target's own past always is)")
        List<String> features = List.of();
        @Option(names = "--transform", defaultValue = "none", paramLabel = "T", converter = TransformConverter.class, description = "the target's transform before"
                + " standardization: none, sqrt (counts, whose noise grows with their level) or log1p (multiplicative noise);"
                + " forecasts are turned back as expected values (default: ${DEFAULT-VALUE})")
        TargetTransform transform;
        @Option(names = "--window", defaultValue = "30", paramLabel = "W", description = "past rows the model reads (default: ${DEFAULT-VALUE})")
        int window;
        @Option(names = "--horizon", defaultValue = "1", paramLabel = "H", description = "rows ahead to predict: the model outputs rows 1..H (default: ${DEFAULT-VALUE})")
        int horizon;
        @Option(names = "--test-fraction", defaultValue = "0.2", paramLabel = "F", description = "the last F of the rows are the test part (default: ${DEFAULT-VALUE})")
        double testFraction;
        @Option(names = "--model", required = true, paramLabel = "OUT", description = "model file to write (.safetensors)")
        Path model;
        @Option(names = "--cell", converter = CellNameConverter.class, defaultValue = "lstm", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
        String cell;
        @Option(names = "--hidden", defaultValue = "64", description = "hidden size (default: ${DEFAULT-VALUE})")
        int hidden;
        @Option(names = "--layers", defaultValue = "1", description = "recurrent levels (default: ${DEFAULT-VALUE})")
        int layers;
        @Option(names = "--dropout", defaultValue = "0", description = "dropout between recurrent levels (default: ${DEFAULT-VALUE})")
        double dropout;
        @Option(names = "--loss", defaultValue = "mse", description = "mse or huber (default: ${DEFAULT-VALUE})")
        String loss;
        @Option(names = "--no-autoregressive", description = "no linear map from the window's target values to the output"
                + " (by default one is added to the recurrent head, starting from the least-squares fit)")
        boolean noAutoregressive;
        @Option(names = "--batch", defaultValue = "32", description = "windows per batch (default: ${DEFAULT-VALUE})")
        int batch;
        @Option(names = "--selection", defaultValue = "one-se", paramLabel = "RULE", description = "the model kept: one-se, the"
                + " best epoch by validation unless the least-squares start is within one standard error of it (then the start,"
                + " the simpler model); best, the lowest validation loss (default: ${DEFAULT-VALUE})")
        String selection;
        @Mixin
        TrainingOptions training;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!selection.equals("one-se") && !selection.equals("best")) {
                throw new IllegalArgumentException("--selection must be one-se or best, found '" + selection + "'");
            }
            CsvTable table = CsvTable.read(csv);
            int split = ForecastWindows.splitRow(table.rows(), testFraction);
            SeriesSchema schema = SeriesSchema.fit(table, target, transform, features, split);
            EncodedSeries series = schema.encode(table);
            ForecastWindows windows = ForecastWindows.split(series, window, horizon, split, 0.1);
            Forecaster.Config config = new Forecaster.Config(CellNames.parse(cell), hidden, layers, window, horizon, dropout,
                    !noAutoregressive, Forecaster.loss(loss));
            out.printf(Locale.ROOT, "%s: %d rows (%d for training, %d for testing); %s%n", csv, table.rows(), split,
                    table.rows() - split, schema);
            for (SeriesSchema.Column c : schema.features()) {
                if (!c.numeric() && c.width() > 50) {
                    out.printf(Locale.ROOT, "note: column '%s' is not numeric and becomes %,d one-hot inputs, one per value"
                            + " (a date or an identifier?); leave it out of --features unless its values recur%n", c.name(), c.width());
                }
            }
            out.printf(Locale.ROOT, "windows of %d rows → %d ahead: %d to train on, %d to validate with; %d skipped for missing values%n",
                    window, horizon, windows.train().length, windows.validation().length, windows.skippedTraining());
            try (Forecaster f = Forecaster.create(Kernels.preferred(), config, schema, testFraction, training.seed)) {
                ForecasterTraining task = new ForecasterTraining(f, series, windows, batch, training.seed);
                out.printf(Locale.ROOT, "%,d parameters%n", f.parameters().count());
                Trainer.Result r = TrainingRun.run(task, training.settings(DEFAULTS), model, training.resume, "forecaster", out);
                if (r.stopped()) {
                    out.println("interrupted: the start-or-trained choice runs when training ends (--resume continues)");
                } else if (config.autoregressive() && selection.equals("one-se")) {
                    ForecasterTraining.StartComparison c = task.keepStartUnlessBeaten(model);
                    out.printf(Locale.ROOT, "validation rmse: trained %.4g, least-squares start %.4g; mean squared error %+.4g ± %.4g"
                            + " (one standard error) against the start: %s%n", Math.sqrt(c.trainedLoss()), Math.sqrt(c.startLoss()),
                            c.comparison().meanDifference(), c.comparison().standardError(), c.keptStart()
                                    ? "the start is kept, being as good within noise"
                                    : "the trained forecaster is kept");
                }
            }
            try (Forecaster f = Forecaster.open(Kernels.preferred(), model)) {
                ForecastScores.of(f, series, windows.test(), windows.skippedTest()).print(out, "test");
            }
            return 0;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = "Scores a model on the test part of a CSV: 'rmse', 'mae' and 'persistence-rmse' (the value H rows before"
                    + " the target, on the same windows), for the forecast H rows ahead.")
    static final class Eval implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn forecast train'")
        Path model;
        @Option(names = "--csv", required = true, paramLabel = "FILE", description = "a CSV with the model's columns")
        Path csv;
        @Option(names = "--test-fraction", paramLabel = "F", description = "the last F of the rows are scored (default: the model's)")
        Double testFraction;
        @Option(names = "--png", paramLabel = "FILE", description = "draw prediction against truth over the test part")
        Path png;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            CsvTable table = CsvTable.read(csv);
            try (Forecaster f = Forecaster.open(Kernels.preferred(), model)) {
                EncodedSeries series = f.schema().encode(table);
                double fraction = testFraction != null ? testFraction : f.testFraction();
                int split = ForecastWindows.splitRow(table.rows(), fraction);
                ForecastWindows windows = ForecastWindows.split(series, f.config().window(), f.config().horizon(), split, 0);
                ForecastScores scores = ForecastScores.of(f, series, windows.test(), windows.skippedTest());
                scores.print(out, "test");
                if (png != null) {
                    ForecastPlot.write(png, f.schema().target().name() + ", " + f.config().horizon() + " ahead", scores);
                    out.println("plot: " + png);
                }
            }
            return 0;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true,
            description = "Prints the H values after the last row of a CSV, one per line: 'step<TAB>value'.")
    static final class Predict implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--model", required = true, paramLabel = "M", description = "a model written by 'rnn forecast train'")
        Path model;
        @Option(names = "--csv", required = true, paramLabel = "FILE", description = "a CSV with the model's columns; its last W rows are read")
        Path csv;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            CsvTable table = CsvTable.read(csv);
            try (Forecaster f = Forecaster.open(Kernels.preferred(), model)) {
                for (String line : PredictionLines.forecast(f.predictNext(f.schema().encode(table)))) {
                    out.println(line);
                }
            }
            return 0;
        }
    }

    @Command(name = "sample-data", mixinStandardHelpOptions = true,
            description = "Writes a generated hourly series to try forecasting on: columns time, load (the target), temperature"
                    + " (numeric) and weather (sunny, cloudy or rain), with daily and weekly cycles and scattered missing values.")
    static final class SampleData implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "the CSV file to write")
        Path out;
        @Option(names = "--hours", defaultValue = "8760", description = "rows (default: ${DEFAULT-VALUE}, a year)")
        int hours;
        @Option(names = "--seed", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() {
            if (hours < 1) {
                throw new IllegalArgumentException("--hours must be ≥ 1, found " + hours);
            }
            SyntheticSeries.hourly(out, hours, seed);
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: %,d hourly rows (time, load, temperature, weather)%n", out, hours);
            return 0;
        }
    }

    /** A transform name the model does not know is a usage error, naming the ones it does. */
    static final class TransformConverter implements picocli.CommandLine.ITypeConverter<TargetTransform> {
        @Override
        public TargetTransform convert(String value) {
            try {
                return TargetTransform.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
