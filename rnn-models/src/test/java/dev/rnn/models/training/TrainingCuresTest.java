package dev.rnn.models.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.GradientCheck;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cures the seeds name, each shown by its effect: optimizers from {@link OptimizerSpec}, the
 * L1/L2 penalty of {@link Regularization}, clipping by value, the schedules of
 * {@link LearningRateSchedule.Setting}, and the {@link Trainer} applying each of them.
 */
class TrainingCuresTest {

    private final Kernels k = Kernels.preferred();

    @TempDir
    Path dir;

    @Test
    void nesterovMatchesAHandComputedStep() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix p = Matrix.of(arena, 1, 2, 1, -1), g = Matrix.of(arena, 1, 2, 0.5f, -2);
            Optimizer nesterov = new OptimizerSpec.Sgd(0.9, true).create(k, arena, List.of(p), List.of(g), 0.1);
            nesterov.step();      // buf = g; p −= lr·(g + μ·buf) = 0.1·1.9·g
            assertArrayEquals(new float[] {0.905f, -0.62f}, p.toArray(), 1e-6f);
            nesterov.step();      // buf = μ·g + g = 1.9·g; p −= lr·(g + μ·buf) = 0.1·2.71·g
            assertArrayEquals(new float[] {0.7695f, -0.078f}, p.toArray(), 1e-6f);
            p.copyFrom(new float[] {1, -1});
            Optimizer heavyBall = new OptimizerSpec.Sgd(0.9, false).create(k, arena, List.of(p), List.of(g), 0.1);
            heavyBall.step();     // p −= lr·buf = 0.1·g
            heavyBall.step();     // p −= 0.1·1.9·g: Nesterov looks one momentum step further ahead
            assertArrayEquals(new float[] {1 - 0.145f, -1 + 0.58f}, p.toArray(), 1e-6f);
        }
    }

    /**
     * AdamW shrinks each weight by the factor 1 − lr·λ whatever its gradient; the same λ as an L2
     * penalty inside Adam's gradient is normalised away: with no loss gradient, Adam's first step
     * moves every weight by lr towards 0, however small λ·p is.
     */
    @Test
    void adamWDecayIsDecoupledFromTheGradient() {
        try (Arena arena = Arena.ofConfined()) {
            double lr = 0.1, lambda = 0.01;
            Matrix p = Matrix.of(arena, 1, 2, 2, -0.5f), g = Matrix.allocate(arena, 1, 2);
            Optimizer adamW = new OptimizerSpec.AdamW(0.9, 0.999, 1e-8, lambda).create(k, arena, List.of(p), List.of(g), lr);
            adamW.step();
            assertArrayEquals(new float[] {2 * (1 - 0.001f), -0.5f * (1 - 0.001f)}, p.toArray(), 1e-7f);
            p.copyFrom(new float[] {2, -0.5f});
            Optimizer adam = new OptimizerSpec.Adam(0.9, 0.999, 1e-8).create(k, arena, List.of(p), List.of(g), lr);
            g.fill(0f);
            new Regularization(0, lambda).addTo(k, List.of(p), List.of(g));
            adam.step();
            assertArrayEquals(new float[] {1.9f, -0.4f}, p.toArray(), 1e-5f);
        }
    }

    @Test
    void optimizerSpecsByNameAndTheirChecks() {
        assertEquals(new OptimizerSpec.Sgd(0.9, false), OptimizerSpec.named("SGD"));
        assertEquals(new OptimizerSpec.AdamW(0.9, 0.999, 1e-8, 0.01), OptimizerSpec.named("adamw"));
        for (String name : OptimizerSpec.NAMES) {
            assertEquals(name, OptimizerSpec.named(name).name());
        }
        assertEquals("unknown optimizer 'adamax', expected one of [sgd, adagrad, rmsprop, adam, adamw]",
                assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.named("adamax")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSpec.Sgd(0, true));
        assertThrows(IllegalArgumentException.class, () -> new OptimizerSpec.AdamW(0.9, 0.999, 1e-8, 0));
        try (Arena arena = Arena.ofConfined()) {
            Matrix p = Matrix.allocate(arena, 1, 1), g = Matrix.allocate(arena, 1, 1);
            assertInstanceOf(RmsProp.class, OptimizerSpec.named("rmsprop").create(k, arena, List.of(p), List.of(g), 0.1));
            assertInstanceOf(Adagrad.class, OptimizerSpec.named("adagrad").create(k, arena, List.of(p), List.of(g), 0.1));
        }
    }

    /** The penalty's gradient against central differences of the penalty, per tensor, along three random directions. */
    @Test
    void penaltyGradientMatchesCentralDifferences() {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(3);
            List<Matrix> params = List.of(awayFromZero(Matrix.allocate(arena, 3, 5), rnd), awayFromZero(Matrix.allocate(arena, 1, 7), rnd));
            List<Matrix> grads = List.of(Matrix.allocate(arena, 3, 5), Matrix.allocate(arena, 1, 7));
            for (Regularization r : List.of(new Regularization(0, 0.3), new Regularization(0.2, 0), new Regularization(0.05, 0.7))) {
                for (Matrix g : grads) {
                    g.fill(0f);
                }
                double penalty = r.addTo(k, params, grads);
                assertEquals(r.penalty(k, params), penalty, 0, "addTo returns the penalty");
                for (int t = 0; t < params.size(); t++) {
                    Matrix p = params.get(t);
                    float[] grad = grads.get(t).toArray();
                    double largest = 0;
                    for (int d = 0; d < 3; d++) {
                        float[] v = new float[grad.length];
                        double analytic = 0;
                        for (int i = 0; i < v.length; i++) {
                            v[i] = rnd.nextFloat() * 2 - 1;
                            analytic += (double) grad[i] * v[i];
                        }
                        // every |p| ≥ 0.1 > ε·|v|: no L1 kink is crossed
                        double numeric = GradientCheck.centralDifference(p, v, () -> r.penalty(k, params), 1e-2f);
                        // the penalty is quadratic or linear here: only float rounding of p ± εv remains
                        assertEquals(numeric, analytic, 1e-4 * (1 + Math.abs(numeric)), r + " tensor " + t + " direction " + d);
                        largest = Math.max(largest, Math.abs(numeric));
                    }
                    // far above the 1e-4 tolerance: a zero gradient could not pass
                    assertTrue(largest > 1e-2, r + " tensor " + t + ": derivatives up to " + largest + " are too small to judge");
                }
            }
        }
    }

    @Test
    void clippingByValueBoundsEveryComponent() {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(4);
            List<Matrix> grads = List.of(Matrix.allocate(arena, 4, 33), Matrix.allocate(arena, 1, 5));
            List<float[]> before = new ArrayList<>();
            for (Matrix g : grads) {
                for (int r = 0; r < g.rows(); r++) {
                    for (int c = 0; c < g.cols(); c++) {
                        g.set(r, c, (float) rnd.nextGaussian() * 3);
                    }
                }
                before.add(g.toArray());
            }
            GradientClipping.clipByValue(grads, 1.5);
            for (int t = 0; t < grads.size(); t++) {
                float[] after = grads.get(t).toArray(), was = before.get(t);
                for (int i = 0; i < after.length; i++) {
                    assertEquals(Math.max(-1.5f, Math.min(1.5f, was[i])), after[i], 0, "tensor " + t + " element " + i);
                }
            }
        }
    }

    @Test
    void schedulesEndAndStepWhereTheySay() {
        LearningRateSchedule cosine = new LearningRateSchedule.Setting(LearningRateSchedule.Kind.COSINE, 0, 0, 1e-4)
                .schedule(0.1, 0.5, 10, 100);
        assertEquals(0.1, cosine.at(0), 1e-15);
        assertEquals((0.1 + 1e-4) / 2, cosine.at(99 / 2) + 0.0, 2e-3, "half way, about half way down");
        assertEquals(1e-4, cosine.at(99), 1e-15, "the floor at the last update");
        assertEquals(1e-4, cosine.at(150), 1e-15, "and after it");
        for (int s = 1; s < 100; s++) {
            assertTrue(cosine.at(s) < cosine.at(s - 1), "falls at " + s);
        }
        LearningRateSchedule warm = new LearningRateSchedule.Setting(LearningRateSchedule.Kind.COSINE, 5, 0, 0).schedule(0.1, 0.5, 10, 25);
        assertArrayEquals(new double[] {0.02, 0.04, 0.06, 0.08, 0.1, 0.1}, new double[] {warm.at(0), warm.at(1), warm.at(2), warm.at(3),
                warm.at(4), warm.at(5)}, 1e-12, "linear to the full rate, where the cosine starts");
        assertEquals(0, warm.at(24), 1e-15, "the cosine spans the updates after the warm-up");
        LearningRateSchedule step = new LearningRateSchedule.Setting(LearningRateSchedule.Kind.STEP, 0, 10, 0).schedule(0.1, 0.5, 7, 0);
        assertArrayEquals(new double[] {0.1, 0.1, 0.05, 0.05, 0.025}, new double[] {step.at(0), step.at(9), step.at(10), step.at(19),
                step.at(20)}, 1e-15);
        LearningRateSchedule perEpoch = new LearningRateSchedule.Setting(LearningRateSchedule.Kind.STEP, 0, 0, 0).schedule(0.1, 0.5, 7, 0);
        assertEquals(0.1, perEpoch.at(6), 1e-15, "every 0: once an epoch");
        assertEquals(0.05, perEpoch.at(7), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.Setting(LearningRateSchedule.Kind.COSINE, 0, 0, 0)
                .schedule(0.1, 0.5, 7, 0));
        assertEquals(LearningRateSchedule.Kind.PLATEAU, LearningRateSchedule.Kind.parse("Plateau"));
    }

    /**
     * The trainer applies schedule, warm-up and clipping by value: on a linear loss with gradient
     * (3, −3, 0.5, −0.5) and plain SGD, each update moves a weight by exactly lr·clip(g).
     */
    @Test
    void trainerAppliesTheScheduleAndClipsByValue() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            LinearTask task = new LinearTask(arena, new float[] {3, -3, 0.5f, -0.5f}, 6);
            TrainingSettings s = new TrainingSettings("sgd", 0.1, 0, 2, 0, 100, 0.5, TrainingSettings.NonFinitePolicy.STOP)
                    .withOptimizer(new OptimizerSpec.Sgd(0, false)).withClipValue(1)
                    .withSchedule(new LearningRateSchedule.Setting(LearningRateSchedule.Kind.COSINE, 3, 0, 0.01));
            new Trainer(k, task, s, null).run(dir.resolve("linear.safetensors"), false);
            LearningRateSchedule expected = s.schedule().schedule(0.1, 0.5, 6, 12);
            assertEquals(12, task.seen.size());
            for (int step = 0; step < 12; step++) {
                float[] a = task.seen.get(step), b = task.after(step);
                double lr = expected.at(step);
                assertEquals(lr * 1, a[0] - b[0], 1e-6, "update " + step + ", clipped to 1");
                assertEquals(-lr * 1, a[1] - b[1], 1e-6, "update " + step + ", clipped to −1");
                assertEquals(lr * 0.5, a[2] - b[2], 1e-6, "update " + step + ", within the clip");
            }
            assertEquals(0.01, expected.at(11), 1e-12, "the last update ran at the floor");
        }
    }

    /** The penalty reaches the listener apart from the loss, and its gradient reaches the update. */
    @Test
    void trainerAddsThePenaltyAndReportsIt() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            LinearTask task = new LinearTask(arena, new float[] {0, 0, 0, 0}, 3);
            List<Double> penalties = new ArrayList<>();
            TrainingSettings s = new TrainingSettings("sgd", 0.1, 0, 1, 0, 100, 1, TrainingSettings.NonFinitePolicy.STOP)
                    .withOptimizer(new OptimizerSpec.Sgd(0, false)).withRegularization(new Regularization(0, 0.5));
            new Trainer(k, task, s, new TrainingListener() {
                @Override
                public void penalty(double penalty) {
                    penalties.add(penalty);
                }
            }).run(dir.resolve("l2.safetensors"), false);
            for (int step = 0; step < 3; step++) {
                float[] w = task.seen.get(step);
                double sum = 0;
                for (float x : w) {
                    sum += x * x;
                }
                assertEquals(0.25 * sum, penalties.get(step), 1e-6, "λ/2·Σw² at update " + step);
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i] * (1 - 0.1 * 0.5), task.after(step)[i], 1e-6, "w ← w − lr·λ·w");
                }
            }
        }
    }

    private static Matrix awayFromZero(Matrix m, Random rnd) {
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                float v = 0.1f + rnd.nextFloat();
                m.set(r, c, rnd.nextBoolean() ? v : -v);
            }
        }
        return m;
    }

    /**
     * loss = c·w for fixed c from w = (1, 2, −1, 0.5): its gradient is c, so each update shows the
     * rate and clipping the trainer applied.
     */
    private static final class LinearTask implements TrainingTask {
        private final ParameterSet params;
        private final Matrix w;
        private final float[] c;
        private final int batches;
        final List<float[]> seen = new ArrayList<>();

        LinearTask(Arena arena, float[] c, int batches) {
            this.params = ParameterSet.allocating(arena);
            this.w = params.tensor("w", 1, c.length, true);
            w.copyFrom(new float[] {1, 2, -1, 0.5f});
            this.c = c.clone();
            this.batches = batches;
        }

        private double loss() {
            double s = 0;
            float[] v = w.toArray();
            for (int i = 0; i < c.length; i++) {
                s += c[i] * v[i];
            }
            return s;
        }

        @Override
        public ParameterSet parameters() {
            return params;
        }

        @Override
        public int batchesPerEpoch() {
            return batches;
        }

        @Override
        public String unit() {
            return "batches";
        }

        @Override
        public void startEpoch(int epoch) {
        }

        @Override
        public BatchLoss trainBatch(int index, long step) {
            seen.add(w.toArray());
            params.trainableGradients().getFirst().copyFrom(c);
            return new BatchLoss(loss(), 1);
        }

        /** The weights after update {@code step} (0-based). */
        float[] after(int step) {
            return step + 1 < seen.size() ? seen.get(step + 1) : w.toArray();
        }

        @Override
        public Evaluation evaluate() {
            return new Evaluation(loss(), Double.NaN);
        }

        @Override
        public Map<String, String> metadata() {
            return Map.of("task", "linear");
        }
    }
}
