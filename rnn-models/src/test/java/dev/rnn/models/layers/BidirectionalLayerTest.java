package dev.rnn.models.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn.core.Matrix;
import dev.rnn.models.GradientCheck;
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
                        GradientCheck.directional(kind + " " + merge + " tensor " + i, targets.get(i), grads.get(i),
                                () -> TestMatrices.dot(layer.forward(x, LENGTHS), r), rnd, 1e-2f);
                    }
                }
            }
        }
    }
}
