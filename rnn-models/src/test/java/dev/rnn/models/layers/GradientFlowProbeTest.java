package dev.rnn.models.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class GradientFlowProbeTest {

    /**
     * The seeds' example: ‖W‖ = 0.7 and an activation gradient of 0.2 give (0.7·0.2)¹⁰ = 2.89e-9 after
     * ten words. Here it holds exactly: W_hh = 0.7·Q with Q orthogonal, and b_hh makes h* = √0.8 in every
     * unit a fixed point, where tanh' = 1 − 0.8 = 0.2; each step back multiplies ‖∂E/∂h‖ by 0.14.
     */
    @Test
    void elmanGradientDecaysAsTheSeedsSay() {
        int h = 8, steps = 10, batch = 2;
        Kernels k = Kernels.preferred();
        try (Arena arena = Arena.ofConfined()) {
            CellParameters p = CellParameters.allocate(arena, CellKind.RNN_TANH, 3, h, true);
            new Initializers(3).orthogonal(p.weightHh());
            k.scale(0.7f, p.weightHh(), p.weightHh());
            float hStar = (float) Math.sqrt(0.8), aStar = (float) (0.5 * Math.log((1 + hStar) / (1 - hStar)));
            for (int i = 0; i < h; i++) {
                float wh = 0;
                for (int j = 0; j < h; j++) {
                    wh += p.weightHh().get(i, j) * hStar;
                }
                p.biasHh().set(0, i, aStar - wh);
            }
            Matrix h0 = Matrix.allocate(arena, batch, h);
            h0.fill(hStar);
            Matrix dhLast = Matrix.allocate(arena, batch, h);
            dhLast.fill(1f);
            try (RecurrentLayer layer = new RecurrentLayer(k, CellKind.RNN_TANH.cell(3, h), p, steps, batch)) {
                double[] norms = GradientFlowProbe.normsByDistance(layer, Matrix.allocate(arena, steps * batch, 3), h0, null, dhLast);
                for (int d = 1; d <= steps; d++) {
                    // float rounding of tanh' and of W's orthogonality: ~1e-6 per step
                    assertEquals(0.14, norms[d] / norms[d - 1], 1e-4, "ratio at distance " + d);
                }
                assertEquals(2.89e-9, norms[steps] / norms[0], 0.01e-9, "(0.7·0.2)^10");
            }
        }
    }

    /** With the same small recurrent weights and inputs, an LSTM's gradient reaches much further back than an Elman RNN's. */
    @Test
    void lstmCarriesGradientsFurtherThanAVanillaRnn() {
        int h = 16, steps = 30, batch = 4;
        Kernels k = Kernels.preferred();
        double rnn = ratio(k, CellKind.RNN_TANH, h, steps, batch), lstm = ratio(k, CellKind.LSTM, h, steps, batch);
        assertTrue(lstm > 1e3 * rnn, "‖∂E/∂h_0‖/‖∂E/∂h_T‖: LSTM " + lstm + " vs RNN " + rnn);
    }

    private static double ratio(Kernels k, CellKind kind, int h, int steps, int batch) {
        try (Arena arena = Arena.ofConfined()) {
            CellParameters p = CellParameters.allocate(arena, kind, h, h, true);
            Initializers init = new Initializers(9);
            init.pytorchDefault(p);
            if (kind == CellKind.LSTM) {
                Initializers.forgetGateBias(p, 3f);
            }
            Matrix x = Matrix.allocate(arena, steps * batch, h);
            init.uniform(x, 1.0);
            Matrix dhLast = Matrix.allocate(arena, batch, h);
            dhLast.fill(1f);
            try (RecurrentLayer layer = new RecurrentLayer(k, kind.cell(h, h), p, steps, batch)) {
                double[] norms = GradientFlowProbe.normsByDistance(layer, x, null, null, dhLast);
                return norms[steps] / norms[0];
            }
        }
    }
}
