package dev.rnn.core.cells;

/** The recurrent cells, named as PyTorch names its modes, with the number of gate blocks G in their weights. */
public enum CellKind {
    /** Elman RNN, h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh). */
    RNN_TANH(1),
    /** Elman RNN with ReLU in place of tanh. */
    RNN_RELU(1),
    /** LSTM, gate blocks i, f, g, o. */
    LSTM(4),
    /** GRU, gate blocks r, z, n. */
    GRU(3);

    private final int gates;

    CellKind(int gates) {
        this.gates = gates;
    }

    /** G: weight_ih is G·H×I and weight_hh is G·H×H. */
    public int gates() {
        return gates;
    }

    /** Whether the cell carries a cell state c besides h (LSTM). */
    public boolean hasCellState() {
        return this == LSTM;
    }

    /** A new cell of this kind for the given sizes. */
    public RecurrentCell cell(int inputSize, int hiddenSize) {
        return switch (this) {
            case RNN_TANH, RNN_RELU -> new ElmanCell(this, inputSize, hiddenSize);
            case LSTM -> new LstmCell(inputSize, hiddenSize);
            case GRU -> new GruCell(inputSize, hiddenSize);
        };
    }
}
