package dev.rnn.models.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.models.GradientCheck;
import dev.rnn.models.TestMatrices;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.StackedLayers.Level;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StackedLayersTest {

    private static final int T = 5;
    private static final int B = 3;
    private static final int[] LENGTHS = {5, 3, 1};
    private final Kernels k = Kernels.preferred();

    private static CellParameters random(Arena arena, CellKind kind, int in, int h, Random rnd) {
        CellParameters p = CellParameters.allocate(arena, kind, in, h, true);
        for (Matrix m : p.tensors()) {
            TestMatrices.fill(m, rnd, 0.5f);
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(CellKind.class)
    void aOneLevelStackIsThePlainLayer(CellKind kind) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(1);
            CellParameters p = random(arena, kind, 4, 6, rnd);
            Matrix x = TestMatrices.fill(Matrix.allocate(arena, T * B, 4), rnd, 1f);
            Matrix dOut = TestMatrices.fill(Matrix.allocate(arena, T * B, 6), rnd, 1f);
            CellParameters g1 = p.zerosLike(arena), g2 = p.zerosLike(arena);
            Matrix dx1 = Matrix.allocate(arena, T * B, 4), dx2 = Matrix.allocate(arena, T * B, 4);
            try (RecurrentLayer plain = new RecurrentLayer(k, kind.cell(4, 6), p, T, B);
                 StackedLayers stack = new StackedLayers(k, List.of(new Level(p, null)), MergeMode.CONCAT, 0.5, true, T, B, 1)) {
                float[] expected = plain.forward(x, null, null, LENGTHS).toArray();
                plain.backward(dOut, null, null, g1, dx1);
                assertArrayEquals(expected, stack.forward(x, LENGTHS, true).toArray(), "dropout never touches the first level");
                stack.backward(dOut, List.of(new Level(g2, null)), dx2);
                assertArrayEquals(dx1.toArray(), dx2.toArray());
                for (int i = 0; i < g1.tensors().size(); i++) {
                    assertArrayEquals(g1.tensors().get(i).toArray(), g2.tensors().get(i).toArray());
                }
            }
        }
    }

    /** Two bidirectional levels with a residual connection, against central differences. */
    @Test
    void gradientsOfAResidualBidirectionalStack() {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(2);
            int in = 4, h = 3;
            List<Level> levels = List.of(
                    new Level(random(arena, CellKind.LSTM, in, h, rnd), random(arena, CellKind.LSTM, in, h, rnd)),
                    new Level(random(arena, CellKind.GRU, 2 * h, h, rnd), random(arena, CellKind.GRU, 2 * h, h, rnd)));
            List<Level> grads = new ArrayList<>();
            for (Level l : levels) {
                grads.add(new Level(l.forwardParams().zerosLike(arena), l.backwardParams().zerosLike(arena)));
            }
            Matrix x = TestMatrices.fill(Matrix.allocate(arena, T * B, in), rnd, 1f);
            Matrix r = TestMatrices.fill(Matrix.allocate(arena, T * B, 2 * h), rnd, 1f);
            Matrix dx = Matrix.allocate(arena, T * B, in);
            try (StackedLayers stack = new StackedLayers(k, levels, MergeMode.CONCAT, 0, true, T, B, 3)) {
                stack.forward(x, LENGTHS, true);
                stack.backward(r, grads, dx);
                List<Matrix> targets = new ArrayList<>(), gradients = new ArrayList<>();
                for (int l = 0; l < levels.size(); l++) {
                    targets.addAll(levels.get(l).forwardParams().tensors());
                    targets.addAll(levels.get(l).backwardParams().tensors());
                    gradients.addAll(grads.get(l).forwardParams().tensors());
                    gradients.addAll(grads.get(l).backwardParams().tensors());
                }
                targets.add(x);
                gradients.add(dx);
                for (int i = 0; i < targets.size(); i++) {
                    GradientCheck.directional("tensor " + i, targets.get(i), gradients.get(i),
                            () -> TestMatrices.dot(stack.forward(x, LENGTHS, true), r), rnd, 1e-2f);
                }
            }
        }
    }

    /**
     * An inference-only stack (a bidirectional first level, a one-directional second) answers as the training
     * stack does, final states included, and refuses backward; so does an inference-only bidirectional layer.
     */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void anInferenceStackAnswersAsTheTrainingStackAndRefusesBackward(CellKind kind) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(11);
            CellParameters a = random(arena, kind, 6, 16, rnd), ab = random(arena, kind, 6, 16, rnd);
            CellParameters b = random(arena, kind, 32, 16, rnd);
            List<Level> levels = List.of(new Level(a, ab), new Level(b, null));
            Matrix x = TestMatrices.fill(Matrix.allocate(arena, T * B, 6), rnd, 1f);
            try (StackedLayers training = new StackedLayers(k, levels, MergeMode.CONCAT, 0, false, T, B, 1);
                 StackedLayers inference = StackedLayers.forInference(k, levels, MergeMode.CONCAT, T, B)) {
                float[] expected = training.forward(x, LENGTHS, false).toArray();
                float[] actual = inference.forward(x, LENGTHS, false).toArray();
                assertArrayEquals(expected, actual, 1e-5f);
                int states = 3 * B;
                Matrix hT = Matrix.allocate(arena, states, 16), hI = Matrix.allocate(arena, states, 16);
                Matrix cT = kind.hasCellState() ? Matrix.allocate(arena, states, 16) : null;
                Matrix cI = kind.hasCellState() ? Matrix.allocate(arena, states, 16) : null;
                training.finalStates(hT, cT);
                inference.finalStates(hI, cI);
                assertArrayEquals(hT.toArray(), hI.toArray(), 1e-5f, "h_n");
                if (cT != null) {
                    assertArrayEquals(cT.toArray(), cI.toArray(), 1e-5f, "c_n");
                }
                Matrix dOut = Matrix.allocate(arena, T * B, 16);
                List<Level> grads = List.of(new Level(a.zerosLike(arena), ab.zerosLike(arena)), new Level(b.zerosLike(arena), null));
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> inference.backward(dOut, grads, null));
                assertTrue(e.getMessage().contains("inference-only"), e.getMessage());
            }
            try (BidirectionalLayer bi = new BidirectionalLayer(k, a, ab, MergeMode.CONCAT, T, B, true)) {
                bi.forward(x, LENGTHS);
                Matrix dOut = Matrix.allocate(arena, T * B, 32);
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> bi.backward(dOut, a.zerosLike(arena), ab.zerosLike(arena), null));
                assertTrue(e.getMessage().contains("inference-only"), e.getMessage());
            }
        }
    }

    @Test
    void dropoutOnlyWhileTrainingAndScaledToKeepTheMean() {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(3);
            CellParameters a = random(arena, CellKind.RNN_TANH, 8, 64, rnd), b = random(arena, CellKind.RNN_TANH, 64, 64, rnd);
            Matrix x = TestMatrices.fill(Matrix.allocate(arena, T * B, 8), rnd, 1f);
            try (StackedLayers stack = new StackedLayers(k, List.of(new Level(a, null), new Level(b, null)),
                    MergeMode.CONCAT, 0.3, false, T, B, 4)) {
                float[] inference1 = stack.forward(x, null, false).toArray();
                float[] inference2 = stack.forward(x, null, false).toArray();
                assertArrayEquals(inference1, inference2, "no dropout at inference");
                float[] training = stack.forward(x, null, true).toArray();
                assertTrue(!java.util.Arrays.equals(inference1, training), "dropout changes training outputs");
            }
            // the mask itself: zeros at rate p, survivors scaled by 1/(1−p), a new mask each forward
            try (StackedLayers stack = new StackedLayers(k, List.of(new Level(a, null), new Level(b, null)),
                    MergeMode.CONCAT, 0.3, false, T, B, 5)) {
                int zeros = 0, total = 0;
                float[] previous = null;
                for (int rep = 0; rep < 40; rep++) {
                    stack.forward(x, null, true);
                    float[] mask = stack.lastMask(1).toArray();
                    for (float m : mask) {
                        total++;
                        if (m == 0f) {
                            zeros++;
                        } else {
                            assertEquals(1 / 0.7f, m, 1e-6f, "survivors scaled by 1/(1−p)");
                        }
                    }
                    assertTrue(previous == null || !java.util.Arrays.equals(previous, mask), "a new mask each forward");
                    previous = mask;
                }
                // 40 × 15 × 64 = 38,400 draws: the rate is within 0.01 of p with overwhelming probability
                assertEquals(0.3, (double) zeros / total, 0.01);
            }
        }
    }

    @Test
    void mismatchedLevelsAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(4);
            CellParameters a = random(arena, CellKind.LSTM, 4, 6, rnd), b = random(arena, CellKind.LSTM, 5, 6, rnd);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new StackedLayers(k, List.of(new Level(a, null), new Level(b, null)), MergeMode.CONCAT, 0, false, T, B, 1));
            assertEquals("level 1 reads 5 features but level 0 outputs 6", e.getMessage());
            CellParameters c = random(arena, CellKind.LSTM, 6, 3, rnd);
            e = assertThrows(IllegalArgumentException.class,
                    () -> new StackedLayers(k, List.of(new Level(a, null), new Level(c, null)), MergeMode.CONCAT, 0, true, T, B, 1));
            assertEquals("a residual connection at level 1 needs output size 3 to equal input size 6", e.getMessage());
        }
    }
}
