package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.models.layers.RecurrentLayer;
import java.lang.foreign.Arena;

/**
 * Truncated backpropagation through time, as char-rnn and DL4J train on long streams: the stream is
 * cut into chunks of at most k1 steps; each chunk runs forward from the state the previous chunk
 * ended in (carried without gradient), and backward through at most its last k2 steps. Truncation
 * cuts the backward flow only, never the forward one: the sub-networks are back-propagated
 * independently while the state runs on. With k1 = k2 ≥ T it is full BPTT.
 *
 * <p>This class runs one layer so; {@link Lengths} is the setting a task's training takes (the
 * language model's {@code CharLanguageModelTraining}).
 */
public final class TruncatedBptt implements AutoCloseable {

    /**
     * k1, the steps run forward between updates (a chunk), and k2 ≤ k1, the steps each update
     * back-propagates through, counted back from the chunk's end: the outputs of the first k1 − k2
     * steps of a chunk are constants of the graph. Immutable.
     */
    public record Lengths(int k1, int k2) {

        public Lengths {
            if (k1 < 1 || k2 < 1) {
                throw new IllegalArgumentException("truncated BPTT needs k1 ≥ 1 and k2 ≥ 1, found " + k1 + " and " + k2);
            }
            if (k2 > k1) {
                throw new IllegalArgumentException("truncated BPTT cannot go back further than it ran forward: k2 " + k2
                        + " > k1 " + k1);
            }
        }

        /** k1 = k2: every chunk back-propagated through whole. */
        public static Lengths of(int k) {
            return new Lengths(k, k);
        }

        /** "K1" or "K1,K2" (the command line's form). */
        public static Lengths parse(String text) {
            String[] parts = text.strip().split(",", -1);
            if (parts.length > 2) {
                throw new IllegalArgumentException("truncated BPTT is K1 or K1,K2, found '" + text + "'");
            }
            try {
                int k1 = Integer.parseInt(parts[0].strip());
                return new Lengths(k1, parts.length == 2 ? Integer.parseInt(parts[1].strip()) : k1);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("truncated BPTT is K1 or K1,K2 with whole numbers, found '" + text + "'");
            }
        }

        /** Whether every step of a chunk is back-propagated through. */
        public boolean whole() {
            return k2 == k1;
        }

        @Override
        public String toString() {
            return k1 + "," + k2;
        }
    }

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
