package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.text.CharNgrams;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The classifier and the tagger learn small generated tasks in seconds, and their files round-trip. */
class SentenceTaskTest {

    @TempDir
    Path dir;

    private static TrainingSettings epochs(int n) {
        return new TrainingSettings("adam", 1e-2, 5, n, 0, 1000, 1, TrainingSettings.NonFinitePolicy.STOP);
    }

    @Test
    void classifierLearnsAndRoundTrips() throws IOException, SafetensorsException {
        List<LabelledSentence> train = TaskData.sentiment(300, 1), val = TaskData.sentiment(60, 2), test = TaskData.sentiment(100, 3);
        Path model = dir.resolve("c.safetensors");
        try (SentenceClassifier c = SentenceClassifier.create(Kernels.preferred(),
                new SentenceClassifier.Config(CellKind.LSTM, 16, 8, 512, 16, 1, true, 0.2, 0.25), train, 4)) {
            double before = c.accuracy(test);
            Trainer.Result r = new Trainer(Kernels.preferred(), new SentenceClassifierTraining(c, train, val, 16, 4), epochs(8), null)
                    .run(model, false);
            assertTrue(r.best().accuracy() >= 0.95, "validation accuracy " + r.best().accuracy() + " (before " + before + ")");
        }
        try (SentenceClassifier c = SentenceClassifier.load(Kernels.preferred(), model)) {
            assertTrue(c.accuracy(test) >= 0.95, "test accuracy " + c.accuracy(test));
            assertEquals(List.of("neg", "pos"), c.labels().tokens());
            SentenceClassifier.Prediction p = c.predict("zorblax quux wibble");   // nothing known: still a prediction
            assertTrue(p.probability() >= 0.5 && p.probability() <= 1);
            assertEquals("pos", c.predict("the food was great").label());
            assertEquals("neg", c.predict("the plot was awful").label());
            assertThrows(IllegalArgumentException.class, () -> c.predict("   "));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> c.accuracy(List.of(new LabelledSentence("x", "maybe"))))
                    .getMessage().contains("label 'maybe' is not one of the model's labels [neg, pos]"));
        }
    }

    @Test
    void taggerLearnsAndGuessesUnseenNamesFromTheirSpelling() throws IOException, SafetensorsException {
        List<TaggedSentence> train = TaskData.tagged(300, 1), val = TaskData.tagged(50, 2);
        Path model = dir.resolve("t.safetensors");
        try (SequenceTagger t = SequenceTagger.create(Kernels.preferred(),
                new SequenceTagger.Config(CellKind.LSTM, 16, 8, 512, 16, 1, 0.2, 0.25), train, 5)) {
            Trainer.Result r = new Trainer(Kernels.preferred(), new SequenceTaggerTraining(t, train, val, 16, 5), epochs(8), null)
                    .run(model, false);
            assertTrue(r.best().accuracy() >= 0.97, "validation accuracy " + r.best().accuracy());
        }
        try (SequenceTagger t = SequenceTagger.load(Kernels.preferred(), model)) {
            assertTrue(t.accuracy(TaskData.tagged(50, 3)) >= 0.97);
            assertEquals(List.of("DET", "NOUN", "VERB", "PROPN", "PUNCT"), t.tag(List.of("the", "dog", "likes", "Bob", ".")));
            assertEquals("PROPN", t.tag(List.of("a", "cat", "sees", "Zacharias", ".")).get(3));   // never seen
            assertThrows(IllegalArgumentException.class, () -> t.tag(List.of()));
        }
    }

    @Test
    void batchesAreTimeMajorWithPaddingAndAbsentSlots() {
        WordFeatures f = new WordFeatures(dev.rnn.models.training.ParameterSet.allocating(java.lang.foreign.Arena.ofAuto()),
                Vocabulary.build(WordFeatures.SPECIALS, List.of("a", "b", "c"), 1), false, 2, 16, 2);
        SequenceBatch b = new SequenceBatch(3);
        b.fill(List.of(f.encode(List.of("a", "b", "c")), f.encode(List.of("c", "zz"))), f, 0, null);
        assertEquals(3, b.steps);
        assertEquals(2, b.present);
        assertEquals(List.of(3, 2, 1), List.of(b.lengths[0], b.lengths[1], b.lengths[2]));
        // rows t·B + b: a c pad | b unk pad | c pad pad
        assertEquals(List.of(2, 4, 0, 3, 1, 0, 4, 0, 0), java.util.Arrays.stream(b.wordIds()).boxed().toList());
        assertEquals(9 * CharNgrams.PER_WORD, b.gramIds().length);
        assertThrows(IllegalArgumentException.class, () -> b.fill(List.of(), f, 0, null));
    }

    @Test
    void aPlanCoversEverySentenceOnceAndGroupsSimilarLengths() {
        int[] lengths = new int[1000];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = 1 + r.nextInt(60);
        }
        List<int[]> plan = SequenceBatch.plan(lengths, 16, new SplittableRandom(2));
        Set<Integer> seen = new HashSet<>();
        long padded = 0, words = 0;
        for (int[] batch : plan) {
            int max = 0;
            for (int i : batch) {
                assertTrue(seen.add(i));
                max = Math.max(max, lengths[i]);
                words += lengths[i];
            }
            padded += (long) max * batch.length;
        }
        assertEquals(1000, seen.size());
        assertTrue(padded < 1.15 * words, "padding " + padded + " for " + words + " words");
        List<int[]> again = SequenceBatch.plan(lengths, 16, new SplittableRandom(2));
        List<String> a = new ArrayList<>(), b = new ArrayList<>();
        plan.forEach(x -> a.add(java.util.Arrays.toString(x)));
        again.forEach(x -> b.add(java.util.Arrays.toString(x)));
        assertEquals(a, b);
    }
}
