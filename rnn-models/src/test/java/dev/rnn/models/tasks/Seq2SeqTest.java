package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.GradientCheck;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.text.DataException;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The encoder-decoder: gradients, decoding identities, a task learned in seconds, files and pair parsing. */
class Seq2SeqTest {

    @TempDir
    Path dir;

    static List<TextPair> reversals(int n, long seed) {
        Random r = new Random(seed);
        List<TextPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            int len = 1 + r.nextInt(5);
            for (int j = 0; j < len; j++) {
                s.append((char) ('a' + r.nextInt(6)));
            }
            out.add(new TextPair(s.toString(), s.reverse().toString()));
        }
        return out;
    }

    static Seq2SeqModel.Config config(CellKind cell, Seq2SeqModel.Attention attention, boolean bi, boolean peeky, int hidden, int layers) {
        return new Seq2SeqModel.Config(cell, 6, hidden, layers, bi, attention, peeky, false, Seq2SeqModel.Tokens.CHARS, 0, 12);
    }

    static List<Arguments> variants() {
        return List.of(
                Arguments.of(CellKind.LSTM, Seq2SeqModel.Attention.NONE, false, false, 1),
                Arguments.of(CellKind.LSTM, Seq2SeqModel.Attention.DOT, true, false, 2),
                Arguments.of(CellKind.GRU, Seq2SeqModel.Attention.ADDITIVE, true, true, 1),
                Arguments.of(CellKind.LSTM, Seq2SeqModel.Attention.NONE, true, true, 2),
                Arguments.of(CellKind.RNN_TANH, Seq2SeqModel.Attention.DOT, false, true, 1));
    }

    @ParameterizedTest(name = "{0} attention={1} bidirectional={2} peeky={3} layers={4}")
    @MethodSource("variants")
    void gradientsMatchCentralDifferences(CellKind cell, Seq2SeqModel.Attention attention, boolean bi, boolean peeky, int layers) {
        List<TextPair> pairs = reversals(4, 1);
        try (Seq2SeqModel m = Seq2SeqModel.create(Kernels.preferred(), config(cell, attention, bi, peeky, 5, layers), pairs, 2);
             Seq2SeqTraining t = new Seq2SeqTraining(m, pairs, pairs, 5, 3, 1, 1)) {
            t.startEpoch(0);
            ParameterSet params = m.parameters();
            params.zeroGradients();
            t.batchLoss(0, true);
            Random rnd = new Random(4);
            for (ParameterSet.Entry e : params.entries()) {
                Matrix g = Matrix.allocate(java.lang.foreign.Arena.ofAuto(), e.gradient().rows(), e.gradient().cols());
                g.copyFrom(e.gradient());
                GradientCheck.directions(cell + " " + attention + " " + e.name(), e.value(), g, () -> t.batchLoss(0, false), rnd, 1e-2f, 3);
            }
        }
    }

    @Test
    void beamWidthOneIsGreedy() {
        List<TextPair> pairs = reversals(40, 5);
        for (Seq2SeqModel.Attention attention : Seq2SeqModel.Attention.values()) {
            try (Seq2SeqModel m = Seq2SeqModel.create(Kernels.preferred(), config(CellKind.LSTM, attention, true, true, 8, 1), pairs, 6)) {
                List<String> sources = pairs.stream().map(TextPair::source).toList();
                List<String> greedy = m.translateAll(sources, 1);
                try (Seq2SeqDecoder beam = new Seq2SeqDecoder(m, 1, 8)) {
                    for (int i = 0; i < sources.size(); i++) {
                        assertEquals(greedy.get(i), m.text(beam.beam(m.encodeSource(sources.get(i)))), attention + " " + sources.get(i));
                    }
                }
            }
        }
    }

    @Test
    void teacherForcingRatioOneIsPlainTeacherForcing() {
        List<TextPair> pairs = reversals(30, 7);
        float[][] results = new float[2][];
        double[][] ratios = {{1, 1}, {1, 0.5}};
        for (int i = 0; i < 2; i++) {
            try (Seq2SeqModel m = Seq2SeqModel.create(Kernels.preferred(), config(CellKind.GRU, Seq2SeqModel.Attention.DOT, false, false, 6, 1), pairs, 8);
                 Seq2SeqTraining t = new Seq2SeqTraining(m, pairs, pairs, 8, 9, ratios[i][0], ratios[i][1])) {
                t.startEpoch(0);                              // epoch 0: ratio 1 × decay⁰ = 1 in both
                assertEquals(1.0, t.teacherForcingRatio());
                m.parameters().zeroGradients();
                for (int b = 0; b < t.batchesPerEpoch(); b++) {
                    t.trainBatch(b, b);
                }
                results[i] = m.parameters().gradients().get(3).toArray();
                t.startEpoch(1);
                assertEquals(ratios[i][1], t.teacherForcingRatio());
            }
        }
        assertArrayEquals(results[0], results[1]);
    }

    @Test
    void learnsToReverseStringsAndRoundTrips() throws IOException, SafetensorsException {
        List<TextPair> train = reversals(1500, 10), val = reversals(100, 11), test = reversals(200, 12);
        Path model = dir.resolve("rev.safetensors");
        Seq2SeqModel.Config c = new Seq2SeqModel.Config(CellKind.LSTM, 16, 32, 1, true, Seq2SeqModel.Attention.DOT, false, false,
                Seq2SeqModel.Tokens.CHARS, 0, 10);
        try (Seq2SeqModel m = Seq2SeqModel.create(Kernels.preferred(), c, train, 13);
             Seq2SeqTraining t = new Seq2SeqTraining(m, train, val, 32, 14, 1, 1)) {
            Trainer.Result r = new Trainer(Kernels.preferred(), t,
                    new TrainingSettings("adam", 1e-2, 5, 12, 0, 1000, 0.7, TrainingSettings.NonFinitePolicy.STOP), null).run(model, false);
            assertTrue(r.best().accuracy() >= 0.9, "validation exact-match " + r.best().accuracy());
        }
        try (Seq2SeqModel m = Seq2SeqModel.load(Kernels.preferred(), model)) {
            double greedy = m.exactMatch(test, 1), beam = m.exactMatch(test, 3);
            assertTrue(greedy >= 0.9 && beam >= 0.9, greedy + " / " + beam);
            assertEquals("dcba", m.translate("abcd", 1));
            Seq2SeqModel.Attended a = m.translateWithAttention("abcd");
            assertEquals(List.of("a", "b", "c", "d"), a.sourceTokens());
            assertEquals(a.outputTokens().size(), a.weights().length);
            assertEquals(4, a.weights()[0].length);
            // reversing: the first output looks mostly at the last input
            assertTrue(a.weights()[0][3] > 0.5, java.util.Arrays.toString(a.weights()[0]));
            assertEquals("", m.translate("zzz", 1).replaceAll("[a-f]", ""));   // unknown characters still decode to known ones
            assertThrows(IllegalArgumentException.class, () -> m.translate("  ", 1));
        }
    }

    @Test
    void pairsSplitAtTheFirstSeparatorAndErrorsNameTheLine() throws IOException {
        Path f = Files.writeString(dir.resolve("p.txt"), "16+75  _91  \n 1+2_3_x \n\n");
        assertEquals(List.of(new TextPair("16+75", "91"), new TextPair("1+2", "3_x")), TextPair.read(f, "_"));
        Path tab = Files.writeString(dir.resolve("t.txt"), "a\tb\nno separator\n");
        assertEquals(tab + ":2: no separator TAB (expected 'source<TAB>target')",
                assertThrows(DataException.class, () -> TextPair.read(tab, "\t")).getMessage());
        Path empty = Files.writeString(dir.resolve("e.txt"), "a => \n");
        assertEquals(empty + ":1: the target is empty", assertThrows(DataException.class, () -> TextPair.read(empty, "=>")).getMessage());
        Path noSource = Files.writeString(dir.resolve("s.txt"), " => b\n");
        assertEquals(noSource + ":1: the source is empty", assertThrows(DataException.class, () -> TextPair.read(noSource, "=>")).getMessage());
    }
}
