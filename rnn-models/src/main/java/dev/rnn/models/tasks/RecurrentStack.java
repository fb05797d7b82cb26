package dev.rnn.models.tasks;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.Matrix;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.layers.TensorSource;
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

    /**
     * The stack whose tensors come from {@code source} under PyTorch's names after {@code prefix}
     * ({@code weight_ih_l0}, …, {@code _reverse} for backward directions), in the order
     * {@link dev.rnn.models.training.ParameterSet#addRecurrent} gives them; grads are null when the
     * source has no gradients.
     */
    static RecurrentStack of(TensorSource source, String prefix, CellKind kind, int input, int hidden, int layers,
                             boolean bidirectional) {
        if (layers < 1 || hidden < 1 || input < 1) {
            throw new IllegalArgumentException("a recurrent stack needs layers, hidden and input ≥ 1, found " + layers + ", "
                    + hidden + " and " + input);
        }
        List<StackedLayers.Level> params = new ArrayList<>(), grads = new ArrayList<>();
        boolean withGradients = true;
        int in = input;
        for (int l = 0; l < layers; l++) {
            CellParameters[] f = cell(source, prefix, "_l" + l, kind, in, hidden);
            CellParameters[] b = bidirectional ? cell(source, prefix, "_l" + l + "_reverse", kind, in, hidden) : null;
            params.add(new StackedLayers.Level(f[0], b == null ? null : b[0]));
            withGradients &= f[1] != null;
            grads.add(f[1] == null ? null : new StackedLayers.Level(f[1], b == null ? null : b[1]));
            in = bidirectional ? 2 * hidden : hidden;
        }
        return new RecurrentStack(params, withGradients ? grads : null);
    }

    /** One direction's parameters and gradients (null without). */
    private static CellParameters[] cell(TensorSource source, String prefix, String suffix, CellKind kind, int in, int hidden) {
        int g = kind.gates() * hidden;
        String ih = prefix + "weight_ih" + suffix, hh = prefix + "weight_hh" + suffix;
        String bih = prefix + "bias_ih" + suffix, bhh = prefix + "bias_hh" + suffix;
        CellParameters p = CellParameters.of(kind, source.tensor(ih, g, in, false), source.tensor(hh, g, hidden, false),
                source.tensor(bih, 1, g, true), source.tensor(bhh, 1, g, true));
        Matrix dih = source.gradient(ih);
        CellParameters d = dih == null ? null
                : CellParameters.of(kind, dih, source.gradient(hh), source.gradient(bih), source.gradient(bhh));
        return new CellParameters[] {p, d};
    }

    /** Whether the stack has gradients (false for an inference-only one). */
    boolean trainable() {
        return grads != null;
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
