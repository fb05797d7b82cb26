package dev.rnn.bench;

import dev.rnn.core.cells.CellKind;

/** The cell names the benchmarks take as a {@code cell} parameter. */
final class BenchCells {

    private BenchCells() {
    }

    /** rnn (tanh), lstm or gru. */
    static CellKind kind(String cell) {
        return switch (cell) {
            case "rnn" -> CellKind.RNN_TANH;
            case "lstm" -> CellKind.LSTM;
            case "gru" -> CellKind.GRU;
            default -> throw new IllegalArgumentException("cell must be rnn, lstm or gru, found " + cell);
        };
    }
}
