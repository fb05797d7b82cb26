package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.models.layers.RecurrentLayer;
import java.lang.foreign.Arena;

/**
 * Truncated backpropagation through time, as char-rnn and DL4J train on long streams: the stream is
 * cut into chunks of at most k1 steps; each chunk runs forward from the state the previous chunk
 * ended in (carried without gradient), and backward through at most its last k2 steps. With
 * k1 = k2 ≥ T it is full BPTT.
 */
public final class TruncatedBptt implements AutoCloseable {

    private final RecurrentLayer layer;
    private final int k2;
    private final Arena arena = Arena.ofConfined();
    private final Matrix h;
    private final Matrix c;
    private boolean fresh = true;

    /** {@code layer} must hold chunks of k1 steps (its maxSteps ≥ k1); k2 ≤ k1 limits the steps back. */
    public TruncatedBptt(RecurrentLayer layer, int batch, int k2) {
        if (k2 < 1) {
            throw new IllegalArgumentException("k2 must be ≥ 1, found " + k2);
        }
        this.layer = layer;
        this.k2 = k2;
        int hidden = layer.cell().hiddenSize();
        this.h = Matrix.allocate(arena, batch, hidden);
        this.c = layer.cell().kind().hasCellState() ? Matrix.allocate(arena, batch, hidden) : null;
    }

    /** Starts the next chunk from zero states (a new stream). */
    public void resetState() {
        fresh = true;
    }

    /** Forward over one chunk ((steps·B)×I, steps ≤ k1) from the carried state; returns its output. */
    public Matrix forward(Matrix chunk) {
        Matrix out = layer.forward(chunk, fresh ? null : h, fresh || c == null ? null : c, null);
        h.copyFrom(layer.finalHidden());
        if (c != null) {
            c.copyFrom(layer.finalCell());
        }
        fresh = false;
        return out;
    }

    /** Backward of the chunk just run, through at most k2 steps; adds into {@code grads}, writes dInput unless null. */
    public void backward(Matrix dOutput, CellParameters grads, Matrix dInput) {
        layer.backward(dOutput, null, null, grads, dInput, null, k2);
    }

    @Override
    public void close() {
        arena.close();
    }
}
