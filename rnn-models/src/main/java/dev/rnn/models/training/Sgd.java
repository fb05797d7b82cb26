package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Stochastic gradient descent as {@code torch.optim.SGD} (dampening 0): with momentum μ,
 * buf ← μ·buf + g (buf = g at the first step), then p ← p − lr·(g + μ·buf) with Nesterov or
 * p ← p − lr·buf without; plain p ← p − lr·g when μ = 0.
 */
public final class Sgd extends Optimizer {

    private final Kernels kernels;
    private final double momentum;
    private final boolean nesterov;
    private final List<Matrix> buffers = new ArrayList<>();

    public Sgd(Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate, double momentum, boolean nesterov) {
        this(Kernels.preferred(), arena, params, grads, learningRate, momentum, nesterov);
    }

    /** As above, updating with {@code kernels} ({@link Kernels#sgdUpdate}: the same bits from every backend). */
    public Sgd(Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate, double momentum,
               boolean nesterov) {
        super(params, grads, learningRate);
        this.kernels = kernels;
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), found " + momentum);
        }
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
        }
        this.momentum = momentum;
        this.nesterov = nesterov;
        if (momentum > 0) {
            for (Matrix p : params) {
                buffers.add(Matrix.allocate(arena, p.rows(), p.cols()));
            }
        }
    }

    @Override
    public List<Matrix> state() {
        return List.copyOf(buffers);
    }

    @Override
    protected void update(long t) {
        boolean started = t > 1;
        float lr = (float) learningRate(), mu = (float) momentum;
        for (int i = 0; i < params.size(); i++) {
            kernels.sgdUpdate(params.get(i), grads.get(i), momentum > 0 ? buffers.get(i) : null, lr, mu, !started, nesterov);
        }
    }
}
