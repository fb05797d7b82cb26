package dev.rnn.flink.stream;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.series.SyntheticSeries;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.text.Vocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small seeded models written to files, and events for them, for the streaming tests and harness. */
final class TestModels {

    /** The language model's characters (and the text events are drawn from). */
    static final String TEXT = "the cat sees the fish. a dog likes a bone. my friend finds the crown.\n";

    private TestModels() {
    }

    /** A char LM (LSTM, embedding 8, 2 levels of {@code hidden}) with seeded random weights, written to dir/lm.safetensors. */
    static Path languageModel(Path dir, int hidden) throws IOException {
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.LSTM, 8, hidden, 2, 0),
                Vocabulary.ofCharacters(TEXT), 7)) {
            return write(dir.resolve("lm.safetensors"), lm.metadata(), lm);
        }
    }

    /** A forecaster of load from load, temperature and weather (GRU 12, window 6, horizon 2), written to dir/forecaster.safetensors. */
    static Path forecaster(Path dir) throws IOException {
        CsvTable t = CsvTable.read(SyntheticSeries.hourly(dir.resolve("hourly.csv"), 300, 3));
        SeriesSchema schema = SeriesSchema.fit(t, "load", List.of("temperature", "weather"), 240);
        try (Forecaster f = Forecaster.create(Kernels.preferred(), new Forecaster.Config(CellKind.GRU, 12, 1, 6, 2, 0, true,
                Forecaster.Loss.MSE), schema, 0.2, 5)) {
            return write(dir.resolve("forecaster.safetensors"), f.metadata(), f);
        }
    }

    private static Path write(Path file, Map<String, String> metadata, dev.rnn.models.tasks.TaskModel model) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata(metadata);
        switch (model) {
            case CharLanguageModel lm -> lm.parameters().writeTo(w, "");
            case Forecaster f -> f.parameters().writeTo(w, "");
            default -> throw new IllegalArgumentException(model.task());
        }
        w.write(file);
        return file;
    }

    /**
     * Event i of a language-model stream over {@code keys} keys: key k(i mod keys), the character of TEXT
     * at (i / keys + key) mod |TEXT|; every 97th line is bad input (no tab, an unknown character, two characters in turn).
     */
    static String lmLine(long i, int keys) {
        long key = i % keys;
        if (i % 97 == 50) {
            return switch ((int) (i / 97 % 3)) {
                case 0 -> "k" + key + " no tab";
                case 1 -> "k" + key + "\t☃";
                default -> "k" + key + "\tab";
            };
        }
        int at = (int) ((i / keys + key) % TEXT.length());
        return "k" + key + '\t' + TEXT.charAt(at);
    }

    /** Event i of a forecast stream over {@code keys} keys: a record load,temperature,weather; every 89th is bad (wrong count or not a number). */
    static String forecastLine(long i, int keys) {
        long key = i % keys, t = i / keys;
        if (i % 89 == 40) {
            return (i / 89) % 2 == 0 ? "s" + key + "\t1.5,2.5" : "s" + key + "\tlots,12.0,rain";
        }
        double load = 50 + 10 * Math.sin(2 * Math.PI * ((t + 3 * key) % 24) / 24.0) + key;
        double temp = 15 + 5 * Math.cos(t / 7.0);
        String weather = SyntheticSeries.WEATHER[(int) ((t / 10 + key) % 3)];
        return String.format(java.util.Locale.ROOT, "s%d\t%.3f,%.2f,%s", key, load, temp, weather);
    }

    /** The first n lines of a stream. */
    static List<String> lines(StreamTask task, long n, int keys) {
        List<String> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.add(task == StreamTask.LM ? lmLine(i, keys) : forecastLine(i, keys));
        }
        return out;
    }
}
