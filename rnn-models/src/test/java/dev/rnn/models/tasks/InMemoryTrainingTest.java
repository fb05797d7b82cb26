package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.training.Sgd;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingListener;
import dev.rnn.models.training.TrainingSettings;
import dev.rnn.models.training.TrainingSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training without a sink: nothing written, the best weights kept in memory; a sink of one's own; an optimizer factory. */
class InMemoryTrainingTest {

    @TempDir
    Path dir;

    /** A decay below 1 and validations every 7 batches: some validations improve and some do not. */
    private static TrainingSettings settings() {
        return new TrainingSettings("adam", 5e-3, 1, 3, 0, 7, 0.5, TrainingSettings.NonFinitePolicy.STOP);
    }

    private static List<Double> losses(Trainer.Result r) {
        List<Double> out = new ArrayList<>();
        for (TrainingListener.Point p : r.history()) {
            out.add(p.validationLoss());
        }
        return out;
    }

    /** Every file below {@code root} with its size and modification time. */
    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root, 2)) {
            List<String> out = new ArrayList<>();
            for (Path p : all.sorted().toList()) {
                out.add(p + " " + Files.size(p) + " " + Files.getLastModifiedTime(p));
            }
            return out;
        }
    }

    @Test
    void withoutASinkNothingIsWrittenAndTheModelEndsWithTheBestWeights() throws IOException, SafetensorsException {
        Path files = dir.resolve("files");
        Files.createDirectory(files);
        Path model = files.resolve("lm.safetensors");
        Trainer.Result written;
        try (CharLanguageModel lm = TrainerTest.model(); CharLanguageModelTraining t = TrainerTest.task(lm)) {
            written = new Trainer(Kernels.preferred(), t, settings(), null).run(model, false);
        }
        List<String> before = tree(dir), workingDirectory = tree(Path.of(""));
        Trainer.Result inMemory;
        List<float[]> kept;
        try (CharLanguageModel lm = TrainerTest.model(); CharLanguageModelTraining t = TrainerTest.task(lm)) {
            inMemory = new Trainer(Kernels.preferred(), t, settings(), null).run();
            kept = TrainerTest.values(lm.parameters());
        }
        assertEquals(before, tree(dir));
        assertEquals(workingDirectory, tree(Path.of("")));
        assertEquals(losses(written), losses(inMemory));
        assertEquals(written.best(), inMemory.best());
        try (CharLanguageModel best = CharLanguageModel.load(Kernels.preferred(), model)) {
            List<float[]> saved = TrainerTest.values(best.parameters());
            for (int i = 0; i < saved.size(); i++) {
                assertArrayEquals(saved.get(i), kept.get(i), "parameter " + i);
            }
        }
    }

    @Test
    void aSinkOfOnesOwnGetsTheBestModelAndEveryCheckpoint() throws IOException {
        List<String> calls = new ArrayList<>();
        Path checkpoint = dir.resolve("held.checkpoint.safetensors");
        TrainingSink sink = new TrainingSink() {
            @Override
            public void saveModel(SafetensorsWriter model) {
                calls.add("model");
            }

            @Override
            public void saveCheckpoint(SafetensorsWriter w) throws IOException {
                calls.add("checkpoint");
                w.write(checkpoint);
            }

            @Override
            public Path checkpoint() {
                return checkpoint;
            }
        };
        try (CharLanguageModel lm = TrainerTest.model(); CharLanguageModelTraining t = TrainerTest.task(lm)) {
            Trainer.Result r = new Trainer(Kernels.preferred(), t, settings(), null).run(sink, false);
            long improved = r.history().stream().filter(TrainingListener.Point::best).count();
            assertEquals(improved, calls.stream().filter("model"::equals).count());
            assertEquals(r.history().size() + 1, calls.stream().filter("checkpoint"::equals).count());   // and one at the end
            try (Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of(checkpoint), left.toList());
            }
            assertThrows(IllegalArgumentException.class, () -> new Trainer(Kernels.preferred(), t, settings(), null)
                    .run((TrainingSink) null, true));
        }
    }

    @Test
    void theOptimizerComesFromTheFactory() throws IOException {
        List<Sgd> made = new ArrayList<>();
        try (CharLanguageModel lm = TrainerTest.model(); CharLanguageModelTraining t = TrainerTest.task(lm)) {
            Trainer.Result r = new Trainer(Kernels.preferred(), t, settings(), (k, arena, params, grads, lr) -> {
                Sgd sgd = new Sgd(k, arena, params, grads, lr, 0.9, true);
                made.add(sgd);
                return sgd;
            }, null).run();
            assertEquals(1, made.size());
            assertEquals(r.steps(), made.get(0).steps());
            assertEquals(lm.parameters().trainableValues().size(), made.get(0).state().size());   // one velocity per tensor
        }
    }
}
