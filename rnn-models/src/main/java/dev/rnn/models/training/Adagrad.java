package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/** Adagrad as {@code torch.optim.Adagrad}: s ← s + g², p ← p − lr·g / (√s + ε), ε = 1e-10. */
public final class Adagrad extends Optimizer {

    private final Kernels kernels;
    private final List<Matrix> sums = new ArrayList<>();
    private final float eps = 1e-10f;

    public Adagrad(Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate) {
        this(Kernels.preferred(), arena, params, grads, learningRate);
    }

    /** As above, updating with {@code kernels} ({@link Kernels#rmsPropUpdate} with decay and rest 1: s ← s + g·g). */
    public Adagrad(Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate) {
        super(params, grads, learningRate);
        this.kernels = kernels;
        for (Matrix p : params) {
            sums.add(Matrix.allocate(arena, p.rows(), p.cols()));
        }
    }

    @Override
    public List<Matrix> state() {
        return List.copyOf(sums);
    }

    @Override
    protected void update(long t) {
        float lr = (float) learningRate();
        for (int i = 0; i < params.size(); i++) {
            kernels.rmsPropUpdate(params.get(i), grads.get(i), sums.get(i), 1f, 1f, lr, eps);
        }
    }
}
