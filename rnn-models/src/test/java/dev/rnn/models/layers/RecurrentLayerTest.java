package dev.rnn.models.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class RecurrentLayerTest {

    /** Forward equals PyTorch's equations evaluated in double, for every cell, with lengths. */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void forwardMatchesTheReferenceEquations(CellKind kind) {
        for (Kernels kernels : new Kernels[] {Kernels.scalar(), Kernels.preferred()}) {
            for (boolean bias : new boolean[] {true, false}) {
                try (LayerFixture f = new LayerFixture(kernels, kind, 7, 4, 5, 33, bias, true, 3)) {
                    Matrix out = f.layer.forward(f.input, f.h0, f.c0, f.lengths);
                    for (int b = 0; b < f.batch; b++) {
                        double[][] x = new double[f.lengths[b]][f.inputSize];
                        for (int t = 0; t < x.length; t++) {
                            for (int i = 0; i < f.inputSize; i++) {
                                x[t][i] = f.input.get(t * f.batch + b, i);
                            }
                        }
                        double[] h = row(f.h0, b), c = f.c0 == null ? null : row(f.c0, b);
                        double[][] ref = ReferenceRnn.run(f.params, x, h, c);
                        for (int t = 0; t < f.steps; t++) {
                            for (int j = 0; j < f.hidden; j++) {
                                double expected = t < ref.length ? ref[t][j] : 0.0;
                                assertEquals(expected, out.get(t * f.batch + b, j), 2e-5,
                                        kernels.name() + " " + kind + " output t=" + t + " b=" + b + " j=" + j);
                            }
                        }
                        for (int j = 0; j < f.hidden; j++) {
                            assertEquals(h[j], f.layer.finalHidden().get(b, j), 2e-5, kind + " h_n b=" + b);
                            if (c != null) {
                                assertEquals(c[j], f.layer.finalCell().get(b, j), 2e-5, kind + " c_n b=" + b);
                            }
                        }
                    }
                }
            }
        }
    }

    private static double[] row(Matrix m, int r) {
        double[] out = new double[m.cols()];
        for (int c = 0; c < out.length; c++) {
            out[c] = m.get(r, c);
        }
        return out;
    }

    /**
     * A padded batch with lengths equals running each sequence alone for its own length: outputs,
     * final states and every gradient. This is what makes masked steps leave the state unchanged.
     */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void maskedBatchEqualsSequencesRunAlone(CellKind kind) {
        Kernels k = Kernels.preferred();
        try (LayerFixture f = new LayerFixture(k, kind, 6, 3, 4, 7, true, true, 11)) {
            Matrix dInput = f.backward();
            for (int b = 0; b < f.batch; b++) {
                int len = f.lengths[b];
                try (Arena arena = Arena.ofConfined();
                     RecurrentLayer alone = new RecurrentLayer(k, kind.cell(f.inputSize, f.hidden), f.params, len, 1)) {
                    Matrix x = Matrix.allocate(arena, len, f.inputSize), dOut = Matrix.allocate(arena, len, f.hidden);
                    for (int t = 0; t < len; t++) {
                        x.row(t).copyFrom(f.input.row(t * f.batch + b));
                        dOut.row(t).copyFrom(f.outWeights.row(t * f.batch + b));
                    }
                    Matrix out = alone.forward(x, f.h0.row(b), f.c0 == null ? null : f.c0.row(b), null);
                    Matrix out2 = f.layer.forward(f.input, f.h0, f.c0, f.lengths);
                    for (int t = 0; t < len; t++) {
                        assertRowsClose(out.row(t), out2.row(t * f.batch + b), kind + " output t=" + t);
                    }
                    assertRowsClose(alone.finalHidden(), f.layer.finalHidden().row(b), kind + " h_n");
                    CellParameters g = f.params.zerosLike(arena);
                    Matrix dx = Matrix.allocate(arena, len, f.inputSize);
                    alone.backward(dOut, f.hWeights.row(b), f.cWeights == null ? null : f.cWeights.row(b), g, dx);
                    for (int t = 0; t < len; t++) {
                        assertRowsClose(dx.row(t), dInput.row(t * f.batch + b), kind + " ∂input t=" + t);
                    }
                    for (int t = len; t < f.steps; t++) {
                        for (int i = 0; i < f.inputSize; i++) {
                            assertEquals(0f, dInput.get(t * f.batch + b, i), "no gradient into padding");
                        }
                    }
                }
            }
        }
    }

    private static void assertRowsClose(Matrix expected, Matrix actual, String what) {
        for (int c = 0; c < expected.cols(); c++) {
            assertEquals(expected.get(0, c), actual.get(0, c), 1e-5 * (1 + Math.abs(expected.get(0, c))), what + " column " + c);
        }
    }

    /** A one-step sequence is one cell step: the layer's output equals the cell run by hand on the projections. */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void aLengthOneSequenceIsOneCellStep(CellKind kind) {
        Kernels k = Kernels.preferred();
        try (LayerFixture f = new LayerFixture(k, kind, 1, 4, 5, 9, true, false, 21); Arena arena = Arena.ofConfined()) {
            Matrix out = f.layer.forward(f.input, f.h0, f.c0, null);
            int g = kind.gates() * f.hidden;
            Matrix xProj = Matrix.allocate(arena, f.batch, g), hProj = Matrix.allocate(arena, f.batch, g);
            k.gemmTransB(f.input, f.params.weightIh(), xProj, false);
            k.addRowVector(f.params.biasIh(), xProj);
            k.gemmTransB(f.h0, f.params.weightHh(), hProj, false);
            k.addRowVector(f.params.biasHh(), hProj);
            Matrix h = Matrix.allocate(arena, f.batch, f.hidden), c = kind.hasCellState() ? Matrix.allocate(arena, f.batch, f.hidden) : null;
            var cell = kind.cell(f.inputSize, f.hidden);
            var step = cell.bind(new dev.rnn.core.cells.StepBuffers(xProj, hProj, f.h0, f.c0,
                    Matrix.allocate(arena, f.batch, cell.savedWidth()), h, c, null, null, null, null, null,
                    Matrix.allocate(arena, f.batch, f.hidden)));
            step.forward(k);
            assertArrayEquals(h.toArray(), out.toArray(), kind + " output");
            assertArrayEquals(h.toArray(), f.layer.finalHidden().toArray(), kind + " h_n");
            if (c != null) {
                assertArrayEquals(c.toArray(), f.layer.finalCell().toArray(), kind + " c_n");
            }
        }
    }

    @Test
    void badShapesAreRejectedWithBothShapes() {
        try (Arena arena = Arena.ofConfined()) {
            CellParameters p = CellParameters.allocate(arena, CellKind.LSTM, 3, 4, true);
            try (RecurrentLayer layer = new RecurrentLayer(Kernels.preferred(), CellKind.LSTM.cell(3, 4), p, 5, 2)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> layer.forward(Matrix.allocate(arena, 10, 4), null, null, null));
                assertEquals("input must be (T·2)×3 with 1 ≤ T ≤ 5, found 10×4", e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> layer.forward(Matrix.allocate(arena, 4, 3), Matrix.allocate(arena, 2, 5), null, null));
                assertEquals("h0 must be 2×4, found 2×5", e.getMessage());
                e = assertThrows(IllegalArgumentException.class,
                        () -> layer.forward(Matrix.allocate(arena, 4, 3), null, null, new int[] {2, 3}));
                assertEquals("length 3 of sequence 1 is outside 1..2", e.getMessage());
                assertThrows(IllegalStateException.class, () -> layer.backward(null, null, null, p.zerosLike(arena), null));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new RecurrentLayer(Kernels.preferred(), CellKind.GRU.cell(3, 4), p, 5, 2));
            assertTrue(e.getMessage().contains("do not fit"), e.getMessage());
        }
    }
}
