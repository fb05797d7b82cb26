package dev.rnn.models.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.models.TestMatrices;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.DenseLayer;
import dev.rnn.models.layers.Embedding;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TrainingPiecesTest {

    private final Kernels k = Kernels.preferred();

    @Test
    void crossEntropyGradientMatchesCentralDifferences() {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(1);
            Matrix logits = Matrix.allocate(arena, 6, 9), d = Matrix.allocate(arena, 6, 9);
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 9; j++) {
                    logits.set(i, j, (float) rnd.nextGaussian() * 2);
                }
            }
            int[] targets = {3, -1, 0, 8, 8, -1};
            SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy(k, 6);
            ce.lossAndGradient(logits, targets, d);
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 9; j++) {
                    float v = logits.get(i, j), h = 1e-2f;
                    logits.set(i, j, v + h);
                    double plus = ce.loss(logits, targets);
                    logits.set(i, j, v - h);
                    double minus = ce.loss(logits, targets);
                    logits.set(i, j, v);
                    // truncation h²/6·|f'''| ≤ 2e-5; float rounding of the loss ≈ 1e-7·(2 + log 9)/(2h) ≈ 2e-5
                    assertEquals((plus - minus) / (2 * h), d.get(i, j), 1e-4, "∂loss/∂logit[" + i + "," + j + "]");
                }
            }
        }
    }

    @Test
    void denseGradientsMatchCentralDifferences() {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(2);
            DenseLayer dense = new DenseLayer(k, arena, 5, 4, true);
            fill(dense.weight(), rnd);
            fill(dense.bias(), rnd);
            Matrix x = fill(Matrix.allocate(arena, 3, 5), rnd), r = fill(Matrix.allocate(arena, 3, 4), rnd);
            Matrix y = Matrix.allocate(arena, 3, 4), dx = Matrix.allocate(arena, 3, 5);
            // loss = Σ y⊙r, so ∂loss/∂y = r
            dense.backward(x, r, dx);
            Function<Void, Double> loss = v -> {
                dense.forward(x, y);
                return TestMatrices.dot(y, r);
            };
            checkAll(List.of(dense.weight(), dense.bias(), x), List.of(dense.gradients().get(0), dense.gradients().get(1), dx), loss);
        }
    }

    @Test
    void embeddingLooksUpAndAccumulatesRows() {
        try (Arena arena = Arena.ofConfined()) {
            Embedding e = new Embedding(arena, 4, 3);
            e.table().copyFrom(new float[] {0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32});
            Matrix out = Matrix.allocate(arena, 3, 3);
            e.forward(new int[] {2, 0, 2}, out);
            assertArrayEquals(new float[] {20, 21, 22, 0, 1, 2, 20, 21, 22}, out.toArray());
            e.backward(new int[] {2, 0, 2}, Matrix.of(arena, 3, 3, 1, 1, 1, 2, 2, 2, 3, 3, 3));
            assertArrayEquals(new float[] {2, 2, 2, 0, 0, 0, 4, 4, 4, 0, 0, 0}, e.gradient().toArray());
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.forward(new int[] {0, 4, 1}, out));
            assertEquals("token id 4 at position 1 is outside the vocabulary of 4", ex.getMessage());
        }
    }

    @Test
    void clippingKeepsDirectionAndBoundsTheNorm() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.of(arena, 1, 2, 3, 4), b = Matrix.of(arena, 1, 1, 12);
            double before = GradientClipping.clipByGlobalNorm(k, List.of(a, b), 1.3);
            assertEquals(13.0, before, 1e-6);
            assertEquals(1.3, GradientClipping.globalNorm(k, List.of(a, b)), 1e-5);
            assertEquals(3.0 / 4.0, a.get(0, 0) / a.get(0, 1), 1e-6, "direction kept");
            assertEquals(12.0 / 4.0, b.get(0, 0) / a.get(0, 1), 1e-6, "direction kept across tensors");
            GradientClipping.clipByGlobalNorm(k, List.of(a, b), 100);
            assertEquals(1.3, GradientClipping.globalNorm(k, List.of(a, b)), 1e-5, "no change under the bound");
            Matrix c = Matrix.of(arena, 1, 4, -5, -0.5f, 0.5f, 5);
            GradientClipping.clipByValue(List.of(c), 1);
            assertArrayEquals(new float[] {-1, -0.5f, 0.5f, 1}, c.toArray());
        }
    }

    @Test
    void regularizationAddsThePenaltyGradients() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix p = Matrix.of(arena, 1, 3, -2, 0, 3), g = Matrix.of(arena, 1, 3, 1, 1, 1);
            Regularization.addL2(k, List.of(p), List.of(g), 0.5);
            assertArrayEquals(new float[] {0, 1, 2.5f}, g.toArray());
            Regularization.addL1(List.of(p), List.of(g), 0.25);
            assertArrayEquals(new float[] {-0.25f, 1, 2.75f}, g.toArray());
        }
    }

    @Test
    void optimizersFollowTheirFormulasOnTheFirstSteps() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix p = Matrix.of(arena, 1, 2, 1, -1), g = Matrix.of(arena, 1, 2, 0.5f, -2);
            Sgd sgd = new Sgd(arena, List.of(p), List.of(g), 0.1, 0.9, false);
            sgd.step();                               // buf = g; p −= 0.1·g
            assertArrayEquals(new float[] {0.95f, -0.8f}, p.toArray(), 1e-6f);
            sgd.step();                               // buf = 0.9·g + g = 1.9·g
            assertArrayEquals(new float[] {0.855f, -0.42f}, p.toArray(), 1e-6f);
            p.copyFrom(new float[] {1, -1});
            Sgd nesterov = new Sgd(arena, List.of(p), List.of(g), 0.1, 0.9, true);
            nesterov.step();                          // update = g + 0.9·g
            assertArrayEquals(new float[] {1 - 0.095f, -1 + 0.38f}, p.toArray(), 1e-6f);
            p.copyFrom(new float[] {1, -1});
            Adam adam = Adam.withDefaults(arena, List.of(p), List.of(g), 0.01);
            adam.step();                              // first Adam step moves each weight by lr·sign(g)
            assertArrayEquals(new float[] {0.99f, -0.99f}, p.toArray(), 1e-6f);
            p.copyFrom(new float[] {1, -1});
            new Adam(arena, List.of(p), List.of(g), 0.01, 0.9, 0.999, 1e-8, 0.1).step();
            assertArrayEquals(new float[] {1 * (1 - 0.001f) - 0.01f, -1 * (1 - 0.001f) + 0.01f}, p.toArray(), 1e-6f);
            p.copyFrom(new float[] {1, -1});
            new Adagrad(arena, List.of(p), List.of(g), 0.1).step(); // g/√(g²) = sign(g)
            assertArrayEquals(new float[] {0.9f, -0.9f}, p.toArray(), 1e-6f);
            p.copyFrom(new float[] {1, -1});
            new RmsProp(arena, List.of(p), List.of(g), 0.01, 0.99).step(); // g/√(0.01·g²) = 10·sign(g)
            assertArrayEquals(new float[] {0.9f, -0.9f}, p.toArray(), 1e-5f);
        }
    }

    @Test
    void everyOptimizerMinimisesAQuadratic() {
        try (Arena arena = Arena.ofConfined()) {
            for (int which = 0; which < 5; which++) {
                Matrix p = Matrix.of(arena, 1, 3, 3, -2, 1), g = Matrix.allocate(arena, 1, 3);
                List<Matrix> ps = List.of(p), gs = List.of(g);
                Optimizer opt = switch (which) {
                    case 0 -> new Sgd(arena, ps, gs, 0.05, 0, false);
                    case 1 -> new Sgd(arena, ps, gs, 0.05, 0.9, true);
                    case 2 -> new Adagrad(arena, ps, gs, 0.5);
                    case 3 -> new RmsProp(arena, ps, gs, 0.01, 0.99);
                    default -> Adam.withDefaults(arena, ps, gs, 0.05);
                };
                for (int step = 0; step < 2000; step++) {
                    // loss = Σ (i+1)·(p_i − 0.5)², gradient 2(i+1)(p_i − 0.5)
                    for (int i = 0; i < 3; i++) {
                        g.set(0, i, 2 * (i + 1) * (p.get(0, i) - 0.5f));
                    }
                    opt.step();
                }
                for (int i = 0; i < 3; i++) {
                    assertEquals(0.5, p.get(0, i), 0.02, opt.getClass().getSimpleName() + " coordinate " + i);
                }
            }
        }
    }

    @Test
    void schedules() {
        LearningRateSchedule decay = LearningRateSchedule.stepDecay(0.1, 10, 0.5);
        assertEquals(0.1, decay.at(9), 1e-12);
        assertEquals(0.05, decay.at(10), 1e-12);
        assertEquals(0.025, decay.at(25), 1e-12);
        LearningRateSchedule warm = LearningRateSchedule.linearWarmup(4, LearningRateSchedule.constant(0.2));
        assertArrayEquals(new double[] {0.05, 0.1, 0.15, 0.2, 0.2}, new double[] {warm.at(0), warm.at(1), warm.at(2), warm.at(3), warm.at(4)}, 1e-12);
    }

    @Test
    void initialisationIsSeededAndFollowsItsRules() {
        try (Arena arena = Arena.ofConfined()) {
            CellParameters a = CellParameters.allocate(arena, CellKind.LSTM, 3, 16, true);
            CellParameters b = CellParameters.allocate(arena, CellKind.LSTM, 3, 16, true);
            new Initializers(5).pytorchDefault(a);
            new Initializers(5).pytorchDefault(b);
            assertArrayEquals(a.weightHh().toArray(), b.weightHh().toArray(), "same seed, same model");
            for (float v : a.weightIh().toArray()) {
                assertTrue(Math.abs(v) <= 0.25f, "within ±1/√16");
            }
            new Initializers(6).orthogonalRecurrent(a);
            for (int g = 0; g < 4; g++) {
                Matrix q = a.weightHh().sliceRows(g * 16, (g + 1) * 16);
                for (int i = 0; i < 16; i++) {
                    for (int j = 0; j < 16; j++) {
                        double d = 0;
                        for (int c = 0; c < 16; c++) {
                            d += q.get(i, c) * q.get(j, c);
                        }
                        assertEquals(i == j ? 1.0 : 0.0, d, 1e-5, "QQᵀ = I in block " + g);
                    }
                }
            }
            Initializers.forgetGateBias(a, 1f);
            assertEquals(1f, a.biasIh().get(0, 16) + a.biasHh().get(0, 16));
            assertEquals(1f, a.biasIh().get(0, 31) + a.biasHh().get(0, 31));
            assertThrows(IllegalArgumentException.class,
                    () -> Initializers.forgetGateBias(CellParameters.allocate(arena, CellKind.GRU, 3, 4, true), 1f));
        }
    }

    private static Matrix fill(Matrix m, Random rnd) {
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                m.set(r, c, (float) rnd.nextGaussian());
            }
        }
        return m;
    }

    /** Every element's gradient against a central difference; the loss is linear in each, so only rounding matters. */
    private static void checkAll(List<Matrix> targets, List<Matrix> grads, Function<Void, Double> loss) {
        for (int t = 0; t < targets.size(); t++) {
            Matrix m = targets.get(t);
            for (int r = 0; r < m.rows(); r++) {
                for (int c = 0; c < m.cols(); c++) {
                    float v = m.get(r, c), h = 1e-2f;
                    m.set(r, c, v + h);
                    double plus = loss.apply(null);
                    m.set(r, c, v - h);
                    double minus = loss.apply(null);
                    m.set(r, c, v);
                    assertEquals((plus - minus) / (2 * h), grads.get(t).get(r, c), 1e-3, "tensor " + t + " (" + r + ", " + c + ")");
                }
            }
        }
    }
}
