package dev.rnn.bench.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** DL4J, given our weights in its layout, computes what the streaming model computes. */
class Dl4jRecurrentStepTest {

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "RNN_TANH"})
    void dl4jStepsEqualStreamingSteps(CellKind kind) {
        int input = 64, hidden = 96, steps = 30;
        try (Arena arena = Arena.ofShared()) {
            CellParameters p = CellParameters.allocate(arena, kind, input, hidden, true);
            new Initializers(7).pytorchDefault(p);
            Dl4jRecurrentStep dl4j = new Dl4jRecurrentStep(p);
            try (StreamingModel model = StreamingModel.builder(Kernels.preferred()).level(p).build();
                 StreamSession session = model.newSession(StepOutput.HIDDEN)) {
                Random rnd = new Random(3);
                float[] x = new float[input], ours = new float[hidden], theirs = new float[hidden];
                double max = 0;
                for (int t = 0; t < steps; t++) {
                    for (int i = 0; i < input; i++) {
                        x[i] = (float) rnd.nextGaussian();
                    }
                    session.step(x, ours);
                    dl4j.step(x, theirs);
                    for (int j = 0; j < hidden; j++) {
                        max = Math.max(max, Math.abs(ours[j] - theirs[j]));
                    }
                }
                System.out.printf("%s: max |rnn − dl4j| over %d steps = %.2e%n", kind, steps, max);
                assertTrue(max <= 1e-5, kind + " differs from DL4J by " + max);
            }
        }
    }
}
