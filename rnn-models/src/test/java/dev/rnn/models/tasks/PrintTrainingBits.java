package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Adam;
import dev.rnn.models.training.GradientClipping;
import dev.rnn.models.training.ParameterSet;
import java.lang.foreign.Arena;
import java.util.Random;

/**
 * Trains a character LM for a few batches as {@code Trainer} does (zero, forward and backward, clip,
 * Adam) and prints the losses and a hash of every parameter's bits: run by
 * {@link TrainingThreadCountTest} in child JVMs with different {@code -Drnn.threads}. The sizes put every
 * split kernel above its threshold (H = 256, batch 32).
 */
public final class PrintTrainingBits {

    public static void main(String[] args) {
        Random rnd = new Random(11);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8000; i++) {
            text.append((char) ('a' + rnd.nextInt(rnd.nextInt(4) == 0 ? 40 : 8)));
        }
        Kernels kernels = Kernels.preferred();
        try (CharLanguageModel lm = CharLanguageModel.create(kernels, new CharLanguageModel.Config(CellKind.LSTM, 16, 256, 2, 0.25),
                Vocabulary.ofCharacters(text.toString()), 5);
             Arena arena = Arena.ofShared()) {
            int[] ids = lm.encode(text.toString());
            int[] train = java.util.Arrays.copyOf(ids, 7000), val = java.util.Arrays.copyOfRange(ids, 7000, ids.length);
            try (CharLanguageModelTraining task = new CharLanguageModelTraining(lm, train, val, 32, 20, 3)) {
                ParameterSet ps = lm.parameters();
                Adam adam = Adam.withDefaults(kernels, arena, ps.trainableValues(), ps.trainableGradients(), 2e-3);
                StringBuilder out = new StringBuilder(kernels.name());
                for (int step = 0; step < 3; step++) {
                    ps.zeroGradients();
                    double loss = task.trainBatch(step, step).loss();
                    double norm = GradientClipping.clipByGlobalNorm(kernels, ps.trainableGradients(), 0.5);   // clips: every step
                    adam.step();
                    out.append(' ').append(Double.doubleToRawLongBits(loss)).append('/').append(Double.doubleToRawLongBits(norm));
                }
                long hash = 17;
                for (Matrix m : ps.values()) {
                    for (float f : m.toArray()) {
                        hash = hash * 31 + Float.floatToRawIntBits(f);
                    }
                }
                System.out.println(out.append(" params ").append(Long.toHexString(hash)));
            }
        }
    }
}
