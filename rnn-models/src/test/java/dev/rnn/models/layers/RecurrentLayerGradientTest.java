package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.GradientCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backpropagation through time against central differences, for every cell, with and without bias,
 * with and without per-sequence lengths, for every parameter, the input and the initial states.
 *
 * <p>Each check compares the directional derivative along a random direction V, Σ grad⊙V, with
 * (loss(θ + εV) − loss(θ − εV)) / 2ε for ε = 1e-2. The truncation error is ε²/6·|f'''| ≈ 2e-5·|f'''|;
 * the forward pass is float, so each loss carries rounding of about T·(I + H)·2⁻²⁴ relative per term,
 * which the division by 2ε amplifies to ~1e-4 of the loss's magnitude (≤ 30 here). Hence the bound
 * |analytic − numeric| ≤ 1e-2·max(|analytic|, |numeric|) + 5e-3. ReLU has a kink at 0, and a step
 * of 1e-2 along a direction that moves every weight crosses it for several of the pre-activations;
 * ReLU cells therefore use ε = 1e-3 (ten times fewer crossings, and rounding noise still below the
 * bound: ~1e-3 of the loss).
 */
class RecurrentLayerGradientTest {

    static List<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (CellKind kind : CellKind.values()) {
            for (boolean bias : new boolean[] {true, false}) {
                for (boolean lengths : new boolean[] {false, true}) {
                    all.add(Arguments.of(kind, bias, lengths));
                }
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0} bias={1} lengths={2}")
    @MethodSource("cases")
    void gradientsMatchCentralDifferences(CellKind kind, boolean bias, boolean lengths) {
        for (Kernels kernels : new Kernels[] {Kernels.scalar(), Kernels.preferred()}) {
            try (LayerFixture f = new LayerFixture(kernels, kind, 5, 3, 4, 6, bias, lengths, 42 + kind.ordinal())) {
                Matrix dInput = f.backward();
                Random rnd = new Random(7);
                List<Matrix> targets = new ArrayList<>(f.params.tensors());
                List<Matrix> gradients = new ArrayList<>(f.grads.tensors());
                List<String> names = new ArrayList<>(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh").subList(0, targets.size()));
                targets.add(f.input);
                gradients.add(dInput);
                names.add("input");
                targets.add(f.h0);
                gradients.add(copy(f, f.layer.initialHiddenGradient()));
                names.add("h0");
                if (f.c0 != null) {
                    targets.add(f.c0);
                    gradients.add(copy(f, f.layer.initialCellGradient()));
                    names.add("c0");
                }
                for (int i = 0; i < targets.size(); i++) {
                    GradientCheck.directional(kernels.name() + " " + kind + " " + names.get(i), targets.get(i),
                            gradients.get(i), f::loss, rnd, kind == CellKind.RNN_RELU ? 1e-3f : 1e-2f);
                }
            }
        }
    }

    private static Matrix copy(LayerFixture f, Matrix m) {
        Matrix c = Matrix.allocate(f.arena, m.rows(), m.cols());
        c.copyFrom(m);
        return c;
    }
}
