package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import java.lang.foreign.Arena;

/**
 * Measures how far gradients reach back in time, the seeds' central argument: for a loss E_T that
 * depends only on the last state, ‖∂E_T/∂h_k‖ as a function of the distance T − k. A vanilla RNN's
 * curve falls (or rises) geometrically with ‖W_hh‖·|act'|; LSTM and GRU carry it further.
 */
public final class GradientFlowProbe {

    private GradientFlowProbe() {
    }

    /**
     * Runs {@code layer} over {@code input} ((T·B)×I) from h0 and c0 (null for zeros), then backward
     * from ∂E_T/∂h_T = {@code dhLast} (B×H) with no other loss. Returns norms[d] = ‖∂E_T/∂h_{T−d}‖ for
     * d = 0 … T (Frobenius norm over the batch). The layer's parameter gradients are not kept.
     */
    public static double[] normsByDistance(RecurrentLayer layer, Matrix input, Matrix h0, Matrix c0, Matrix dhLast) {
        layer.forward(input, h0, c0, null);
        int steps = input.rows() / dhLast.rows();
        double[] byStep = new double[steps + 1];
        try (Arena arena = Arena.ofConfined()) {
            CellParameters scratch = layer.parameters().zerosLike(arena);
            layer.backward(null, dhLast, null, scratch, null, byStep);
        }
        double[] byDistance = new double[steps + 1];
        for (int d = 0; d <= steps; d++) {
            byDistance[d] = byStep[steps - d];
        }
        return byDistance;
    }
}
