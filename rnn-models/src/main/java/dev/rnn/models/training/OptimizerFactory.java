package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * Makes the optimizer a {@link Trainer} updates with, bound to the trainable parameters and their
 * gradients (same order, same shapes), its state allocated in {@code arena}, which the trainer owns
 * for the run. For example, SGD with Nesterov momentum:
 * {@code (k, arena, p, g, lr) -> new Sgd(k, arena, p, g, lr, 0.9, true)}. The built-in optimizers are
 * {@link OptimizerSpec}s.
 */
@FunctionalInterface
public interface OptimizerFactory {

    Optimizer create(Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate);

    /** The optimizer the command line names, with its defaults ({@link OptimizerSpec#named}). */
    static OptimizerFactory named(String name) {
        return OptimizerSpec.named(name);
    }
}
