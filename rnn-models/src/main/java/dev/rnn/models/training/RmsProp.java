package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/** RMSprop as {@code torch.optim.RMSprop}: v ← α·v + (1 − α)·g², p ← p − lr·g / (√v + ε); α = 0.99, ε = 1e-8. */
public final class RmsProp extends Optimizer {

    private final Kernels kernels;
    private final float alpha;
    private final float eps = 1e-8f;
    private final List<Matrix> squares = new ArrayList<>();

    public RmsProp(Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate, double alpha) {
        this(Kernels.preferred(), arena, params, grads, learningRate, alpha);
    }

    /** As above, updating with {@code kernels} ({@link Kernels#rmsPropUpdate}: the same bits from every backend). */
    public RmsProp(Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate, double alpha) {
        super(params, grads, learningRate);
        this.kernels = kernels;
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1), found " + alpha);
        }
        this.alpha = (float) alpha;
        for (Matrix p : params) {
            squares.add(Matrix.allocate(arena, p.rows(), p.cols()));
        }
    }

    @Override
    public List<Matrix> state() {
        return List.copyOf(squares);
    }

    @Override
    protected void update(long t) {
        float lr = (float) learningRate();
        for (int i = 0; i < params.size(); i++) {
            kernels.rmsPropUpdate(params.get(i), grads.get(i), squares.get(i), alpha, 1 - alpha, lr, eps);
        }
    }
}
