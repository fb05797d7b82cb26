package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.series.SyntheticSeries;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.ForecastWindows;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.series.TargetTransform;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forecaster: its least-squares start, scoring against persistence, learning a multivariate series, files. */
class ForecasterTest {

    @TempDir
    Path dir;

    private static Forecaster.Config config(int window, int horizon) {
        return new Forecaster.Config(CellKind.LSTM, 16, 1, window, horizon, 0, true, Forecaster.Loss.MSE);
    }

    @Test
    void leastSquaresStartRecoversAnAutoregressiveProcess() {
        CsvTable t = CsvTable.read(SyntheticSeries.autoregressive(dir.resolve("ar.csv"), 4000, 0.6, 0.3, 1));
        int split = ForecastWindows.splitRow(t.rows(), 0.2);
        SeriesSchema schema = SeriesSchema.fit(t, "y", List.of(), split);
        EncodedSeries s = schema.encode(t);
        ForecastWindows w = ForecastWindows.split(s, 4, 1, split, 0);
        try (Forecaster f = Forecaster.create(Kernels.preferred(), config(4, 1), schema, 0.2, 1)) {
            f.fitAutoregressive(s, w.train(), 0);
            // standardizing leaves the coefficients of the lagged values alone: y_t = 0.6·y_{t−1} + 0.3·y_{t−2} + noise
            assertEquals(0.6, f.ar.weight().get(0, 3), 0.05);
            assertEquals(0.3, f.ar.weight().get(0, 2), 0.05);
            assertEquals(0.0, f.ar.weight().get(0, 1), 0.05);
            assertEquals(0.0, f.ar.weight().get(0, 0), 0.05);
            // the recurrent head starts at zero, so the model is that linear forecast, which beats persistence
            ForecastScores sc = ForecastScores.of(f, s, w.test(), w.skippedTest());
            // persistence errs by y_t − y_{t−1}, of variance 2·σ²·(1 − ρ₁) with ρ₁ = a₁/(1 − a₂) = 6/7 and
            // σ² = (1 − a₂)/((1 + a₂)((1 − a₂)² − a₁²)) ≈ 4.14: RMSE ≈ 1.09, against the noise's 1
            assertEquals(1.09, sc.persistenceRmse(), 0.08);
            assertTrue(sc.rmse() < 0.95 * sc.persistenceRmse(), sc.rmse() + " vs persistence " + sc.persistenceRmse());
            assertEquals(1.0, sc.rmse(), 0.08);     // the noise's standard deviation
        }
    }

    @Test
    void persistenceIsScoredOnTheSameWindowsAsTheModel() {
        CsvTable t = CsvTable.read(SyntheticSeries.hourly(dir.resolve("h.csv"), 600, 2));
        int split = ForecastWindows.splitRow(t.rows(), 0.3);
        SeriesSchema schema = SeriesSchema.fit(t, "load", List.of("temperature", "weather"), split);
        EncodedSeries s = schema.encode(t);
        ForecastWindows w = ForecastWindows.split(s, 10, 5, split, 0);
        assertTrue(w.skippedTest() > 0, "the generated series has missing values in its test part");
        try (Forecaster f = Forecaster.create(Kernels.preferred(), config(10, 5), schema, 0.3, 1)) {
            ForecastScores sc = ForecastScores.of(f, s, w.test(), w.skippedTest());
            double se = 0;
            for (int e : w.test()) {
                double d = s.target()[e] - s.target()[e + 5];
                assertTrue(Double.isFinite(d));
                se += d * d;
            }
            assertEquals(Math.sqrt(se / w.test().length), sc.persistenceRmse(), 1e-9);
            assertEquals(5, sc.rmseByStep().length);
            assertEquals(sc.persistenceRmse(), sc.persistenceRmseByStep()[4], 1e-12);
            assertEquals(sc.rmse(), sc.rmseByStep()[4], 1e-12);
            double first = 0;
            for (int e : w.test()) {
                first += Math.pow(s.target()[e] - s.target()[e + 1], 2);
            }
            assertEquals(Math.sqrt(first / w.test().length), sc.persistenceRmseByStep()[0], 1e-9, "one row ahead: the last value");
            assertEquals(w.test().length, sc.windows());
            // with a persistence start (no fit yet) and a silent recurrent branch, the model is persistence
            assertEquals(sc.persistenceRmse(), sc.rmse(), 1e-4 * sc.persistenceRmse());
        }
    }

    @Test
    void learnsAnHourlyMultivariateSeriesWithMissingValuesAtHorizon24() throws Exception {
        CsvTable t = CsvTable.read(SyntheticSeries.hourly(dir.resolve("hourly.csv"), 4000, 7));
        int split = ForecastWindows.splitRow(t.rows(), 0.2);
        SeriesSchema schema = SeriesSchema.fit(t, "load", List.of("temperature", "weather"), split);
        EncodedSeries s = schema.encode(t);
        ForecastWindows w = ForecastWindows.split(s, 30, 24, split, 0.1);
        assertTrue(w.skippedTraining() > 0 && w.skippedTest() > 0);
        Path model = dir.resolve("hourly.safetensors");
        try (Forecaster f = Forecaster.create(Kernels.preferred(), config(30, 24), schema, 0.2, 3)) {
            ForecasterTraining task = new ForecasterTraining(f, s, w, 32, 3);
            ForecastScores start = ForecastScores.of(f, s, w.test(), w.skippedTest());
            System.out.println("least squares start: rmse " + start.rmse() + ", persistence " + start.persistenceRmse());
            new Trainer(Kernels.preferred(), task, new TrainingSettings("adam", 1e-3, 5, 4, 0, Integer.MAX_VALUE, 0.7,
                    TrainingSettings.NonFinitePolicy.STOP), null).run(model, false);
        }
        try (Forecaster f = Forecaster.load(Kernels.preferred(), model)) {
            ForecastScores sc = ForecastScores.of(f, s, w.test(), w.skippedTest());
            assertTrue(sc.rmse() < 0.85 * sc.persistenceRmse(), "rmse " + sc.rmse() + " vs persistence " + sc.persistenceRmse());
            for (double v : f.errorVariance()) {
                assertTrue(v > 0 && v < 1, "the best epoch's validation error variances are saved with it: " + v);
            }
            double[] next = f.predictNext(schema.encode(CsvTable.read(SyntheticSeries.hourly(dir.resolve("more.csv"), 100, 8))));
            assertEquals(24, next.length);
            for (double v : next) {
                assertTrue(v > 0 && v < 120, "a forecast in the series' range: " + v);
            }
        }
    }

    @Test
    void aSavedModelPredictsTheSameAndRefusesIncompleteInput() throws Exception {
        CsvTable t = CsvTable.read(SyntheticSeries.hourly(dir.resolve("h.csv"), 300, 5));
        SeriesSchema schema = SeriesSchema.fit(t, "load", List.of("weather"), 240);
        EncodedSeries s = schema.encode(t);
        ForecastWindows w = ForecastWindows.split(s, 8, 2, 240, 0);
        Path file = dir.resolve("m.safetensors");
        double[][] before;
        try (Forecaster f = Forecaster.create(Kernels.preferred(), config(8, 2), schema, 0.2, 9)) {
            new dev.rnn.models.training.Initializers(3).xavierUniform(f.head.weight());
            f.fitAutoregressive(s, w.train(), 1e-3);
            before = f.predict(s, w.test());
            SafetensorsWriter out = new SafetensorsWriter().metadata(f.metadata());
            f.parameters().writeTo(out, "");
            out.write(file);
        }
        try (Forecaster g = Forecaster.load(Kernels.preferred(), file)) {
            assertEquals(schema.target(), g.schema().target());
            double[][] after = g.predict(g.schema().encode(t), w.test());
            assertSamePredictions(before, after);
            Path gap = Files.writeString(dir.resolve("gap.csv"), "time,load,weather\na,1,rain\nb,NA,rain\n"
                    + "c,1,rain\nd,1,rain\ne,1,rain\nf,1,rain\ng,1,rain\nh,1,rain\ni,1,rain\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> g.predictNext(g.schema().encode(CsvTable.read(gap))));
            assertEquals(gap + ":3: a missing value in the last 8 rows, which the forecast reads", e.getMessage());
        }
    }

    /**
     * With a transformed target, forecasts are expected values: validation sets each output's error
     * variance to its mean squared error there, the file keeps it, and a forecast is the squared √-forecast
     * plus that variance (in √ units).
     */
    @Test
    void aTransformedTargetIsForecastAsAnExpectedValue() throws Exception {
        CsvTable t = CsvTable.read(SyntheticSeries.hourly(dir.resolve("h.csv"), 400, 4));
        int split = ForecastWindows.splitRow(t.rows(), 0.2);
        SeriesSchema schema = SeriesSchema.fit(t, "load", TargetTransform.SQRT, List.of("weather"), split);
        EncodedSeries s = schema.encode(t);
        ForecastWindows w = ForecastWindows.split(s, 8, 2, split, 0.2);
        Path file = dir.resolve("sqrt.safetensors");
        try (Forecaster f = Forecaster.create(Kernels.preferred(), config(8, 2), schema, 0.2, 9)) {
            ForecasterTraining task = new ForecasterTraining(f, s, w, 16, 1);
            assertArrayEquals(new double[2], f.errorVariance(), "none before validation");
            double[][] plain = f.predict(s, w.test());
            double loss = task.evaluate().loss();
            double[] v = f.errorVariance();
            double[][] p = f.predict(s, w.validation());
            double[] sumSq = new double[2];
            for (int i = 0; i < w.validation().length; i++) {
                for (int h = 0; h < 2; h++) {
                    double z = Math.sqrt(Math.max(0, p[i][h] - v[h] * schema.target().std() * schema.target().std()));
                    double d = (z - schema.target().mean()) / schema.target().std() - schema.standardizeTarget(s.target()[w.validation()[i] + 1 + h]);
                    sumSq[h] += d * d;
                }
            }
            for (int h = 0; h < 2; h++) {
                assertEquals(sumSq[h] / w.validation().length, v[h], 1e-4 * v[h]);
            }
            assertEquals((v[0] + v[1]) / 2, loss, 1e-12);
            double[][] corrected = f.predict(s, w.test());
            double std = schema.target().std();
            for (int i = 0; i < plain.length; i++) {
                for (int h = 0; h < 2; h++) {
                    assertEquals(plain[i][h] + v[h] * std * std, corrected[i][h], 1e-9 * corrected[i][h]);
                }
            }
            assertEquals(String.join(",", Double.toString(v[0]), Double.toString(v[1])), task.evaluatedMetadata().get("errorVariance"));
            SafetensorsWriter out = new SafetensorsWriter().metadata(f.metadata());
            f.parameters().writeTo(out, "");
            out.write(file);
            assertEquals("errorVariance has 1 values, expected 2 (one per output)",
                    assertThrows(IllegalArgumentException.class, () -> f.errorVariance(new double[1])).getMessage());
            assertEquals("errorVariance holds -1.0, expected finite values ≥ 0",
                    assertThrows(IllegalArgumentException.class, () -> f.errorVariance(new double[] {0, -1})).getMessage());
            try (Forecaster g = Forecaster.load(Kernels.preferred(), file)) {
                assertEquals(TargetTransform.SQRT, g.schema().transform());
                assertArrayEquals(v, g.errorVariance(), 0);
                double[][] again = g.predict(s, w.test());
                assertSamePredictions(corrected, again);
            }
        }
    }

    /** The least-squares start is validated before training, and it is the model kept when no epoch beats it. */
    @Test
    void theLeastSquaresStartIsKeptWhenTrainingOnlyMakesItWorse() throws Exception {
        Univariate u = Univariate.of(SyntheticSeries.autoregressive(dir.resolve("ar.csv"), 600, 0.6, 0.3, 2), 6);
        SeriesSchema schema = u.schema();
        EncodedSeries s = u.series();
        ForecastWindows w = u.windows();
        Path model = dir.resolve("start.safetensors");
        double[][] start;
        Trainer.Result result;
        try (Forecaster f = Forecaster.create(Kernels.preferred(), config(6, 1), schema, 0.2, 1)) {
            ForecasterTraining task = new ForecasterTraining(f, s, w, 16, 1);
            start = f.predict(s, w.test());
            // plain SGD with a step this large only makes the forecaster worse
            result = new Trainer(Kernels.preferred(), task, new TrainingSettings("sgd", 50, 5, 2, 0, Integer.MAX_VALUE, 0.7,
                    TrainingSettings.NonFinitePolicy.SKIP), null).run(model, false);
            // the file already holds the start: the rule finds them equal and leaves the file alone
            ForecasterTraining.StartComparison c = task.keepStartUnlessBeaten(model);
            assertTrue(c.keptStart());
            assertEquals(0, c.comparison().meanDifference());
        }
        assertEquals(0, result.history().get(0).step());
        assertTrue(result.history().get(0).best());
        assertTrue(result.history().stream().skip(1).noneMatch(p -> p.best()), result.history().toString());
        try (SafetensorsFile file = SafetensorsFile.open(model)) {
            assertEquals("0", file.metadata().get("training.epoch"));
            assertEquals(null, file.metadata().get("training.selection"));
        }
        try (Forecaster g = Forecaster.load(Kernels.preferred(), model)) {
            double[][] kept = g.predict(s, w.test());
            assertSamePredictions(start, kept);
        }
    }

    /** After training, the one-standard-error rule puts the start back when the trained forecaster is not clearly better. */
    @Test
    void theStartReplacesATrainedForecasterThatIsNotClearlyBetter() throws Exception {
        Univariate u = Univariate.of(SyntheticSeries.autoregressive(dir.resolve("ar.csv"), 1500, 0.6, 0.3, 4), 6);
        SeriesSchema schema = u.schema();
        EncodedSeries s = u.series();
        ForecastWindows w = u.windows();
        Path model = dir.resolve("ar.safetensors");
        double[][] start;
        ForecasterTraining.StartComparison c;
        double[] startVariance;
        try (Forecaster f = Forecaster.create(Kernels.preferred(), config(6, 1), schema, 0.2, 1)) {
            ForecasterTraining task = new ForecasterTraining(f, s, w, 16, 1);
            start = f.predict(s, w.test());
            task.evaluate();
            startVariance = f.errorVariance();
            // the least-squares fit is the process itself: what training adds is fitted noise
            Trainer.Result r = new Trainer(Kernels.preferred(), task, new TrainingSettings("adam", 1e-3, 5, 4, 0, 10, 1,
                    TrainingSettings.NonFinitePolicy.STOP), null).run(model, false);
            assertTrue(r.history().stream().skip(1).anyMatch(p -> p.best()), "an epoch edges out the start on validation");
            c = task.keepStartUnlessBeaten(model);
        }
        assertTrue(c.keptStart(), c.toString());
        assertTrue(c.comparison().meanDifference() > -c.comparison().standardError(), c.toString());
        try (SafetensorsFile file = SafetensorsFile.open(model)) {
            assertEquals("0", file.metadata().get("training.epoch"));
            assertTrue(file.metadata().get("training.selection").startsWith("least-squares start"), file.metadata().toString());
        }
        try (Forecaster g = Forecaster.load(Kernels.preferred(), model)) {
            assertSamePredictions(start, g.predict(s, w.test()));
            assertArrayEquals(startVariance, g.errorVariance(), 0);
        }
    }

    /** A series no linear forecast can follow (the logistic map): the trained forecaster beats the start clearly and stays. */
    @Test
    void aTrainedForecasterThatIsClearlyBetterStays() throws Exception {
        StringBuilder csv = new StringBuilder("y\n");
        java.util.Random rnd = new java.util.Random(6);
        double x = 0.3;
        for (int i = 0; i < 1500; i++) {
            x = Math.min(1, Math.max(0, 3.9 * x * (1 - x) + 0.002 * rnd.nextGaussian()));
            csv.append(x).append('\n');
        }
        Univariate u = Univariate.of(Files.writeString(dir.resolve("logistic.csv"), csv), 4);
        SeriesSchema schema = u.schema();
        EncodedSeries s = u.series();
        ForecastWindows w = u.windows();
        Path model = dir.resolve("logistic.safetensors");
        ForecasterTraining.StartComparison c;
        try (Forecaster f = Forecaster.create(Kernels.preferred(), config(4, 1), schema, 0.2, 1)) {
            ForecasterTraining task = new ForecasterTraining(f, s, w, 16, 1);
            new Trainer(Kernels.preferred(), task, new TrainingSettings("adam", 1e-2, 5, 15, 0, Integer.MAX_VALUE, 1,
                    TrainingSettings.NonFinitePolicy.STOP), null).run(model, false);
            c = task.keepStartUnlessBeaten(model);
        }
        assertFalse(c.keptStart(), c.toString());
        assertTrue(c.trainedLoss() < 0.5 * c.startLoss(), c.toString());
        try (SafetensorsFile file = SafetensorsFile.open(model)) {
            assertFalse(file.metadata().get("training.epoch").equals("0"));
            assertEquals(null, file.metadata().get("training.selection"));
        }
    }

    @Test
    void withoutTheAutoregressiveMapThereIsNoStartToKeep() {
        Univariate u = Univariate.of(SyntheticSeries.autoregressive(dir.resolve("ar.csv"), 300, 0.5, 0, 3), 5);
        SeriesSchema schema = u.schema();
        EncodedSeries s = u.series();
        ForecastWindows w = u.windows();
        try (Forecaster f = Forecaster.create(Kernels.preferred(), new Forecaster.Config(CellKind.GRU, 4, 1, 5, 1, 0, false,
                Forecaster.Loss.MSE), schema, 0.2, 1)) {
            ForecasterTraining task = new ForecasterTraining(f, s, w, 16, 1);
            assertEquals("a forecaster without the autoregressive map has no least-squares start to keep",
                    assertThrows(IllegalStateException.class, () -> task.keepStartUnlessBeaten(dir.resolve("none.safetensors")))
                            .getMessage());
        }
    }

    @Test
    void everyCellKindRoundTripsThroughItsFile() throws Exception {
        CsvTable t = CsvTable.read(SyntheticSeries.autoregressive(dir.resolve("ar.csv"), 200, 0.5, 0, 3));
        SeriesSchema schema = SeriesSchema.fit(t, "y", List.of(), 160);
        for (CellKind kind : CellKind.values()) {
            Path file = dir.resolve(kind + ".safetensors");
            try (Forecaster f = Forecaster.create(Kernels.preferred(), new Forecaster.Config(kind, 3, 2, 5, 2, 0, false,
                    Forecaster.Loss.HUBER), schema, 0.2, 1)) {
                SafetensorsWriter out = new SafetensorsWriter().metadata(f.metadata());
                f.parameters().writeTo(out, "");
                out.write(file);
            }
            try (Forecaster g = Forecaster.load(Kernels.preferred(), file)) {
                assertEquals(kind, g.config().cell());
                assertEquals(Forecaster.Loss.HUBER, g.config().loss());
            }
        }
    }

    /** Every forecast equal, bit for bit. */
    /** A series whose column "y" is the target and only input: schema fitted on the first 80 %, windows → 1 row ahead. */
    private record Univariate(SeriesSchema schema, EncodedSeries series, ForecastWindows windows) {
        static Univariate of(Path csv, int window) {
            CsvTable t = CsvTable.read(csv);
            int split = ForecastWindows.splitRow(t.rows(), 0.2);
            SeriesSchema schema = SeriesSchema.fit(t, "y", List.of(), split);
            EncodedSeries s = schema.encode(t);
            return new Univariate(schema, s, ForecastWindows.split(s, window, 1, split, 0.2));
        }
    }

    private static void assertSamePredictions(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 0);
        }
    }
}
