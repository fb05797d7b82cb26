package dev.rnn.core.cells;

/** What every cell carries besides its arithmetic: its kind, input size I and hidden size H. */
abstract class SizedCell implements RecurrentCell {

    private final CellKind kind;
    private final int inputSize;
    private final int hiddenSize;

    SizedCell(CellKind kind, int inputSize, int hiddenSize) {
        if (inputSize < 1 || hiddenSize < 1) {
            throw new IllegalArgumentException("input and hidden sizes must be ≥ 1, found " + inputSize + " and " + hiddenSize);
        }
        this.kind = kind;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
    }

    @Override
    public final CellKind kind() {
        return kind;
    }

    @Override
    public final int inputSize() {
        return inputSize;
    }

    @Override
    public final int hiddenSize() {
        return hiddenSize;
    }
}
