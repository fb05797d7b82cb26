package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharLanguageModelTest {

    @TempDir
    Path dir;

    static TrainingSettings epochs(int n) {
        return new TrainingSettings("adam", 1e-2, 5, n, 0, 1000, 1, TrainingSettings.NonFinitePolicy.STOP);
    }

    /** The batched scorer and one streaming step per character give the same mean cross-entropy. */
    @Test
    void batchedLossEqualsStreamingLoss() {
        String text = TaskData.text(400, 1);
        for (CellKind kind : new CellKind[] {CellKind.LSTM, CellKind.GRU}) {
            try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(),
                    new CharLanguageModel.Config(kind, 8, 16, 2, 0.3), Vocabulary.ofCharacters(text), 3);
                 StreamingModel s = lm.streaming(PackedMatrix.Format.F32);
                 StreamSession session = s.newSession(StepOutput.LOGITS)) {
                int[] ids = lm.encode(text);
                float[] logits = new float[lm.vocabulary().size()];
                double sum = 0;
                for (int i = 0; i + 1 < ids.length; i++) {
                    session.step(ids[i], logits);
                    double max = Double.NEGATIVE_INFINITY, z = 0;
                    for (float l : logits) {
                        max = Math.max(max, l);
                    }
                    for (float l : logits) {
                        z += Math.exp(l - max);
                    }
                    sum += Math.log(z) + max - logits[ids[i + 1]];
                }
                assertEquals(sum / (ids.length - 1), lm.loss(ids), 1e-5, kind.toString());
            }
        }
    }

    @Test
    void trainingLowersTheLossAndTheSavedModelScoresTheSame() throws IOException, SafetensorsException {
        String text = TaskData.text(6000, 2);
        int split = 5400;
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(),
                new CharLanguageModel.Config(CellKind.LSTM, 8, 32, 1, 0), Vocabulary.ofCharacters(text), 4)) {
            int[] ids = lm.encode(text);
            int[] train = Arrays.copyOf(ids, split), val = Arrays.copyOfRange(ids, split, ids.length);
            double before = lm.loss(val);
            try (CharLanguageModelTraining task = new CharLanguageModelTraining(lm, train, val, 8, 25, 4)) {
                Path model = dir.resolve("lm.safetensors");
                Trainer.Result r = new Trainer(Kernels.preferred(), task, epochs(6), null).run(model, false);
                assertTrue(r.best().loss() < 0.6 * before, "validation loss " + r.best().loss() + " from " + before);
                try (CharLanguageModel loaded = CharLanguageModel.load(Kernels.preferred(), model)) {
                    assertEquals(r.best().loss(), loaded.loss(val), 1e-12);
                    assertEquals(lm.vocabulary().tokens(), loaded.vocabulary().tokens());
                }
            }
        }
    }

    @Test
    void unknownCharactersAndWrongFilesAreNamed() throws IOException {
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(),
                new CharLanguageModel.Config(CellKind.GRU, 4, 4, 1, 0), Vocabulary.ofCharacters("abc"), 1)) {
            assertEquals("character 'z' (U+007A) at position 2 is not in the model's vocabulary",
                    assertThrows(IllegalArgumentException.class, () -> lm.encode("abz")).getMessage());
            assertThrows(IllegalArgumentException.class, () -> lm.loss("a"));
        }
        Path other = dir.resolve("other.safetensors");
        new SafetensorsWriter().metadata("task", "sentence-classifier").write(other);
        assertEquals("other.safetensors: holds a sentence-classifier model, not a char-lm model",
                assertThrows(SafetensorsException.class, () -> CharLanguageModel.load(Kernels.preferred(), other)).getMessage());
        Path bare = dir.resolve("bare.safetensors");
        new SafetensorsWriter().write(bare);
        assertTrue(assertThrows(SafetensorsException.class, () -> CharLanguageModel.load(Kernels.preferred(), bare)).getMessage()
                .contains("no 'task' in its metadata"));
    }

    @Test
    void configAndTrainingArgumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new CharLanguageModel.Config(CellKind.LSTM, 0, 4, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CharLanguageModel.Config(CellKind.LSTM, 4, 4, 1, 1));
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(),
                new CharLanguageModel.Config(CellKind.GRU, 4, 4, 1, 0), Vocabulary.ofCharacters("abc"), 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new CharLanguageModelTraining(lm, new int[10], new int[5], 4, 3, 0));
            assertEquals("the training text has 10 characters; batch 4 × sequence length 3 needs at least 13", e.getMessage());
        }
        assertArrayEquals(new int[] {0}, new int[] {0});
    }
}
