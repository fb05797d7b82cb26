package dev.rnn.core.cells;

import dev.rnn.core.Matrix;
import dev.rnn.core.Shapes;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The parameters of one cell (one direction of one layer) in PyTorch's layout, so that a
 * {@code state_dict} loads unchanged: {@code weightIh} is G·H×I, {@code weightHh} is G·H×H, and the
 * optional {@code biasIh}, {@code biasHh} are 1×G·H, with the gate blocks stacked in PyTorch's order
 * (LSTM i, f, g, o; GRU r, z, n). Gradients use the same class and shapes.
 */
public final class CellParameters {

    private final CellKind kind;
    private final int inputSize;
    private final int hiddenSize;
    private final Matrix weightIh;
    private final Matrix weightHh;
    private final Matrix biasIh;
    private final Matrix biasHh;

    private CellParameters(CellKind kind, int inputSize, int hiddenSize, Matrix weightIh, Matrix weightHh,
                           Matrix biasIh, Matrix biasHh) {
        this.kind = kind;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.weightIh = weightIh;
        this.weightHh = weightHh;
        this.biasIh = biasIh;
        this.biasHh = biasHh;
    }

    /** Zeroed parameters owned by {@code arena}. */
    public static CellParameters allocate(Arena arena, CellKind kind, int inputSize, int hiddenSize, boolean bias) {
        if (inputSize < 1 || hiddenSize < 1) {
            throw new IllegalArgumentException("input and hidden sizes must be ≥ 1, found " + inputSize + " and " + hiddenSize);
        }
        int g = kind.gates() * hiddenSize;
        return new CellParameters(kind, inputSize, hiddenSize,
                Matrix.allocate(arena, g, inputSize), Matrix.allocate(arena, g, hiddenSize),
                bias ? Matrix.vector(arena, g) : null, bias ? Matrix.vector(arena, g) : null);
    }

    /**
     * Parameters over existing matrices (for example tensors mapped from a model file), used as they
     * are, not copied. Shapes must be G·H×I, G·H×H and 1×G·H; the biases are both given or both null.
     */
    public static CellParameters of(CellKind kind, Matrix weightIh, Matrix weightHh, Matrix biasIh, Matrix biasHh) {
        int hidden = weightHh.cols(), input = weightIh.cols(), g = kind.gates() * hidden;
        if (hidden < 1 || input < 1) {
            throw new IllegalArgumentException("input and hidden sizes must be ≥ 1, found " + input + " and " + hidden);
        }
        Shapes.require("weight_ih", weightIh, g, input);
        Shapes.require("weight_hh", weightHh, g, hidden);
        if ((biasIh == null) != (biasHh == null)) {
            throw new IllegalArgumentException("bias_ih and bias_hh must both be given or both be absent");
        }
        if (biasIh != null) {
            Shapes.require("bias_ih", biasIh, 1, g);
            Shapes.require("bias_hh", biasHh, 1, g);
        }
        return new CellParameters(kind, input, hidden, weightIh, weightHh, biasIh, biasHh);
    }

    /** Zeroed parameters of the same kind, sizes and bias, for example to hold gradients. */
    public CellParameters zerosLike(Arena arena) {
        return allocate(arena, kind, inputSize, hiddenSize, hasBias());
    }

    public CellKind kind() {
        return kind;
    }

    public int inputSize() {
        return inputSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public boolean hasBias() {
        return biasIh != null;
    }

    /** G·H×I. */
    public Matrix weightIh() {
        return weightIh;
    }

    /** G·H×H. */
    public Matrix weightHh() {
        return weightHh;
    }

    /** 1×G·H, or null without bias. */
    public Matrix biasIh() {
        return biasIh;
    }

    /** 1×G·H, or null without bias. */
    public Matrix biasHh() {
        return biasHh;
    }

    /** Every parameter matrix, in PyTorch's order: weight_ih, weight_hh, bias_ih, bias_hh. */
    public List<Matrix> tensors() {
        List<Matrix> all = new ArrayList<>(4);
        all.add(weightIh);
        all.add(weightHh);
        if (hasBias()) {
            all.add(biasIh);
            all.add(biasHh);
        }
        return Collections.unmodifiableList(all);
    }

    /** Sets every parameter to 0 (before accumulating gradients). */
    public void zero() {
        for (Matrix m : tensors()) {
            m.fill(0f);
        }
    }
}
