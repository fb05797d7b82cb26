package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Regularization;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingListener;
import dev.rnn.models.training.TrainingSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An L2 penalty on a real model: the same seed and data, with and without it. */
class RegularizedTrainingTest {

    @TempDir
    Path dir;

    private static final String TEXT = TaskData.text(3000, 8);

    /** Trains the small language model two epochs and returns the weights' L2 norm; records each batch's penalty. */
    private double trainedNorm(Regularization r, List<Double> penalties, String name) throws IOException {
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.LSTM, 6, 12, 1, 0),
                Vocabulary.ofCharacters(TEXT), 5)) {
            int[] ids = lm.encode(TEXT);
            try (CharLanguageModelTraining task = new CharLanguageModelTraining(lm, Arrays.copyOf(ids, 2600),
                    Arrays.copyOfRange(ids, 2600, ids.length), 4, 20, 6)) {
                TrainingSettings s = new TrainingSettings("adam", 1e-2, 5, 2, 0, 1000, 1, TrainingSettings.NonFinitePolicy.STOP)
                        .withRegularization(r);
                new Trainer(Kernels.preferred(), task, s, new TrainingListener() {
                    @Override
                    public void penalty(double penalty) {
                        penalties.add(penalty);
                    }
                }).run(dir.resolve(name), false);
            }
            double squares = 0;
            for (Matrix m : lm.parameters().values()) {
                squares += Kernels.preferred().sumOfSquares(m);
            }
            return Math.sqrt(squares);
        }
    }

    @Test
    void l2ShrinksTheWeightNorm() throws IOException {
        List<Double> none = new ArrayList<>(), l2 = new ArrayList<>();
        double plain = trainedNorm(Regularization.NONE, none, "plain.safetensors");
        double shrunk = trainedNorm(new Regularization(0, 0.05), l2, "l2.safetensors");
        assertTrue(shrunk < 0.9 * plain, "weight norm with L2 " + shrunk + ", without " + plain);
        assertTrue(none.isEmpty(), "no penalty, nothing reported");
        assertTrue(l2.size() == 2 * 32 && l2.getLast() < l2.getFirst(), "a penalty per batch, falling: " + l2);
    }
}
