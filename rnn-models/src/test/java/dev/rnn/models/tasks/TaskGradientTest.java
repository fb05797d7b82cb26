package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.GradientCheck;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The task models' gradients (embeddings, character n-gram features, pooling, every recurrent
 * level, the output layer) against central differences, with dropout off, through
 * {@link GradientCheck} (bound and its reasoning there), along several directions per tensor, at
 * least one of which must move the loss well above its rounding. Max pooling has kinks where two steps tie,
 * so the classifier uses ε = 1e-3, which crosses far fewer of them.
 */
class TaskGradientTest {

    /** Random directions per tensor: one could be right by chance where the gradient is wrong elsewhere. */
    private static final int DIRECTIONS = 3;

    private static void checkAll(String what, ParameterSet params, Runnable backward, DoubleSupplier loss, float eps) {
        params.zeroGradients();
        backward.run();
        Random rnd = new Random(11);
        for (ParameterSet.Entry e : params.entries()) {
            Matrix g = e.gradient();
            GradientCheck.directions(what + " " + e.name(), e.value(), copyOf(g), loss, rnd, eps, DIRECTIONS);
        }
    }

    private static Matrix copyOf(Matrix m) {
        Matrix c = Matrix.allocate(java.lang.foreign.Arena.ofAuto(), m.rows(), m.cols());
        c.copyFrom(m);
        return c;
    }

    @ParameterizedTest
    @EnumSource(CellKind.class)
    void languageModel(CellKind kind) {
        String text = TaskData.text(200, 3);
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(),
                new CharLanguageModel.Config(kind, 5, 6, 2, 0), Vocabulary.ofCharacters(text), 9);
             CharLanguageModel.Runner r = lm.runner(3, 7)) {
            int[] ids = lm.encode(text);
            int[] in = Arrays.copyOfRange(ids, 0, 21), target = Arrays.copyOfRange(ids, 1, 22);
            target[4] = -1;   // a masked target must not count
            checkAll("lm " + kind, lm.parameters(), () -> {
                r.resetState();
                r.forward(in, target, 7, false, 0, true);
            }, () -> {
                r.resetState();
                return r.forward(in, target, 7, false, 0, false);
            }, kind == CellKind.RNN_RELU ? 1e-3f : 1e-2f);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void classifier(CellKind kind) {
        List<LabelledSentence> data = TaskData.sentiment(5, 4);
        try (SentenceClassifier c = SentenceClassifier.create(Kernels.preferred(),
                new SentenceClassifier.Config(kind, 4, 3, 64, 5, 2, true, 0, 0), data, 5)) {
            List<WordFeatures.Encoded> sentences = new ArrayList<>();
            int[] targets = new int[6];
            Arrays.fill(targets, -1);
            for (int i = 0; i < data.size(); i++) {
                sentences.add(c.encode(data.get(i).text()));
                targets[i] = c.labelId(data.get(i).label());
            }
            SentenceClassifier.Runner r = c.runner(6, sentences);
            checkAll("classifier " + kind, c.parameters(), () -> r.run(sentences, targets, false, 0, true, 0),
                    () -> r.run(sentences, targets, false, 0, false, 0), 1e-3f);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "RNN_TANH"})
    void tagger(CellKind kind) {
        List<TaggedSentence> data = TaskData.tagged(4, 6);
        try (SequenceTagger t = SequenceTagger.create(Kernels.preferred(),
                new SequenceTagger.Config(kind, 4, 3, 64, 5, 2, 0, 0), data, 7)) {
            List<WordFeatures.Encoded> sentences = new ArrayList<>();
            List<int[]> gold = new ArrayList<>();
            for (TaggedSentence s : data) {
                sentences.add(t.encode(s.words()));
                gold.add(t.tagIds(s));
            }
            SequenceTagger.Runner r = t.runner(5, sentences);
            checkAll("tagger " + kind, t.parameters(), () -> r.run(sentences, gold, false, 0, true, 0),
                    () -> r.run(sentences, gold, false, 0, false, 0), 1e-2f);
        }
    }

    @ParameterizedTest
    @EnumSource(Forecaster.Loss.class)
    void forecaster(Forecaster.Loss loss) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("forecast-grad");
        dev.rnn.models.series.CsvTable table = dev.rnn.models.series.CsvTable.read(
                dev.rnn.models.series.SyntheticSeries.hourly(dir.resolve("h.csv"), 200, 3));
        dev.rnn.models.series.SeriesSchema schema = dev.rnn.models.series.SeriesSchema.fit(table, "load",
                List.of("temperature", "weather"), 150);
        dev.rnn.models.series.EncodedSeries series = schema.encode(table);
        dev.rnn.models.series.ForecastWindows w = dev.rnn.models.series.ForecastWindows.split(series, 6, 3, 150, 0);
        try (Forecaster f = Forecaster.create(Kernels.preferred(), new Forecaster.Config(CellKind.LSTM, 5, 2, 6, 3, 0, true, loss),
                schema, 0.2, 4)) {
            new dev.rnn.models.training.Initializers(8).xavierUniform(f.head.weight());   // not the silent start, so every path carries gradient
            f.fitAutoregressive(series, w.train(), 1e-3);
            int[] ends = Arrays.copyOfRange(w.train(), 10, 17);
            Forecaster.Runner r = f.runner(8);
            checkAll("forecaster " + loss, f.parameters(), () -> r.run(series, ends, 0, 7, false, 0, true),
                    () -> r.run(series, ends, 0, 7, false, 0, false), 1e-2f);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void captionModel(CellKind kind) {
        List<CaptionModel.Example> data = new ArrayList<>();
        Random r = new Random(4);
        for (int i = 0; i < 5; i++) {
            int n = r.nextInt(1000);
            data.add(new CaptionModel.Example(dev.rnn.models.text.NumberWords.digits(n, 3), dev.rnn.models.text.NumberWords.words(n)));
        }
        for (boolean feed : new boolean[] {false, true}) {
            try (CaptionModel m = CaptionModel.create(Kernels.preferred(), new CaptionModel.Config(kind, 30, 4, 5, 2, feed, 0, 8), data, 3);
                 CaptionTraining t = new CaptionTraining(m, data, data, 6, 3)) {
                int[][] ids = new int[data.size()][];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = m.encode(data.get(i).text());
                }
                int[] members = {0, 1, 2, 3, 4};
                CaptionTraining.Runner runner = t.runner();
                checkAll("caption " + kind + (feed ? " fed" : ""), m.parameters(), () -> runner.run(data, ids, members, false, 0, true),
                        () -> runner.run(data, ids, members, false, 0, false), 1e-2f);
            }
        }
    }
}
