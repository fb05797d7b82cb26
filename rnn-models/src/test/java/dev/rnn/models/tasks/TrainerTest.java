package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Checkpoint;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingException;
import dev.rnn.models.training.TrainingListener;
import dev.rnn.models.training.TrainingSettings;
import dev.rnn.models.training.TrainingTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop: budgets, exact resume, non-finite guards, refusing a checkpoint from another run. */
class TrainerTest {

    @TempDir
    Path dir;

    private static final String TEXT = TaskData.text(3000, 8);

    /** A small LM task with dropout, so that resuming must also restore the dropout stream. */
    static CharLanguageModel model() {
        return CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.LSTM, 6, 12, 2, 0.2),
                Vocabulary.ofCharacters(TEXT), 5);
    }

    static CharLanguageModelTraining task(CharLanguageModel lm) {
        int[] ids = lm.encode(TEXT);
        return new CharLanguageModelTraining(lm, Arrays.copyOf(ids, 2600), Arrays.copyOfRange(ids, 2600, ids.length), 4, 20, 6);
    }

    private static TrainingSettings settings(int epochs, TrainingSettings.NonFinitePolicy policy) {
        return new TrainingSettings("adam", 5e-3, 1, epochs, 0, 7, 0.5, policy);
    }

    static List<float[]> values(ParameterSet p) {
        List<float[]> out = new ArrayList<>();
        for (Matrix m : p.values()) {
            out.add(m.toArray());
        }
        return out;
    }

    @Test
    void aResumedRunEndsWithTheParametersOfAnUninterruptedOne() throws IOException {
        List<float[]> straight;
        Trainer.Result full;
        try (CharLanguageModel lm = model(); CharLanguageModelTraining t = task(lm)) {
            full = new Trainer(Kernels.preferred(), t, settings(3, TrainingSettings.NonFinitePolicy.STOP), null)
                    .run(dir.resolve("a.safetensors"), false);
            straight = values(lm.parameters());
            assertEquals(3, full.epoch());
            assertEquals(3L * t.batchesPerEpoch(), full.steps());
        }
        Path model = dir.resolve("b.safetensors");
        for (int stopAt : new int[] {11, 32, 47}) {   // mid-epoch, between validations, and at an epoch's end
            try (CharLanguageModel lm = model(); CharLanguageModelTraining t = task(lm)) {
                Trainer[] holder = new Trainer[1];
                holder[0] = new Trainer(Kernels.preferred(), t, settings(3, TrainingSettings.NonFinitePolicy.STOP), new TrainingListener() {
                    long steps;

                    @Override
                    public void batch(int epoch, int batch, int perEpoch, double loss, double rate, double elapsed, double left) {
                        if (++steps == stopAt) {
                            holder[0].requestStop();
                        }
                    }
                });
                Trainer.Result r = holder[0].run(model, false);
                assertTrue(r.stopped());
                assertEquals(stopAt, r.steps());
            }
            try (CharLanguageModel lm = model(); CharLanguageModelTraining t = task(lm)) {
                Trainer.Result r = new Trainer(Kernels.preferred(), t, settings(3, TrainingSettings.NonFinitePolicy.STOP), null)
                        .run(model, true);
                assertFalse(r.stopped());
                assertEquals(full.steps(), r.steps());
                List<float[]> resumed = values(lm.parameters());
                for (int i = 0; i < straight.size(); i++) {
                    assertArrayEquals(straight.get(i), resumed.get(i), "parameter " + i + " after stopping at step " + stopAt);
                }
                assertEquals(full.history().size(), r.history().size());
                assertEquals(full.best().loss(), r.best().loss());
            }
        }
    }

    /** Same seed and thread count: the same bits; another seed: other bits. */
    @Test
    void trainingIsReproducibleFromItsSeed() throws IOException {
        List<List<float[]>> runs = new ArrayList<>();
        for (long seed : new long[] {5, 5, 6}) {
            try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.GRU, 6, 12, 2, 0.2),
                    Vocabulary.ofCharacters(TEXT), seed)) {
                int[] ids = lm.encode(TEXT);
                try (CharLanguageModelTraining t = new CharLanguageModelTraining(lm, Arrays.copyOf(ids, 2600),
                        Arrays.copyOfRange(ids, 2600, ids.length), 4, 20, seed)) {
                    new Trainer(Kernels.preferred(), t, settings(1, TrainingSettings.NonFinitePolicy.STOP), null)
                            .run(dir.resolve("seed" + seed + "-" + runs.size() + ".safetensors"), false);
                }
                runs.add(values(lm.parameters()));
            }
        }
        for (int i = 0; i < runs.get(0).size(); i++) {
            assertArrayEquals(runs.get(0).get(i), runs.get(1).get(i), "parameter " + i);
        }
        assertFalse(Arrays.equals(runs.get(0).get(1), runs.get(2).get(1)));
    }

    @Test
    void resumingNeedsACheckpointOfTheSameRun() throws IOException {
        Path model = dir.resolve("c.safetensors");
        try (CharLanguageModel lm = model(); CharLanguageModelTraining t = task(lm)) {
            TrainingException e = assertThrows(TrainingException.class,
                    () -> new Trainer(Kernels.preferred(), t, settings(1, TrainingSettings.NonFinitePolicy.STOP), null).run(model, true));
            assertTrue(e.getMessage().endsWith("no checkpoint to resume from"), e.getMessage());
            new Trainer(Kernels.preferred(), t, settings(1, TrainingSettings.NonFinitePolicy.STOP), null).run(model, false);
        }
        assertTrue(Files.exists(Checkpoint.pathFor(model)));
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.LSTM, 6, 16, 2, 0.2),
                Vocabulary.ofCharacters(TEXT), 5); CharLanguageModelTraining t = task(lm)) {
            TrainingException e = assertThrows(TrainingException.class,
                    () -> new Trainer(Kernels.preferred(), t, settings(2, TrainingSettings.NonFinitePolicy.STOP), null).run(model, true));
            assertTrue(e.getMessage().contains("made by a different run (hidden was '12', now '16')"), e.getMessage());
        }
    }

    @Test
    void resumingWithAnotherOptimizerIsRefusedNamingIt() throws IOException {
        Path model = dir.resolve("o.safetensors");
        try (CharLanguageModel lm = model(); CharLanguageModelTraining t = task(lm)) {
            new Trainer(Kernels.preferred(), t, settings(1, TrainingSettings.NonFinitePolicy.STOP), null).run(model, false);
        }
        try (CharLanguageModel lm = model(); CharLanguageModelTraining t = task(lm)) {
            TrainingSettings sgd = new TrainingSettings("sgd", 5e-3, 1, 2, 0, 7, 0.5, TrainingSettings.NonFinitePolicy.STOP);
            TrainingException e = assertThrows(TrainingException.class, () -> new Trainer(Kernels.preferred(), t, sgd, null).run(model, true));
            assertTrue(e.getMessage().contains("made by a different run (training.optimizer was 'Adam["), e.getMessage());
            assertTrue(e.getMessage().contains("now 'Sgd[momentum=0.9, nesterov=false]'"), e.getMessage());
        }
    }

    /** A task whose gradient turns NaN at one step. */
    private static final class Poisoned implements TrainingTask {
        private final CharLanguageModelTraining inner;
        private final ParameterSet params;
        private final long at;

        Poisoned(CharLanguageModelTraining inner, ParameterSet params, long at) {
            this.inner = inner;
            this.params = params;
            this.at = at;
        }

        @Override public ParameterSet parameters() { return inner.parameters(); }
        @Override public int batchesPerEpoch() { return inner.batchesPerEpoch(); }
        @Override public String unit() { return inner.unit(); }
        @Override public void startEpoch(int epoch) { inner.startEpoch(epoch); }
        @Override public Evaluation evaluate() { return inner.evaluate(); }
        @Override public Map<String, String> metadata() { return inner.metadata(); }
        @Override public List<Matrix> carriedState() { return inner.carriedState(); }

        @Override
        public BatchLoss trainBatch(int index, long step) {
            BatchLoss l = inner.trainBatch(index, step);
            if (step == at) {
                Matrix g = params.entries().get(2).gradient();
                g.set(0, 1, Float.NaN);
            }
            return l;
        }
    }

    @Test
    void aNonFiniteGradientStopsTrainingAndNamesWhere() throws IOException {
        Path model = dir.resolve("d.safetensors");
        try (CharLanguageModel lm = model(); CharLanguageModelTraining t = task(lm)) {
            Poisoned p = new Poisoned(t, lm.parameters(), 9);
            TrainingException e = assertThrows(TrainingException.class,
                    () -> new Trainer(Kernels.preferred(), p, settings(2, TrainingSettings.NonFinitePolicy.STOP), null).run(model, false));
            assertEquals("epoch 1, step 10: non-finite gradient norm NaN (first offending: the gradient of rnn.weight_hh_l0);"
                    + " stopped, the last good checkpoint is " + Checkpoint.pathFor(model), e.getMessage());
            for (Matrix m : lm.parameters().values()) {
                for (float v : m.toArray()) {
                    assertTrue(Float.isFinite(v));
                }
            }
        }
    }

    @Test
    void skippingANonFiniteBatchCarriesOn() throws IOException {
        try (CharLanguageModel lm = model(); CharLanguageModelTraining t = task(lm)) {
            Poisoned p = new Poisoned(t, lm.parameters(), 3);
            List<String> messages = new ArrayList<>();
            Trainer.Result r = new Trainer(Kernels.preferred(), p, settings(1, TrainingSettings.NonFinitePolicy.SKIP), new TrainingListener() {
                @Override
                public void message(String text) {
                    messages.add(text);
                }
            }).run(dir.resolve("e.safetensors"), false);
            assertEquals(t.batchesPerEpoch(), r.steps());
            assertTrue(messages.contains("epoch 1, step 4: non-finite gradient norm NaN (first offending: the gradient of rnn.weight_hh_l0); batch skipped"),
                    messages.toString());
        }
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new TrainingSettings("lion", 1, 0, 1, 0, 1, 1, TrainingSettings.NonFinitePolicy.STOP));
        assertThrows(IllegalArgumentException.class, () -> new TrainingSettings("adam", 0, 0, 1, 0, 1, 1, TrainingSettings.NonFinitePolicy.STOP));
        assertThrows(IllegalArgumentException.class, () -> new TrainingSettings("adam", 1, 0, 0, 0, 1, 1, TrainingSettings.NonFinitePolicy.STOP));
        assertThrows(IllegalArgumentException.class, () -> new TrainingSettings("adam", 1, 0, 1, 0, 0, 1, TrainingSettings.NonFinitePolicy.STOP));
        assertThrows(IllegalArgumentException.class, () -> new TrainingSettings("adam", 1, 0, 1, 0, 1, 0, TrainingSettings.NonFinitePolicy.STOP));
    }

    @Test
    void patienceStopsAfterValidationsWithoutImprovementAndAResumeStaysStopped() throws IOException {
        Path model = dir.resolve("patient.safetensors");
        try (CharLanguageModel lm = model()) {
            // a learning rate of 1e-12 leaves the model as it is: after the first validation none improves
            TrainingSettings s = new TrainingSettings("sgd", 1e-12, 1, 50, 0, 7, 1, TrainingSettings.NonFinitePolicy.STOP, 3);
            List<String> messages = new ArrayList<>();
            Trainer.Result r = new Trainer(Kernels.preferred(), task(lm), s, new TrainingListener() {
                @Override
                public void message(String text) {
                    messages.add(text);
                }
            }).run(model, false);
            assertEquals(4, r.history().size(), "one best validation, then three without improvement");
            assertTrue(messages.contains("no improvement in 3 validations: stopping early"), messages.toString());
            long steps = r.steps();
            Trainer.Result again = new Trainer(Kernels.preferred(), task(lm), s, null).run(model, true);
            assertEquals(steps, again.steps(), "a resumed run that had run out of patience does not train further");
        }
    }
}
