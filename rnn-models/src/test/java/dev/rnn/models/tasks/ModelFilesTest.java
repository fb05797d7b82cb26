package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Decoding;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.io.TorchRecurrentWeights;
import dev.rnn.models.layers.RecurrentModule;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.ForecastWindows;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.series.SyntheticSeries;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.ParameterSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one loader: each task's file opens for inference as its type, with no gradients and F32 tensors in place. */
class ModelFilesTest {

    private static final Kernels K = Kernels.preferred();

    @TempDir
    Path dir;

    private Path save(Map<String, String> metadata, ParameterSet parameters, String name) throws Exception {
        Path file = dir.resolve(name);
        SafetensorsWriter w = new SafetensorsWriter().metadata(metadata);
        parameters.writeTo(w, "");
        w.write(file);
        return file;
    }

    /** Inference-only: no gradient anywhere, every F32 tensor a view of the file's mapping, training refused. */
    private static void assertInferenceOnly(ParameterSet p) {
        assertFalse(p.hasGradients());
        for (ParameterSet.Entry e : p.entries()) {
            assertEquals(null, e.gradient(), e.name());
            assertTrue(e.value().segment().isMapped(), e.name() + " is used in place from the mapping");
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, p::zeroGradients);
        assertTrue(e.getMessage().contains("inference only"), e.getMessage());
        assertThrows(IllegalStateException.class, p::trainableGradients);
    }

    @Test
    void languageModelOpensForInferenceWithTheSameResults() throws Exception {
        String text = TaskData.text(600, 3);
        Path file;
        double loss;
        try (CharLanguageModel lm = CharLanguageModel.create(K, new CharLanguageModel.Config(CellKind.LSTM, 8, 16, 2, 0.1),
                Vocabulary.ofCharacters(text), 3)) {
            file = save(lm.metadata(), lm.parameters(), "lm.safetensors");
            loss = lm.loss(text);
        }
        try (CharLanguageModel lm = ModelFiles.open(K, file, CharLanguageModel.class)) {
            assertFalse(lm.trainable());
            assertInferenceOnly(lm.parameters());
            assertEquals(loss, lm.loss(text));
            try (var s = lm.streaming(dev.rnn.core.PackedMatrix.Format.F32)) {
                float[] out = new float[s.outputClasses()];
                s.newSession(dev.rnn.models.streaming.StepOutput.LOGITS).step(1, out);
            }
            assertEquals(loss, lm.loss(text), "the evicted pages are read again");
        }
        try (TaskModel m = ModelFiles.open(K, file)) {
            assertInstanceOf(CharLanguageModel.class, m);
            assertEquals(CharLanguageModel.TASK, m.task());
        }
        assertEquals("char-lm", ModelFiles.task(file));
    }

    @Test
    void classifierAndTaggerOpenForInferenceWithTheSameResults() throws Exception {
        List<LabelledSentence> sentences = TaskData.sentiment(40, 1);
        List<String> texts = sentences.stream().map(LabelledSentence::text).toList();
        Path file;
        List<SentenceClassifier.Prediction> expected;
        try (SentenceClassifier c = SentenceClassifier.create(K, new SentenceClassifier.Config(CellKind.GRU, 8, 4, 64, 8, 1, true, 0, 0),
                sentences, 2)) {
            file = save(c.metadata(), c.parameters(), "classifier.safetensors");
            expected = c.predict(texts);
        }
        try (SentenceClassifier c = ModelFiles.open(K, file, SentenceClassifier.class)) {
            assertInferenceOnly(c.parameters());
            assertEquals(expected, c.predict(texts));
        }
        List<TaggedSentence> tagged = TaskData.tagged(30, 2);
        List<List<String>> tags = new java.util.ArrayList<>();
        try (SequenceTagger t = SequenceTagger.create(K, new SequenceTagger.Config(CellKind.LSTM, 8, 4, 64, 8, 1, 0, 0), tagged, 5)) {
            file = save(t.metadata(), t.parameters(), "tagger.safetensors");
            for (TaggedSentence s : tagged) {
                tags.add(t.tag(s.words()));
            }
        }
        try (SequenceTagger t = ModelFiles.open(K, file, SequenceTagger.class)) {
            assertInferenceOnly(t.parameters());
            for (int i = 0; i < tagged.size(); i++) {
                assertEquals(tags.get(i), t.tag(tagged.get(i).words()));
            }
        }
    }

    @Test
    void seq2seqAndCaptionOpenForInferenceWithTheSameResults() throws Exception {
        List<TextPair> pairs = Seq2SeqTest.reversals(12, 4);
        List<String> sources = pairs.stream().map(TextPair::source).toList();
        Path file;
        List<String> translations;
        try (Seq2SeqModel m = Seq2SeqModel.create(K, Seq2SeqTest.config(CellKind.LSTM, Seq2SeqModel.Attention.ADDITIVE, true, true, 6, 2),
                pairs, 3)) {
            file = save(m.metadata(), m.parameters(), "seq2seq.safetensors");
            translations = m.translateAll(sources, 3);
        }
        try (Seq2SeqModel m = ModelFiles.open(K, file, Seq2SeqModel.class)) {
            assertInferenceOnly(m.parameters());
            assertEquals(translations, m.translateAll(sources, 3));
        }
        List<CaptionModel.Example> examples = CaptionModelTest.examples(List.of(1, 20, 300, 417, 999));
        List<float[]> features = examples.stream().map(CaptionModel.Example::features).toList();
        List<String> captions;
        try (CaptionModel m = CaptionModel.create(K, new CaptionModel.Config(CellKind.GRU, 30, 6, 8, 2, true, 0, 6), examples, 2)) {
            file = save(m.metadata(), m.parameters(), "caption.safetensors");
            captions = m.generateAll(features, Decoding.beam(2));
        }
        try (CaptionModel m = ModelFiles.open(K, file, CaptionModel.class)) {
            assertInferenceOnly(m.parameters());
            assertEquals(captions, m.generateAll(features, Decoding.beam(2)));
        }
    }

    @Test
    void forecasterOpensForInferenceWithTheSameResults() throws Exception {
        CsvTable t = CsvTable.read(SyntheticSeries.autoregressive(dir.resolve("ar.csv"), 400, 0.6, 0.3, 1));
        int split = ForecastWindows.splitRow(t.rows(), 0.2);
        SeriesSchema schema = SeriesSchema.fit(t, "y", List.of(), split);
        EncodedSeries s = schema.encode(t);
        int[] ends = ForecastWindows.split(s, 6, 2, split, 0).test();
        Path file;
        double[][] expected;
        try (Forecaster f = Forecaster.create(K, new Forecaster.Config(CellKind.LSTM, 8, 2, 6, 2, 0, true, Forecaster.Loss.MSE),
                schema, 0.2, 1)) {
            file = save(f.metadata(), f.parameters(), "forecaster.safetensors");
            expected = f.predict(s, ends);
        }
        try (Forecaster f = ModelFiles.open(K, file, Forecaster.class)) {
            assertInferenceOnly(f.parameters());
            double[][] found = f.predict(s, ends);
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(expected[i], found[i]);
            }
        }
    }

    @Test
    void askingForTheWrongTypeNamesBothTasks() throws Exception {
        Path file;
        try (CharLanguageModel lm = CharLanguageModel.create(K, new CharLanguageModel.Config(CellKind.GRU, 4, 4, 1, 0),
                Vocabulary.ofCharacters("abc"), 1)) {
            file = save(lm.metadata(), lm.parameters(), "lm.safetensors");
        }
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> ModelFiles.open(K, file, SequenceTagger.class));
        assertTrue(e.getMessage().contains("holds a char-lm model, not a sequence-tagger model (SequenceTagger)"), e.getMessage());
        assertTrue(e.getMessage().contains("lm.safetensors"), e.getMessage());

        Path odd = dir.resolve("odd.safetensors");
        new SafetensorsWriter().metadata("task", "image-classifier").write(odd);
        e = assertThrows(SafetensorsException.class, () -> ModelFiles.open(K, odd));
        assertTrue(e.getMessage().contains("'image-classifier', not a task this version opens (char-lm, "), e.getMessage());

        Path missing = dir.resolve("none.safetensors");
        e = assertThrows(SafetensorsException.class, () -> ModelFiles.open(K, missing));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void aWronglyShapedTensorIsNamedAndNothingStaysOpen() throws Exception {
        Path file = dir.resolve("bad.safetensors");
        try (CharLanguageModel lm = CharLanguageModel.create(K, new CharLanguageModel.Config(CellKind.LSTM, 4, 4, 1, 0),
                Vocabulary.ofCharacters("abc"), 1)) {
            SafetensorsWriter w = new SafetensorsWriter().metadata(lm.metadata());
            for (ParameterSet.Entry en : lm.parameters().entries()) {
                Matrix v = en.name().equals("rnn.bias_hh_l0") ? en.value().sliceCols(0, 15) : en.value();
                w.put(en.name(), v, dev.rnn.models.io.Dtype.F32, en.name().equals("rnn.bias_hh_l0") ? new long[] {15} : en.shape());
            }
            w.write(file);
        }
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> ModelFiles.open(K, file, CharLanguageModel.class));
        assertTrue(e.getMessage().contains("tensor 'rnn.bias_hh_l0' has shape [15], expected [16]"), e.getMessage());
        e = assertThrows(SafetensorsException.class, () -> CharLanguageModel.load(K, file));
        assertTrue(e.getMessage().contains("rnn.bias_hh_l0"), e.getMessage());
    }

    @Test
    void aPyTorchStateDictOpensAsItsRecurrentModule() throws Exception {
        Path file = dir.resolve("torch.safetensors");
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var params = dev.rnn.core.cells.CellParameters.allocate(arena, CellKind.GRU, 3, 4, true);
            new dev.rnn.models.training.Initializers(2).pytorchDefault(params);
            SafetensorsWriter w = new SafetensorsWriter().metadata("mode", "GRU");
            TorchRecurrentWeights.of(List.of(new dev.rnn.models.layers.StackedLayers.Level(params, null))).addTo(w);
            w.write(file);
        }
        assertEquals(TorchRecurrentModel.TASK, ModelFiles.task(file));
        try (TaskModel m = ModelFiles.open(K, file)) {
            TorchRecurrentModel torch = assertInstanceOf(TorchRecurrentModel.class, m);
            assertEquals(CellKind.GRU, torch.weights().kind());
            try (RecurrentModule module = torch.newModule()) {
                assertEquals(3, module.inputSize());
            }
        }
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> ModelFiles.open(K, file, CharLanguageModel.class));
        assertTrue(e.getMessage().contains("holds a PyTorch recurrent state_dict (no 'task' metadata), not a char-lm model"),
                e.getMessage());
    }
}
