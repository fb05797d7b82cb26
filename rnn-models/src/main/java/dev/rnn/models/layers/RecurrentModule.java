package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * Inference through a recurrent stack with the interface of PyTorch's {@code nn.RNN}, {@code nn.LSTM}
 * and {@code nn.GRU}: {@code output, h_n[, c_n] = module(input, h0[, c0])}, optionally with
 * per-sequence lengths as {@code pack_padded_sequence(enforce_sorted=False)} followed by
 * {@code pad_packed_sequence(total_length=T)} gives them.
 *
 * <p>Layouts (time-major, PyTorch's default, flattened): input (T·B)×I; output (T·B)×D·H, zero past
 * each sequence's length; h0, c0, h_n, c_n (L·D·B)×H with L levels and D directions. Buffers grow to
 * the largest T and B seen and are reused; results stay valid until the next call. Not thread-safe.
 */
public final class RecurrentModule implements AutoCloseable {

    /** The outputs of one call: output ((T·B)×D·H), h_n and c_n ((L·D·B)×H; c_n null unless LSTM). */
    public record Result(Matrix output, Matrix hN, Matrix cN) {
    }

    private final Kernels kernels;
    private final List<StackedLayers.Level> levels;
    private final CellKind kind;
    private final int hidden;
    private StackedLayers stack;
    private Arena stateArena;
    private Matrix hN, cN;
    private int maxSteps, batch;

    /** A module over {@code levels}, all of one cell kind and hidden size, merged by concatenation. */
    public RecurrentModule(Kernels kernels, List<StackedLayers.Level> levels) {
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("a module needs at least one level");
        }
        this.kernels = kernels;
        this.levels = List.copyOf(levels);
        this.kind = levels.get(0).forwardParams().kind();
        this.hidden = levels.get(0).forwardParams().hiddenSize();
        for (StackedLayers.Level l : levels) {
            if (l.forwardParams().kind() != kind || l.forwardParams().hiddenSize() != hidden) {
                throw new IllegalArgumentException("every level must be " + kind + " with hidden size " + hidden);
            }
        }
    }

    public int inputSize() {
        return levels.get(0).forwardParams().inputSize();
    }

    public int hiddenSize() {
        return hidden;
    }

    /** L·D: the number of B×H blocks in h0 and h_n. */
    public int stateCount() {
        int n = 0;
        for (StackedLayers.Level l : levels) {
            n += l.bidirectional() ? 2 : 1;
        }
        return n;
    }

    /** D·H, the output's width. */
    public int outputSize() {
        return (levels.get(levels.size() - 1).bidirectional() ? 2 : 1) * hidden;
    }

    /**
     * Runs the module over {@code input} ((T·B)×I for the given B); h0 and c0 may be null (zeros);
     * lengths null (every sequence has T steps) or B values in 1..T.
     */
    public Result forward(Matrix input, int batch, Matrix h0, Matrix c0, int[] lengths) {
        if (batch < 1 || input.rows() % batch != 0 || input.rows() == 0) {
            throw new IllegalArgumentException("input " + input.shape() + " does not hold T ≥ 1 steps of " + batch + " sequences");
        }
        if (c0 != null && !kind.hasCellState()) {
            throw new IllegalArgumentException("c0 given for " + kind + ", which has no cell state");
        }
        int steps = input.rows() / batch;
        ensureCapacity(steps, batch);
        Matrix out = stack.forward(input, h0, c0, lengths, false);
        stack.finalStates(hN, cN);
        return new Result(out, hN, cN);
    }

    private void ensureCapacity(int steps, int b) {
        if (stack != null && b == batch && steps <= maxSteps) {
            return;
        }
        close();
        maxSteps = Math.max(steps, b == batch ? maxSteps : 0);
        batch = b;
        stack = StackedLayers.forInference(kernels, levels, MergeMode.CONCAT, maxSteps, batch);
        stateArena = Arena.ofShared();
        hN = Matrix.allocate(stateArena, stateCount() * batch, hidden);
        cN = kind.hasCellState() ? Matrix.allocate(stateArena, stateCount() * batch, hidden) : null;
    }

    @Override
    public void close() {
        if (stack != null) {
            stack.close();
            stateArena.close();
            stack = null;
        }
    }
}
