package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.text.WordVectors;
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

/** Starting word embeddings from a vectors file: copied rows, added words, frozen tables, export and transfer. */
class PretrainedEmbeddingsTest {

    @TempDir
    Path dir;

    private static final String[] SEEN_GOOD = {"good", "great"}, SEEN_BAD = {"bad", "awful"};
    private static final String[] UNSEEN_GOOD = {"superb", "lovely"}, UNSEEN_BAD = {"dull", "terrible"};
    private static final String[] FILLER = {"the", "food", "was", "movie", "really", "service", "and", "plot"};

    /** Vectors where positive words point one way and negative ones the other, with noise; filler words near zero. */
    private Path vectors() throws IOException {
        Random r = new Random(3);
        StringBuilder b = new StringBuilder();
        for (String[] group : List.of(SEEN_GOOD, UNSEEN_GOOD, SEEN_BAD, UNSEEN_BAD, FILLER)) {
            double sign = group == FILLER ? 0 : group == SEEN_GOOD || group == UNSEEN_GOOD ? 1 : -1;
            for (String w : group) {
                b.append(w);
                for (int j = 0; j < 8; j++) {
                    b.append(' ').append((float) ((j < 4 ? sign : 0) + 0.1 * r.nextGaussian()));
                }
                b.append('\n');
            }
        }
        return Files.writeString(dir.resolve("vectors.txt"), b);
    }

    private static List<LabelledSentence> sentences(int n, String[] good, String[] bad, long seed) {
        Random r = new Random(seed);
        List<LabelledSentence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean pos = r.nextBoolean();
            List<String> words = new ArrayList<>();
            for (int j = 0; j < 3 + r.nextInt(4); j++) {
                words.add(FILLER[r.nextInt(FILLER.length)]);
            }
            words.add(r.nextInt(words.size()), (pos ? good : bad)[r.nextInt(good.length)]);
            out.add(new LabelledSentence(String.join(" ", words), pos ? "pos" : "neg"));
        }
        return out;
    }

    private static final SentenceClassifier.Config CONFIG = new SentenceClassifier.Config(CellKind.LSTM, 8, 4, 64, 12, 1, true, 0, 0);

    private double trainAndTest(PretrainedEmbeddings pretrained, Path model) throws IOException {
        List<LabelledSentence> train = sentences(300, SEEN_GOOD, SEEN_BAD, 1), val = sentences(50, SEEN_GOOD, SEEN_BAD, 2);
        List<LabelledSentence> unseen = sentences(200, UNSEEN_GOOD, UNSEEN_BAD, 3);
        try (SentenceClassifier c = SentenceClassifier.create(Kernels.preferred(), CONFIG, train, 5, pretrained)) {
            float[] before = c.parameters().entries().get(0).value().toArray();
            new Trainer(Kernels.preferred(), new SentenceClassifierTraining(c, train, val, 16, 5),
                    new TrainingSettings("adam", 1e-2, 5, 6, 0, 1000, 1, TrainingSettings.NonFinitePolicy.STOP), null).run(model, false);
            if (pretrained != null && pretrained.freeze()) {
                assertArrayEquals(before, c.parameters().entries().get(0).value().toArray(), "a frozen table does not move");
            }
        }
        try (SentenceClassifier c = SentenceClassifier.load(Kernels.preferred(), model)) {
            return c.accuracy(unseen);
        }
    }

    @Test
    void frozenVectorsCarryTheirMeaningToWordsTrainingNeverSaw() throws IOException {
        WordVectors v = WordVectors.read(vectors(), 8);
        double with = trainAndTest(new PretrainedEmbeddings(v, true, 100), dir.resolve("with.safetensors"));
        double without = trainAndTest(null, dir.resolve("without.safetensors"));
        assertTrue(with >= 0.95, "with vectors: " + with);
        assertTrue(without <= 0.75, "without vectors the unseen sentiment words are unknown: " + without);
    }

    @Test
    void copiesFoundWordsAddsFileWordsAndReports() throws IOException {
        WordVectors v = WordVectors.read(vectors(), 8);
        List<LabelledSentence> train = new ArrayList<>(sentences(40, SEEN_GOOD, SEEN_BAD, 1));
        train.add(new LabelledSentence("zzyzx good", "pos"));
        try (SentenceClassifier c = SentenceClassifier.create(Kernels.preferred(), CONFIG, train, 5, new PretrainedEmbeddings(v, false, 2))) {
            PretrainedEmbeddings.Report r = c.pretrainedReport();
            assertEquals(2, r.added(), "two of the file's words that training lacks, in file order");
            assertEquals(1, r.missing(), "zzyzx is not in the file");
            Path out = dir.resolve("export.txt");
            int n = c.writeWordVectors(out);
            WordVectors back = WordVectors.read(out, 8);
            assertEquals(n, back.size());
            assertEquals(r.found() + r.missing(), n);
            assertTrue(back.words().containsAll(List.of("superb", "lovely", "zzyzx")) && !back.words().contains("dull"), back.words().toString());
            for (String w : List.of("good", "superb", "the")) {
                for (int j = 0; j < 8; j++) {
                    assertEquals(v.get(v.id(w), j), back.get(back.id(w), j), w);
                }
            }
            assertEquals(List.of(), c.parameters().frozen());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SentenceClassifier.create(Kernels.preferred(),
                new SentenceClassifier.Config(CellKind.LSTM, 6, 4, 64, 12, 1, true, 0, 0), train, 5, new PretrainedEmbeddings(v, false, 0)));
        assertEquals("the vectors are 8-dimensional, the model's embeddings 6 (set the embedding size to 8)", e.getMessage());
    }

    @Test
    void taggerAndSeq2seqStartFromTheVectors() throws IOException {
        WordVectors v = WordVectors.read(Files.writeString(dir.resolve("v.txt"), "The 1 2\ncat 3 4\nsees 5 6\n"), 2);
        List<TaggedSentence> tagged = List.of(new TaggedSentence(List.of("the", "Cat", "sees"), List.of("DET", "NOUN", "VERB")));
        try (SequenceTagger t = SequenceTagger.create(Kernels.preferred(), new SequenceTagger.Config(CellKind.LSTM, 2, 2, 16, 4, 1, 0, 0),
                tagged, 1, new PretrainedEmbeddings(v, true, 10))) {
            assertEquals(3, t.pretrainedReport().found(), "lower-cased words find 'The' through its lower case");
            assertEquals(List.of("words.weight"), t.parameters().frozen());
            Path out = dir.resolve("tagger.txt");
            t.writeWordVectors(out);
            WordVectors back = WordVectors.read(out, 2);
            assertEquals(List.of("cat", "sees", "the"), back.words());
            assertEquals(1f, back.get(back.id("the"), 0));
        }
        List<TextPair> pairs = List.of(new TextPair("the cat", "cat sees"));
        try (Seq2SeqModel s = Seq2SeqModel.create(Kernels.preferred(), new Seq2SeqModel.Config(CellKind.GRU, 2, 4, 1, false,
                Seq2SeqModel.Attention.NONE, false, false, Seq2SeqModel.Tokens.WORDS, 0, 5), pairs, 1, new PretrainedEmbeddings(v, true, 0))) {
            assertEquals(4, s.pretrainedReport().found());
            assertEquals(List.of("source_embedding.weight", "target_embedding.weight"), s.parameters().frozen());
            assertEquals(3f, s.sourceEmbedding.table().get(s.sourceVocabulary().id("cat"), 0));
        }
        assertThrows(IllegalArgumentException.class, () -> Seq2SeqModel.create(Kernels.preferred(), new Seq2SeqModel.Config(CellKind.GRU,
                2, 4, 1, false, Seq2SeqModel.Attention.NONE, false, false, Seq2SeqModel.Tokens.CHARS, 0, 5), pairs, 1,
                new PretrainedEmbeddings(v, true, 0)));
    }
}
