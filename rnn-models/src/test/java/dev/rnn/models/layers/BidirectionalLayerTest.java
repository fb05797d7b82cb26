package dev.rnn.models.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.models.TestMatrices;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BidirectionalLayerTest {

    private static final int T = 5;
    private static final int B = 3;
    private static final int I = 4;
    private static final int H = 6;
    private static final int[] LENGTHS = {5, 2, 4};

    private static CellParameters random(Arena arena, CellKind kind, Random rnd) {
        CellParameters p = CellParameters.allocate(arena, kind, I, H, true);
        for (Matrix m : p.tensors()) {
            TestMatrices.fill(m, rnd, 0.6f);
        }
        return p;
    }

    /**
     * On sequences reversed within their own lengths, a bidirectional layer gives the reversed output of
     * the same layer with its two directions' parameters swapped, halves swapped.
     */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void reversedSequencesSwapTheDirections(CellKind kind) {
        Kernels k = Kernels.preferred();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(4);
            CellParameters f = random(arena, kind, rnd), b = random(arena, kind, rnd);
            Matrix x = TestMatrices.fill(Matrix.allocate(arena, T * B, I), rnd, 1f);
            Matrix xr = Matrix.allocate(arena, T * B, I);
            for (int s = 0; s < B; s++) {
                for (int t = 0; t < LENGTHS[s]; t++) {
                    xr.row(t * B + s).copyFrom(x.row((LENGTHS[s] - 1 - t) * B + s));
                }
            }
            try (BidirectionalLayer fb = new BidirectionalLayer(k, f, b, MergeMode.CONCAT, T, B);
                 BidirectionalLayer bf = new BidirectionalLayer(k, b, f, MergeMode.CONCAT, T, B)) {
                Matrix out = fb.forward(x, LENGTHS);
                Matrix outR = bf.forward(xr, LENGTHS);
                for (int s = 0; s < B; s++) {
                    for (int t = 0; t < T; t++) {
                        for (int j = 0; j < H; j++) {
                            if (t < LENGTHS[s]) {
                                int tr = LENGTHS[s] - 1 - t;
                                assertEquals(out.get(t * B + s, j), outR.get(tr * B + s, H + j), 1e-5, "forward half");
                                assertEquals(out.get(t * B + s, H + j), outR.get(tr * B + s, j), 1e-5, "backward half");
                            } else {
                                assertEquals(0f, out.get(t * B + s, j), "padding");
                                assertEquals(0f, out.get(t * B + s, H + j), "padding");
                            }
                        }
                    }
                }
            }
        }
    }

    /** Gradients of every merge mode against central differences (same bounds as RecurrentLayerGradientTest). */
    @ParameterizedTest
    @EnumSource(MergeMode.class)
    void gradientsMatchCentralDifferences(MergeMode merge) {
        for (CellKind kind : new CellKind[] {CellKind.LSTM, CellKind.GRU, CellKind.RNN_TANH}) {
            Kernels k = Kernels.preferred();
            try (Arena arena = Arena.ofConfined()) {
                Random rnd = new Random(8);
                CellParameters f = random(arena, kind, rnd), b = random(arena, kind, rnd);
                CellParameters gf = f.zerosLike(arena), gb = b.zerosLike(arena);
                Matrix x = TestMatrices.fill(Matrix.allocate(arena, T * B, I), rnd, 1f);
                try (BidirectionalLayer layer = new BidirectionalLayer(k, f, b, merge, T, B)) {
                    Matrix r = TestMatrices.fill(Matrix.allocate(arena, T * B, layer.outputSize()), rnd, 1f);
                    Matrix dx = Matrix.allocate(arena, T * B, I);
                    layer.forward(x, LENGTHS);
                    layer.backward(r, gf, gb, dx);
                    List<Matrix> targets = new ArrayList<>(f.tensors()), grads = new ArrayList<>(gf.tensors());
                    targets.addAll(b.tensors());
                    grads.addAll(gb.tensors());
                    targets.add(x);
                    grads.add(dx);
                    for (int i = 0; i < targets.size(); i++) {
                        check(layer, x, r, targets.get(i), grads.get(i), rnd, kind + " " + merge + " tensor " + i);
                    }
                }
            }
        }
    }

    private static void check(BidirectionalLayer layer, Matrix x, Matrix r, Matrix target, Matrix gradient, Random rnd, String what) {
        float eps = 1e-2f;
        float[] original = target.toArray(), g = gradient.toArray(), moved = new float[original.length];
        float[] dir = new float[original.length];
        double analytic = 0;
        for (int i = 0; i < dir.length; i++) {
            dir[i] = rnd.nextFloat() * 2 - 1;
            analytic += (double) g[i] * dir[i];
        }
        for (int i = 0; i < moved.length; i++) {
            moved[i] = original[i] + eps * dir[i];
        }
        target.copyFrom(moved);
        double plus = TestMatrices.dot(layer.forward(x, LENGTHS), r);
        for (int i = 0; i < moved.length; i++) {
            moved[i] = original[i] - eps * dir[i];
        }
        target.copyFrom(moved);
        double minus = TestMatrices.dot(layer.forward(x, LENGTHS), r);
        target.copyFrom(original);
        double numeric = (plus - minus) / (2.0 * eps);
        double tol = 1e-2 * Math.max(Math.abs(analytic), Math.abs(numeric)) + 5e-3;
        assertTrue(Math.abs(analytic - numeric) <= tol, what + ": analytic " + analytic + " vs numeric " + numeric);
    }
}
