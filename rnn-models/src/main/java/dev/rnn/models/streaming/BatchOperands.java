package dev.rnn.models.streaming;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.GemmOperand;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * A {@link StreamingModel}'s weights prepared once as right-hand operands of batched products
 * ({@link Kernels#prepareGemmOperand}), shared read-only by every {@link StreamBatch} of the model. Per
 * level: op(B) = [W_ih | W_hh]ᵀ, (I+H)×G·H; for GRU levels that covers the r and z rows only, (I+H)×2H,
 * with the candidate's input part W_inᵀ (I×H) and recurrent part W_hnᵀ (H×H) apart. The output layer:
 * Wᵀ, H×V.
 *
 * <p>The values are read back from the model's packed weights, so they are the F32 weights of an F32
 * model and the bfloat16-rounded weights, widened to float32, of a BF16 one: a batch multiplies by the
 * same values as a session. They are F32 whatever the model's format, about 4 bytes per weight (the
 * backend's layout; the SIMD one pads each operand's columns to its tile width), on the Java heap.
 */
final class BatchOperands {

    final GemmOperand[] weights;          // per level: [W_ih | W_hh]ᵀ, (I+H)×G·H; GRU: the r and z rows, (I+H)×2H
    final GemmOperand[] candidateInput;   // GRU levels: W_inᵀ, I×H; else null
    final GemmOperand[] candidateHidden;  // GRU levels: W_hnᵀ, H×H; else null
    final GemmOperand head;               // Wᵀ, H×V, or null

    private BatchOperands(GemmOperand[] weights, GemmOperand[] candidateInput, GemmOperand[] candidateHidden, GemmOperand head) {
        this.weights = weights;
        this.candidateInput = candidateInput;
        this.candidateHidden = candidateHidden;
        this.head = head;
    }

    static BatchOperands prepare(Kernels kernels, List<StreamingModel.Level> levels, PackedMatrix head) {
        int n = levels.size();
        GemmOperand[] weights = new GemmOperand[n], candidateInput = new GemmOperand[n], candidateHidden = new GemmOperand[n];
        for (int l = 0; l < n; l++) {
            StreamingModel.Level lv = levels.get(l);
            if (lv.kind() == CellKind.GRU) {
                weights[l] = prepare(kernels, lv.resetUpdate(), 0, 2);
                candidateInput[l] = prepare(kernels, lv.candidate(), 0, 1);
                candidateHidden[l] = prepare(kernels, lv.candidate(), 1, 2);
            } else {
                weights[l] = prepare(kernels, lv.weights(), 0, 2);
            }
        }
        return new BatchOperands(weights, candidateInput, candidateHidden, head == null ? null : prepare(kernels, head, 0, 1));
    }

    /**
     * Parts [fromPart, toPart) of w, unpadded and side by side (rows×Σ cols), prepared transposed. The
     * unpacked copy is freed at once: a batch multiplies with {@link Kernels#gemmBatchInvariant}, which
     * reads only the prepared copy.
     */
    private static GemmOperand prepare(Kernels kernels, PackedMatrix w, int fromPart, int toPart) {
        int cols = 0;
        for (int p = fromPart; p < toPart; p++) {
            cols += w.partCols(p);
        }
        try (Arena scratch = Arena.ofConfined()) {
            Matrix m = Matrix.allocate(scratch, w.rows(), cols);
            for (int p = fromPart, at = 0; p < toPart; at += w.partCols(p), p++) {
                int from = w.partOffset(p);
                for (int r = 0; r < w.rows(); r++) {
                    for (int c = 0; c < w.partCols(p); c++) {
                        m.set(r, at + c, w.get(r, from + c));
                    }
                }
            }
            return kernels.prepareGemmOperand(m, true, null);
        }
    }
}
