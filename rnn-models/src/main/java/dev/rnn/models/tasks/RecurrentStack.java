package dev.rnn.models.tasks;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of a recurrent stack and their gradients, allocated together: {@code layers}
 * levels of one cell kind and hidden size H, one- or bidirectional (a bidirectional level outputs
 * 2·H, which the next level reads).
 */
record RecurrentStack(List<StackedLayers.Level> params, List<StackedLayers.Level> grads) {

    static RecurrentStack allocate(Arena arena, CellKind kind, int input, int hidden, int layers, boolean bidirectional) {
        if (layers < 1 || hidden < 1 || input < 1) {
            throw new IllegalArgumentException("a recurrent stack needs layers, hidden and input ≥ 1, found " + layers + ", "
                    + hidden + " and " + input);
        }
        List<StackedLayers.Level> params = new ArrayList<>(), grads = new ArrayList<>();
        int in = input;
        for (int l = 0; l < layers; l++) {
            CellParameters f = CellParameters.allocate(arena, kind, in, hidden, true);
            CellParameters b = bidirectional ? CellParameters.allocate(arena, kind, in, hidden, true) : null;
            params.add(new StackedLayers.Level(f, b));
            grads.add(new StackedLayers.Level(f.zerosLike(arena), bidirectional ? b.zerosLike(arena) : null));
            in = bidirectional ? 2 * hidden : hidden;
        }
        return new RecurrentStack(params, grads);
    }

    /** PyTorch's default initialisation, with the LSTM forget-gate bias at 1. */
    void initialise(Initializers init) {
        for (StackedLayers.Level level : params) {
            for (CellParameters p : level.bidirectional()
                    ? List.of(level.forwardParams(), level.backwardParams()) : List.of(level.forwardParams())) {
                init.pytorchDefault(p);
                if (p.kind() == CellKind.LSTM) {
                    Initializers.forgetGateBias(p, 1f);
                }
            }
        }
    }

    int outputSize() {
        StackedLayers.Level top = params.get(params.size() - 1);
        return (top.bidirectional() ? 2 : 1) * top.forwardParams().hiddenSize();
    }
}
