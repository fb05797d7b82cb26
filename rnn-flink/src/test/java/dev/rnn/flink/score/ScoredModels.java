package dev.rnn.flink.score;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.tasks.TaskModel;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.training.ParameterSet;
import java.nio.file.Path;
import java.util.List;

/**
 * Tiny models of each scored task at their seeded initial weights, written to files: outputs vary from
 * record to record as a trained model's do, which is all a comparison of two ways of scoring needs.
 */
public final class ScoredModels {

    private ScoredModels() {
    }

    public static Path classifier(Path dir) throws Exception {
        List<LabelledSentence> data = List.of(new LabelledSentence("the food was great", "pos"), new LabelledSentence("a lovely plot", "pos"),
                new LabelledSentence("the service was awful", "neg"), new LabelledSentence("a boring movie", "neg"));
        try (SentenceClassifier c = SentenceClassifier.create(Kernels.preferred(), new SentenceClassifier.Config(CellKind.GRU, 6, 4, 32, 6, 1,
                true, 0, 0), data, 2)) {
            return write(dir.resolve("classifier.safetensors"), c, c.parameters());
        }
    }

    public static Path tagger(Path dir) throws Exception {
        List<TaggedSentence> data = List.of(
                new TaggedSentence(List.of("the", "cat", "sees", "Anna", "."), List.of("DET", "NOUN", "VERB", "PROPN", "PUNCT")),
                new TaggedSentence(List.of("a", "big", "dog", "runs", "."), List.of("DET", "ADJ", "NOUN", "VERB", "PUNCT")));
        try (SequenceTagger t = SequenceTagger.create(Kernels.preferred(), new SequenceTagger.Config(CellKind.LSTM, 6, 4, 32, 6, 1, 0, 0),
                data, 5)) {
            return write(dir.resolve("tagger.safetensors"), t, t.parameters());
        }
    }

    public static Path seq2seq(Path dir) throws Exception {
        List<TextPair> data = List.of(new TextPair("abc", "cba"), new TextPair("fed", "def"), new TextPair("abba", "abba"));
        try (Seq2SeqModel m = Seq2SeqModel.create(Kernels.preferred(), new Seq2SeqModel.Config(CellKind.GRU, 6, 8, 1, false,
                Seq2SeqModel.Attention.DOT, false, false, Seq2SeqModel.Tokens.CHARS, 0, 12), data, 4)) {
            return write(dir.resolve("seq2seq.safetensors"), m, m.parameters());
        }
    }

    /** A forecaster of column {@code load} from {@code temperature} and {@code weather}, reading windows of {@code window} rows. */
    public static Path forecaster(Path dir, Path csv, int window, int horizon) throws Exception {
        CsvTable table = CsvTable.read(csv);
        SeriesSchema schema = SeriesSchema.fit(table, "load", List.of("temperature", "weather"), table.rows());
        try (Forecaster f = Forecaster.create(Kernels.preferred(), new Forecaster.Config(CellKind.LSTM, 8, 1, window, horizon, 0, true,
                Forecaster.Loss.MSE), schema, 0.2, 3)) {
            return write(dir.resolve("forecaster.safetensors"), f, f.parameters());
        }
    }

    private static Path write(Path file, TaskModel model, ParameterSet parameters) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter().metadata(model.metadata());
        parameters.writeTo(w, "");
        w.write(file);
        return file;
    }
}
