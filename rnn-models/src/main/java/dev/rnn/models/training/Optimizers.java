package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.List;

/** Optimizers by the names the command line uses. */
public final class Optimizers {

    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("adam", "rmsprop", "adagrad", "sgd");

    private Optimizers() {
    }

    static void check(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown optimizer '" + name + "', expected one of " + NAMES);
        }
    }

    /** Adam (PyTorch defaults), RMSprop (α 0.99), Adagrad, or SGD with momentum 0.9. */
    public static Optimizer create(String name, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate) {
        return create(name, Kernels.preferred(), arena, params, grads, learningRate);
    }

    /** As {@link #create(String, Arena, List, List, double)}, updating with {@code kernels}. */
    public static Optimizer create(String name, Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads,
                                   double learningRate) {
        check(name);
        return switch (name) {
            case "adam" -> Adam.withDefaults(kernels, arena, params, grads, learningRate);
            case "rmsprop" -> new RmsProp(kernels, arena, params, grads, learningRate, 0.99);
            case "adagrad" -> new Adagrad(kernels, arena, params, grads, learningRate);
            default -> new Sgd(kernels, arena, params, grads, learningRate, 0.9, false);
        };
    }
}
