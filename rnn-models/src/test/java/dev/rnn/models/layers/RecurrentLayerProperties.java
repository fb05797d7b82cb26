package dev.rnn.models.layers;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whole forward and backward passes, SIMD against the scalar oracle: the same cell code runs on both,
 * so any difference is kernel rounding. Compared as relative norms, ‖simd − scalar‖ ≤ 1e-4·‖scalar‖:
 * each step's products carry about (I + H)·2⁻²⁴ ≈ 4e-5 relative error at the largest sizes here,
 * and a contracting recurrence does not compound it across steps.
 */
class RecurrentLayerProperties {

    @Provide
    Arbitrary<Integer> size() {
        return Arbitraries.of(1, 7, 15, 16, 17, 31, 33, 63, 65);
    }

    @Property(tries = 40)
    void simdMatchesTheScalarOracle(@ForAll CellKind kind, @ForAll("size") int inputSize, @ForAll("size") int hidden,
                                    @ForAll("steps") int steps, @ForAll("batch") int batch, @ForAll boolean bias,
                                    @ForAll boolean lengths, @ForAll long seed) {
        try (LayerFixture s = new LayerFixture(Kernels.scalar(), kind, steps, batch, inputSize, hidden, bias, lengths, seed);
             LayerFixture v = new LayerFixture(Kernels.preferred(), kind, steps, batch, inputSize, hidden, bias, lengths, seed)) {
            Matrix dxS = s.backward(), dxV = v.backward();
            close("output", s.layer.forward(s.input, s.h0, s.c0, s.lengths), v.layer.forward(v.input, v.h0, v.c0, v.lengths));
            close("h_n", s.layer.finalHidden(), v.layer.finalHidden());
            close("∂input", dxS, dxV);
            for (int i = 0; i < s.grads.tensors().size(); i++) {
                close(kind + " gradient " + i, s.grads.tensors().get(i), v.grads.tensors().get(i));
            }
        }
    }

    /**
     * An inference-only layer (one product per LSTM step, b_hh folded into the RNN and GRU projections,
     * one step's saved values) computes what a training layer computes, to the rounding of its sums, on
     * either backend; and it refuses backward.
     */
    @Property(tries = 60)
    void inferenceOnlyLayerMatchesTheTrainingLayer(@ForAll CellKind kind, @ForAll("size") int inputSize,
                                                   @ForAll("size") int hidden, @ForAll("steps") int steps,
                                                   @ForAll("batch") int batch, @ForAll boolean bias, @ForAll boolean lengths,
                                                   @ForAll boolean simd, @ForAll long seed) {
        Kernels k = simd ? Kernels.preferred() : Kernels.scalar();
        try (LayerFixture f = new LayerFixture(k, kind, steps, batch, inputSize, hidden, bias, lengths, seed);
             RecurrentLayer inference = new RecurrentLayer(k, kind.cell(inputSize, hidden), f.params, steps, batch, true)) {
            Matrix expected = f.layer.forward(f.input, f.h0, f.c0, f.lengths);
            close("output", expected, inference.forward(f.input, f.h0, f.c0, f.lengths));
            close("h_n", f.layer.finalHidden(), inference.finalHidden());
            if (kind.hasCellState()) {
                close("c_n", f.layer.finalCell(), inference.finalCell());
            }
            // new weights are used by the next call (they are copied and packed at every forward)
            for (Matrix m : f.params.tensors()) {
                k.scale(0.5f, m, m);
            }
            close("output with new weights", f.layer.forward(f.input, f.h0, f.c0, f.lengths),
                    inference.forward(f.input, f.h0, f.c0, f.lengths));
            // fewer steps than the layer was built for, from zero states
            int fewer = Math.max(1, steps / 2);
            Matrix head = f.input.sliceRows(0, fewer * batch);
            close("fewer steps from zeros", f.layer.forward(head, null, null, null), inference.forward(head, null, null, null));
            close("h_n after fewer steps", f.layer.finalHidden(), inference.finalHidden());
            if (kind.hasCellState()) {
                close("c_n after fewer steps", f.layer.finalCell(), inference.finalCell());
            }
            Matrix dOut = Matrix.allocate(f.arena, steps * batch, hidden);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> inference.backward(dOut, null, null, f.grads, null));
            assertTrue(e.getMessage().contains("inference-only"), e.getMessage());
            assertThrows(IllegalStateException.class, inference::initialHiddenGradient);
        }
    }

    @Provide
    Arbitrary<Integer> steps() {
        return Arbitraries.integers().between(1, 12);
    }

    @Provide
    Arbitrary<Integer> batch() {
        return Arbitraries.of(1, 2, 5, 16);
    }

    private static void close(String what, Matrix expected, Matrix actual) {
        double diff = 0, norm = 0;
        for (int r = 0; r < expected.rows(); r++) {
            for (int c = 0; c < expected.cols(); c++) {
                double e = expected.get(r, c), a = actual.get(r, c);
                diff += (e - a) * (e - a);
                norm += e * e;
            }
        }
        assertTrue(Math.sqrt(diff) <= 1e-4 * Math.sqrt(norm) + 1e-6,
                what + ": ‖actual − expected‖ = " + Math.sqrt(diff) + " vs ‖expected‖ = " + Math.sqrt(norm));
    }
}
