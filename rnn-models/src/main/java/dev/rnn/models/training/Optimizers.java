package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.List;

/** Optimizers from an {@link OptimizerSpec} or by the names the command line uses. */
public final class Optimizers {

    /** The names {@link #create(String, Arena, List, List, double)} accepts. */
    public static final List<String> NAMES = OptimizerSpec.NAMES;

    private Optimizers() {
    }

    /** The optimizer of that name with its defaults ({@link OptimizerSpec#named}). */
    public static Optimizer create(String name, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate) {
        return create(OptimizerSpec.named(name), Kernels.preferred(), arena, params, grads, learningRate);
    }

    /** As {@link #create(String, Arena, List, List, double)}, updating with {@code kernels}. */
    public static Optimizer create(String name, Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads,
                                   double learningRate) {
        return create(OptimizerSpec.named(name), kernels, arena, params, grads, learningRate);
    }

    /** The optimizer {@code spec} describes, updating with {@code kernels}. */
    public static Optimizer create(OptimizerSpec spec, Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads,
                                   double learningRate) {
        return switch (spec) {
            case OptimizerSpec.Sgd s -> new Sgd(kernels, arena, params, grads, learningRate, s.momentum(), s.nesterov());
            case OptimizerSpec.Adagrad a -> new Adagrad(kernels, arena, params, grads, learningRate);
            case OptimizerSpec.RmsProp r -> new RmsProp(kernels, arena, params, grads, learningRate, r.alpha());
            case OptimizerSpec.Adam a -> new Adam(kernels, arena, params, grads, learningRate, a.beta1(), a.beta2(), a.eps(), 0);
            case OptimizerSpec.AdamW a -> new Adam(kernels, arena, params, grads, learningRate, a.beta1(), a.beta2(), a.eps(),
                    a.weightDecay());
        };
    }
}
