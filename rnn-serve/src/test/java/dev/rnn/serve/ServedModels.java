package dev.rnn.serve;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.series.SyntheticSeries;
import dev.rnn.models.series.TargetTransform;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.CharLanguageModelTraining;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.ModelFiles;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.Seq2SeqTraining;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SentenceClassifierTraining;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.tasks.SequenceTaggerTraining;
import dev.rnn.models.tasks.TaskData;
import dev.rnn.models.tasks.TaskModel;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingSettings;
import dev.rnn.models.training.TrainingTask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Models of each served task, written to files and opened for inference as the service opens them:
 * tiny untrained ones ({@link #openAll}) for the routes' tests, and small ones trained for seconds on
 * generated data ({@link #trainAll}) for the page, whose answers should read as answers.
 */
final class ServedModels {

    /** The language model's characters: anything else is outside its vocabulary. */
    static final String LM_TEXT = "the cat sat on a mat. a dog ate the hat.";

    private ServedModels() {
    }

    /** The models of {@link #openAll} in a temporary folder of their own: closing closes them and deletes the folder. */
    record Opened(Path dir, Map<String, TaskModel> models) implements AutoCloseable {

        static Opened create(String prefix) throws Exception {
            Path dir = Files.createTempDirectory(prefix);
            return new Opened(dir, openAll(dir));
        }

        @Override
        public void close() throws java.io.IOException {
            for (TaskModel m : models.values()) {
                m.close();
            }
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /**
     * lm (char-lm), sentiment (sentence-classifier), tagger (sequence-tagger), reverse (seq2seq) and load
     * (forecaster, over {@code hourly.csv} in {@code dir}), opened from files in {@code dir}.
     */
    static Map<String, TaskModel> openAll(Path dir) throws Exception {
        Kernels k = Kernels.preferred();
        Map<String, TaskModel> out = new LinkedHashMap<>();
        try (CharLanguageModel lm = CharLanguageModel.create(k, new CharLanguageModel.Config(CellKind.LSTM, 6, 12, 1, 0),
                Vocabulary.ofCharacters(LM_TEXT), 3)) {
            out.put("lm", reopen(dir, "lm", lm.metadata(), lm.parameters()));
        }
        try (SentenceClassifier c = SentenceClassifier.create(k, new SentenceClassifier.Config(CellKind.GRU, 6, 4, 32, 6, 1, true, 0, 0),
                sentiment(), 2)) {
            out.put("sentiment", reopen(dir, "sentiment", c.metadata(), c.parameters()));
        }
        try (SequenceTagger t = SequenceTagger.create(k, new SequenceTagger.Config(CellKind.LSTM, 6, 4, 32, 6, 1, 0, 0), tagged(), 5)) {
            out.put("tagger", reopen(dir, "tagger", t.metadata(), t.parameters()));
        }
        try (Seq2SeqModel m = Seq2SeqModel.create(k, new Seq2SeqModel.Config(CellKind.GRU, 6, 8, 1, false, Seq2SeqModel.Attention.DOT,
                false, false, Seq2SeqModel.Tokens.CHARS, 0, 12), reversals(), 4)) {
            out.put("reverse", reopen(dir, "reverse", m.metadata(), m.parameters()));
        }
        Path series = SyntheticSeries.hourly(dir.resolve("hourly.csv"), 120, 7);
        SeriesSchema schema = SeriesSchema.fit(CsvTable.read(series), "load", TargetTransform.NONE, List.of("temperature", "weather"), 100);
        try (Forecaster f = Forecaster.create(k, new Forecaster.Config(CellKind.LSTM, 6, 1, FORECAST_WINDOW, 3, 0, true, Forecaster.Loss.MSE),
                schema, 0.2, 6)) {
            out.put("load", reopen(dir, "load", f.metadata(), f.parameters()));
        }
        return out;
    }

    /** The forecaster's window: rows of the CSV it reads. */
    static final int FORECAST_WINDOW = 8;

    /** The last {@code rows} rows of the hourly series the forecaster was fitted on, with the header, as a CSV text. */
    static String hourlyCsv(Path dir, int rows) throws Exception {
        List<String> lines = Files.readAllLines(dir.resolve("hourly.csv"));
        StringBuilder csv = new StringBuilder(lines.get(0)).append('\n');
        for (String line : lines.subList(lines.size() - rows, lines.size())) {
            csv.append(line.replace("NA", "50.0").replace(",,", ",15.0,")).append('\n');   // complete rows: a forecast reads no gaps
        }
        return csv.toString();
    }

    private static TaskModel reopen(Path dir, String name, Map<String, String> metadata, dev.rnn.models.training.ParameterSet p)
            throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        SafetensorsWriter w = new SafetensorsWriter().metadata(metadata);
        p.writeTo(w, "");
        w.write(file);
        return ModelFiles.open(file);
    }

    static List<LabelledSentence> sentiment() {
        return List.of(new LabelledSentence("the food was great", "pos"), new LabelledSentence("a lovely plot", "pos"),
                new LabelledSentence("the service was awful", "neg"), new LabelledSentence("a boring movie", "neg"));
    }

    static List<TaggedSentence> tagged() {
        return List.of(new TaggedSentence(List.of("the", "cat", "sees", "Anna", "."), List.of("DET", "NOUN", "VERB", "PROPN", "PUNCT")),
                new TaggedSentence(List.of("a", "big", "dog", "runs", "."), List.of("DET", "ADJ", "NOUN", "VERB", "PUNCT")));
    }

    static List<TextPair> reversals() {
        return reversals(10, 5, 4);
    }

    /** {@code n} strings of 1 to {@code maxLength} letters a–f, each paired with itself reversed. */
    static List<TextPair> reversals(int n, int maxLength, long seed) {
        Random r = new Random(seed);
        List<TextPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0, length = 1 + r.nextInt(maxLength); j < length; j++) {
                s.append((char) ('a' + r.nextInt(6)));
            }
            out.add(new TextPair(s.toString(), new StringBuilder(s).reverse().toString()));
        }
        return out;
    }

    /**
     * lm, sentiment, tagger and reverse again, of the same tasks and names as {@link #openAll}, but
     * trained on generated data for a few epochs each, written by the trainer to {@code dir} and
     * opened from there. With {@code timeBound}, each also stops after a few seconds, so that a busy
     * machine gets rougher models rather than a slower test.
     */
    static Map<String, TaskModel> trainAll(Path dir, boolean timeBound) throws Exception {
        Kernels k = Kernels.preferred();
        Map<String, TaskModel> out = new LinkedHashMap<>();
        String text = TaskData.text(4000, 1);
        try (CharLanguageModel lm = CharLanguageModel.create(k, new CharLanguageModel.Config(CellKind.LSTM, 16, 64, 1, 0),
                Vocabulary.ofCharacters(text), 3);
             CharLanguageModelTraining t = new CharLanguageModelTraining(lm, lm.encode(text), lm.encode(TaskData.text(400, 2)), 16, 32, 3)) {
            out.put("lm", train(k, t, 12, timeBound ? 12 : 0, dir.resolve("lm.safetensors")));
        }
        List<LabelledSentence> sentiment = TaskData.sentiment(400, 4);
        try (SentenceClassifier c = SentenceClassifier.create(k, new SentenceClassifier.Config(CellKind.LSTM, 16, 8, 512, 16, 1, true, 0, 0),
                sentiment, 5)) {
            out.put("sentiment", train(k, new SentenceClassifierTraining(c, sentiment, TaskData.sentiment(60, 6), 16, 5), 6, timeBound ? 4 : 0,
                    dir.resolve("sentiment.safetensors")));
        }
        List<TaggedSentence> tagged = TaskData.tagged(400, 7);
        try (SequenceTagger t = SequenceTagger.create(k, new SequenceTagger.Config(CellKind.LSTM, 16, 8, 512, 16, 1, 0, 0), tagged, 8)) {
            out.put("tagger", train(k, new SequenceTaggerTraining(t, tagged, TaskData.tagged(60, 9), 16, 8), 6, timeBound ? 4 : 0,
                    dir.resolve("tagger.safetensors")));
        }
        List<TextPair> pairs = reversals(1200, 8, 10);
        try (Seq2SeqModel m = Seq2SeqModel.create(k, new Seq2SeqModel.Config(CellKind.LSTM, 16, 32, 1, true, Seq2SeqModel.Attention.DOT,
                false, false, Seq2SeqModel.Tokens.CHARS, 0, 12), pairs, 11);
             Seq2SeqTraining t = new Seq2SeqTraining(m, pairs, reversals(60, 8, 12), 32, 13, 1, 1)) {
            out.put("reverse", train(k, t, 10, timeBound ? 8 : 0, dir.resolve("reverse.safetensors")));
        }
        return out;
    }

    /** Trains for {@code epochs}, or {@code seconds} if that ends first (0: no time limit). */
    private static TaskModel train(Kernels k, TrainingTask task, int epochs, int seconds, Path file) throws Exception {
        new Trainer(k, task, new TrainingSettings("adam", 1e-2, 5, epochs, seconds / 60.0, 1000, 1, TrainingSettings.NonFinitePolicy.STOP),
                null).run(file, false);
        return ModelFiles.open(file);
    }
}
