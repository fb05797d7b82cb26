package dev.rnn.models.tasks;

import dev.rnn.core.cells.CellKind;
import java.util.Locale;

/** Cell kinds by the names the command line and model metadata use: lstm, gru, rnn (tanh), rnn-relu. */
public final class CellNames {

    private CellNames() {
    }

    /** The cell kind by its command-line name: lstm, gru, rnn (tanh) or rnn-relu. */
    public static CellKind parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "lstm" -> CellKind.LSTM;
            case "gru" -> CellKind.GRU;
            case "rnn", "rnn-tanh", "rnn_tanh" -> CellKind.RNN_TANH;
            case "rnn-relu", "rnn_relu" -> CellKind.RNN_RELU;
            default -> throw new IllegalArgumentException("unknown cell '" + name + "', expected lstm, gru, rnn or rnn-relu");
        };
    }

    /** The command-line name of a cell kind. */
    public static String name(CellKind kind) {
        return switch (kind) {
            case LSTM -> "lstm";
            case GRU -> "gru";
            case RNN_TANH -> "rnn";
            case RNN_RELU -> "rnn-relu";
        };
    }
}
