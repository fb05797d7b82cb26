package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;

/**
 * Moves states between the encoder's layout, (L·dirs·B)×H with each level's directions in turn, and
 * the decoder's, (L·B)×D with D = dirs·H: decoder level l starts from encoder level l's final states,
 * its directions side by side. The same map carries gradients back.
 */
final class Seq2SeqBridge {

    private Seq2SeqBridge() {
    }

    static void toDecoder(Matrix encoder, Matrix decoder, int layers, int dirs, int batch, int hidden) {
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dirs; d++) {
                decoder.sliceRows(l * batch, (l + 1) * batch).sliceCols(d * hidden, (d + 1) * hidden)
                        .copyFrom(encoder.sliceRows((l * dirs + d) * batch, (l * dirs + d + 1) * batch));
            }
        }
    }

    static void toEncoder(Matrix decoder, Matrix encoder, int layers, int dirs, int batch, int hidden) {
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dirs; d++) {
                encoder.sliceRows((l * dirs + d) * batch, (l * dirs + d + 1) * batch)
                        .copyFrom(decoder.sliceRows(l * batch, (l + 1) * batch).sliceCols(d * hidden, (d + 1) * hidden));
            }
        }
    }

    /** out (T·B)×(a + b): rows t·B + b are [left row; right row b] with right given per sequence (B rows). */
    static void joinPerStep(Matrix left, Matrix perSequence, Matrix out, int batch) {
        int a = left.cols(), steps = left.rows() / batch;
        out.sliceCols(0, a).copyFrom(left);
        for (int t = 0; t < steps; t++) {
            out.sliceRows(t * batch, (t + 1) * batch).sliceCols(a, out.cols()).copyFrom(perSequence);
        }
    }

    /** Adds Σ_t rows t·B + b of {@code grad}'s columns [from, to) into row b of {@code perSequence}. */
    static void sumPerSequence(Matrix grad, int from, int to, Matrix perSequence, int batch, dev.rnn.core.kernels.Kernels k) {
        int steps = grad.rows() / batch;
        for (int t = 0; t < steps; t++) {
            Matrix block = grad.sliceRows(t * batch, (t + 1) * batch).sliceCols(from, to);
            k.add(perSequence, block, perSequence);
        }
    }
}
