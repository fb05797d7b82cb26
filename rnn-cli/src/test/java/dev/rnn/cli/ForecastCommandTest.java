package dev.rnn.cli;

import static dev.rnn.cli.CliRun.failsWith;
import static dev.rnn.cli.CliRun.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.models.series.SyntheticSeries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn forecast} end to end on a generated hourly series, and its one-line errors. */
class ForecastCommandTest {

    @TempDir
    Path dir;



    private static double value(String out, String key) {
        Matcher m = Pattern.compile("(?m)^" + key + ": (\\S+)$").matcher(out);
        assertTrue(m.find(), key + " in " + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void trainsScoresPlotsAndPredictsAMultivariateSeriesAtHorizon24() throws IOException {
        Path csv = dir.resolve("hourly.csv");
        ok(CliRun.of("forecast", "sample-data", "--out", csv.toString(), "--hours", "3000", "--seed", "4"));
        Path model = dir.resolve("hourly.safetensors");
        CliRun train = CliRun.of("forecast", "train", "--csv", csv.toString(), "--target", "load", "--features", "temperature,weather",
                "--horizon", "24", "--model", model.toString(), "--hidden", "16", "--epochs", "2");
        ok(train);
        assertTrue(train.out().contains("weather one-hot over 3 categories"), train.out());
        assertFalse(train.out().contains("note: column"), train.out());
        assertTrue(Pattern.compile("windows of 30 rows → 24 ahead: \\d+ to train on, \\d+ to validate with; [1-9]\\d* skipped for"
                + " missing values").matcher(train.out()).find(), train.out());
        assertTrue(Pattern.compile("(?m)^validation rmse: trained \\S+, least-squares start \\S+; mean squared error [-+]\\S+ ± \\S+"
                + " \\(one standard error\\) against the start: (the start is kept, being as good within noise|the trained forecaster is"
                + " kept)$").matcher(train.out()).find(), train.out());
        CliRun eval = CliRun.of("forecast", "eval", "--model", model.toString(), "--csv", csv.toString(), "--png",
                dir.resolve("fc.png").toString());
        ok(eval);
        assertTrue(Pattern.compile("test: \\d+ windows scored, [1-9]\\d* skipped for missing values").matcher(eval.out()).find(), eval.out());
        double rmse = value(eval.out(), "rmse"), persistence = value(eval.out(), "persistence-rmse");
        assertTrue(rmse < persistence, eval.out());
        assertTrue(value(eval.out(), "mae") <= rmse);
        assertTrue(Pattern.compile("(?m)^rmse-by-step:( \\S+){24}$").matcher(eval.out()).find(), eval.out());
        assertTrue(Files.size(dir.resolve("fc.png")) > 1000);
        // the training run printed the same scores for its test part
        assertEquals(rmse, value(train.out(), "rmse"), 1e-9 * rmse);
        failsWith(CliRun.of("forecast", "predict", "--model", model.toString(), "--csv", csv.toString()),
                csv + ":2982: a missing value in the last 30 rows, which the forecast reads");
        StringBuilder complete = new StringBuilder();
        for (String line : Files.readAllLines(csv)) {
            if (!line.contains("NA") && !line.contains(",,") && !line.endsWith(",")) {
                complete.append(line).append('\n');
            }
        }
        Path recent = Files.writeString(dir.resolve("recent.csv"), complete);
        CliRun predict = CliRun.of("forecast", "predict", "--model", model.toString(), "--csv", recent.toString());
        ok(predict);
        String[] lines = predict.out().strip().split("\n");
        assertEquals(24, lines.length);
        assertTrue(lines[0].startsWith("1\t") && lines[23].startsWith("24\t"), predict.out());
        CliRun resumed = CliRun.of("forecast", "train", "--csv", csv.toString(), "--target", "load", "--features", "temperature,weather",
                "--horizon", "24", "--model", model.toString(), "--hidden", "16", "--epochs", "3", "--resume");
        ok(resumed);
        assertTrue(resumed.out().contains("resuming from"), resumed.out());
        failsWith(CliRun.of("forecast", "train", "--csv", csv.toString(), "--target", "load", "--features", "temperature",
                "--horizon", "24", "--model", model.toString(), "--hidden", "16", "--epochs", "4", "--resume"),
                dir.resolve("hourly.checkpoint.safetensors") + ": made by a different run (series.features was '[\"temperature\",\"weather\"]',"
                + " now '[\"temperature\"]'); resume with the same data and settings, or start afresh without --resume");
    }

    @Test
    void badInputGetsOneLineErrors() throws IOException {
        Path model = dir.resolve("m.safetensors");
        Path ragged = Files.writeString(dir.resolve("ragged.csv"), "t,y\n1,2\n2\n");
        failsWith(CliRun.of("forecast", "train", "--csv", ragged.toString(), "--target", "y", "--model", model.toString()),
                ragged + ":3: expected 2 fields as in the header, found 1");
        Path text = Files.writeString(dir.resolve("text.csv"), "t,y\n1,2\n2,3\n3,4\n4,high\n");
        failsWith(CliRun.of("forecast", "train", "--csv", text.toString(), "--target", "y", "--model", model.toString()),
                text + ":5: the target column 'y' holds 'high', not a number");
        failsWith(CliRun.of("forecast", "train", "--csv", text.toString(), "--target", "z", "--model", model.toString()),
                text + ": no column 'z' (columns: t, y)");
        Path negative = Files.writeString(dir.resolve("negative.csv"), "t,y\n1,2\n2,-3\n3,4\n");
        failsWith(CliRun.of("forecast", "train", "--csv", negative.toString(), "--target", "y", "--transform", "sqrt", "--model",
                model.toString()), negative + ":3: the target column 'y' holds -3, but the sqrt transform needs values ≥ 0");
        CliRun.usageError(CliRun.of("forecast", "train", "--csv", negative.toString(), "--target", "y", "--transform", "box-cox", "--model",
                model.toString()), "Invalid value for option '--transform': transform must be none, sqrt or log1p, found 'box-cox'",
                "rnn forecast train");
        CliRun.usageError(CliRun.of("forecast", "train", "--csv", negative.toString(), "--target", "y", "--selection", "last", "--model",
                model.toString()), "--selection must be one-se or best, found 'last'", "rnn forecast train");
        Path shortCsv = SyntheticSeries.autoregressive(dir.resolve("short.csv"), 25, 0.5, 0, 1);
        CliRun tooShort = CliRun.of("forecast", "train", "--csv", shortCsv.toString(), "--target", "y", "--model", model.toString());
        assertEquals(1, tooShort.code());
        assertTrue(tooShort.err().startsWith("rnn: " + shortCsv + ": 0 windows to train on"), tooShort.err());
        assertFalse(Files.exists(model));
        Path ar = SyntheticSeries.autoregressive(dir.resolve("ar.csv"), 400, 0.5, 0, 1);
        CliRun dates = CliRun.of("forecast", "train", "--csv", SyntheticSeries.hourly(dir.resolve("h.csv"), 300, 1).toString(), "--target",
                "load", "--features", "time", "--window", "8", "--model", dir.resolve("d.safetensors").toString(), "--hidden", "4",
                "--epochs", "1");
        ok(dates);
        assertTrue(dates.out().contains("note: column 'time' is not numeric and becomes 240 one-hot inputs, one per value"), dates.out());
        CliRun best = CliRun.of("forecast", "train", "--csv", ar.toString(), "--target", "y", "--window", "8", "--model", model.toString(),
                "--hidden", "4", "--epochs", "1", "--selection", "best");
        ok(best);
        assertFalse(best.out().contains("least-squares start"), best.out());
        failsWith(CliRun.of("forecast", "eval", "--model", model.toString(), "--csv", text.toString()),
                text + ":5: the target column 'y' holds 'high', not a number");
        Path other = Files.writeString(dir.resolve("other.csv"), "t,v\n1,2\n");
        failsWith(CliRun.of("forecast", "predict", "--model", model.toString(), "--csv", other.toString()),
                other + ": no column 'y' (columns: t, v)");
        CliRun.usageError(CliRun.of("forecast", "eval", "--model", model.toString(), "--csv", ar.toString(), "--test-fraction", "1.5"),
                "--test-fraction must be in (0, 1), found 1.5", "rnn forecast eval");
    }
}
