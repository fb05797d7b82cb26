package dev.rnn.models.training;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.DenseLayer;
import dev.rnn.models.layers.Embedding;
import dev.rnn.models.layers.RecurrentLayer;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Small real tasks that need memory, learned end to end (embedding → recurrent layer → dense →
 * softmax cross-entropy, Adam, clipping): the loss must fall below a stated bound within a bounded
 * number of updates. Chance level is ln 2 ≈ 0.69 nats for parity and ln 4 ≈ 1.39 for the copy.
 */
class LearningCheckTest {

    private static final int STEPS = 12;
    private static final int BATCH = 32;

    /** Target at step t: parity of the 1s among x_0 … x_t (inputs are bits). */
    static void parity(int[] x, int[] y) {
        for (int b = 0; b < BATCH; b++) {
            int p = 0;
            for (int t = 0; t < STEPS; t++) {
                p ^= x[t * BATCH + b];
                y[t * BATCH + b] = p;
            }
        }
    }

    /** Target at step t: the input two steps earlier (ignored for the first two steps). */
    static void delayedCopy(int[] x, int[] y) {
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                y[t * BATCH + b] = t < 2 ? -1 : x[(t - 2) * BATCH + b];
            }
        }
    }

    /**
     * Reversal, aligned: steps 0–3 show four symbols (0–3), step 4 the delimiter 4, steps 5–8 the blank
     * 5, and the targets of steps 5–8 are the four symbols in reverse order (the rest are ignored).
     */
    static void reverse(int[] x, int[] y) {
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                int i = t * BATCH + b;
                if (t < 4) {
                    x[i] = x[i] % 4;
                    y[i] = -1;
                } else if (t == 4) {
                    x[i] = 4;
                    y[i] = -1;
                } else if (t < 9) {
                    x[i] = 5;
                    y[i] = x[(8 - t) * BATCH + b];
                } else {
                    x[i] = 5;
                    y[i] = -1;
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void learnsToReverseShortSequences(CellKind kind) {
        double loss = train(kind, 6, LearningCheckTest::reverse, 800);
        assertTrue(loss < 0.1, kind + " reversal: final loss " + loss + " nats, bound 0.1 (chance: ln 4 ≈ 1.39)");
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void learnsRunningParity(CellKind kind) {
        double loss = train(kind, 2, LearningCheckTest::parity, 600);
        assertTrue(loss < 0.05, kind + " parity: final loss " + loss + " nats, bound 0.05");
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU", "RNN_TANH"})
    void learnsADelayedCopy(CellKind kind) {
        double loss = train(kind, 4, LearningCheckTest::delayedCopy, 600);
        assertTrue(loss < 0.05, kind + " delayed copy: final loss " + loss + " nats, bound 0.05");
    }

    /** Trains for at most {@code maxUpdates} and returns the mean loss of the last 20 updates. */
    private static double train(CellKind kind, int vocab, BiConsumer<int[], int[]> task, int maxUpdates) {
        Kernels k = Kernels.preferred();
        int emb = 8, hidden = 24, rows = STEPS * BATCH;
        try (Arena arena = Arena.ofConfined()) {
            Initializers init = new Initializers(17);
            Embedding embedding = new Embedding(arena, vocab, emb);
            init.uniform(embedding.table(), 1.0);
            CellParameters params = CellParameters.allocate(arena, kind, emb, hidden, true);
            init.pytorchDefault(params);
            if (kind == CellKind.LSTM) {
                Initializers.forgetGateBias(params, 1f);
            }
            CellParameters grads = params.zerosLike(arena);
            DenseLayer dense = new DenseLayer(k, arena, hidden, vocab, true);
            init.xavierUniform(dense.weight());
            List<Matrix> ps = new ArrayList<>(), gs = new ArrayList<>();
            ps.add(embedding.table());
            gs.add(embedding.gradient());
            ps.addAll(params.tensors());
            gs.addAll(grads.tensors());
            ps.addAll(dense.parameters());
            gs.addAll(dense.gradients());
            Optimizer adam = Adam.withDefaults(arena, ps, gs, 0.02);
            SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy(k, rows);
            Matrix x = Matrix.allocate(arena, rows, emb), logits = Matrix.allocate(arena, rows, vocab);
            Matrix dLogits = Matrix.allocate(arena, rows, vocab), dOut = Matrix.allocate(arena, rows, hidden);
            Matrix dx = Matrix.allocate(arena, rows, emb);
            int[] ids = new int[rows], targets = new int[rows];
            Random data = new Random(99);
            double recent = 0;
            int counted = 0;
            try (RecurrentLayer layer = new RecurrentLayer(k, kind.cell(emb, hidden), params, STEPS, BATCH)) {
                for (int update = 0; update < maxUpdates; update++) {
                    for (int i = 0; i < rows; i++) {
                        ids[i] = data.nextInt(vocab);
                    }
                    task.accept(ids, targets);
                    embedding.forward(ids, x);
                    Matrix out = layer.forward(x, null, null, null);
                    dense.forward(out, logits);
                    double loss = ce.lossAndGradient(logits, targets, dLogits);
                    adam.zeroGradients();
                    dense.backward(out, dLogits, dOut);
                    layer.backward(dOut, null, null, grads, dx);
                    embedding.backward(ids, dx);
                    GradientClipping.clipByGlobalNorm(k, gs, 5.0);
                    adam.step();
                    if (update >= maxUpdates - 20) {
                        recent += loss;
                        counted++;
                    }
                }
            }
            return recent / counted;
        }
    }
}
