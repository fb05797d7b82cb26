package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.GradientCheck;
import dev.rnn.models.TestMatrices;
import dev.rnn.models.layers.StackedLayers.Level;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Gradients through the final and initial states of a stack (what an encoder-decoder needs): for
 * loss = Σ output⊙R + Σ h_n⊙P + Σ c_n⊙Q, backward given ∂loss/∂h_n and ∂loss/∂c_n must give the
 * parameter, input and initial-state gradients that central differences give (bound in
 * {@link GradientCheck}). Two levels, the lower bidirectional, with per-sequence lengths.
 */
class StackedLayersStateGradientTest {

    private static final int T = 4, B = 3, I = 3, H = 5;
    private static final int[] LENGTHS = {4, 2, 1};

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU", "RNN_TANH"})
    void finalAndInitialStateGradientsMatchCentralDifferences(CellKind kind) {
        Kernels k = Kernels.preferred();
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(3);
            List<Level> params = List.of(
                    new Level(random(arena, kind, I, H, rnd), random(arena, kind, I, H, rnd)),
                    new Level(random(arena, kind, 2 * H, H, rnd), null));
            List<Level> grads = new ArrayList<>();
            for (Level l : params) {
                grads.add(new Level(l.forwardParams().zerosLike(arena), l.bidirectional() ? l.backwardParams().zerosLike(arena) : null));
            }
            boolean lstm = kind.hasCellState();
            int s = 3 * B;
            Matrix x = TestMatrices.fill(Matrix.allocate(arena, T * B, I), rnd, 1f);
            Matrix h0 = TestMatrices.fill(Matrix.allocate(arena, s, H), rnd, 0.5f);
            Matrix c0 = lstm ? TestMatrices.fill(Matrix.allocate(arena, s, H), rnd, 0.5f) : null;
            Matrix r = TestMatrices.fill(Matrix.allocate(arena, T * B, H), rnd, 1f);
            Matrix p = TestMatrices.fill(Matrix.allocate(arena, s, H), rnd, 1f);
            Matrix q = lstm ? TestMatrices.fill(Matrix.allocate(arena, s, H), rnd, 1f) : null;
            Matrix hN = Matrix.allocate(arena, s, H), cN = lstm ? Matrix.allocate(arena, s, H) : null;
            Matrix dx = Matrix.allocate(arena, T * B, I), dh0 = Matrix.allocate(arena, s, H), dc0 = lstm ? Matrix.allocate(arena, s, H) : null;
            try (StackedLayers stack = new StackedLayers(k, params, MergeMode.CONCAT, 0, false, T, B, 1)) {
                java.util.function.DoubleSupplier loss = () -> {
                    Matrix out = stack.forward(x, h0, c0, LENGTHS, false);
                    stack.finalStates(hN, cN);
                    double sum = dot(out, r) + dot(hN, p);
                    return lstm ? sum + dot(cN, q) : sum;
                };
                loss.getAsDouble();
                // the output is zero past each length, so R there does not matter; backward gets R as is
                stack.backward(r, p, q, grads, dx);
                stack.initialStateGradients(dh0, dc0);
                List<Matrix> targets = new ArrayList<>(List.of(x, h0));
                List<Matrix> gradients = new ArrayList<>(List.of(copy(arena, dx), copy(arena, dh0)));
                List<String> names = new ArrayList<>(List.of("input", "h0"));
                if (lstm) {
                    targets.add(c0);
                    gradients.add(copy(arena, dc0));
                    names.add("c0");
                }
                for (int l = 0; l < params.size(); l++) {
                    for (int d = 0; d < (params.get(l).bidirectional() ? 2 : 1); d++) {
                        CellParameters pp = d == 0 ? params.get(l).forwardParams() : params.get(l).backwardParams();
                        CellParameters gg = d == 0 ? grads.get(l).forwardParams() : grads.get(l).backwardParams();
                        for (int i = 0; i < pp.tensors().size(); i++) {
                            targets.add(pp.tensors().get(i));
                            gradients.add(copy(arena, gg.tensors().get(i)));
                            names.add("level " + l + " direction " + d + " tensor " + i);
                        }
                    }
                }
                Random dir = new Random(5);
                for (int i = 0; i < targets.size(); i++) {
                    GradientCheck.directional(kind + " " + names.get(i), targets.get(i), gradients.get(i), loss, dir, 1e-2f);
                }
            }
        }
    }

    private static CellParameters random(Arena arena, CellKind kind, int in, int h, Random rnd) {
        CellParameters p = CellParameters.allocate(arena, kind, in, h, true);
        for (Matrix m : p.tensors()) {
            TestMatrices.fill(m, rnd, 0.5f);
        }
        return p;
    }

    private static double dot(Matrix a, Matrix b) {
        double s = 0;
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.cols(); j++) {
                s += (double) a.get(i, j) * b.get(i, j);
            }
        }
        return s;
    }

    private static Matrix copy(Arena arena, Matrix m) {
        Matrix c = Matrix.allocate(arena, m.rows(), m.cols());
        c.copyFrom(m);
        return c;
    }
}
