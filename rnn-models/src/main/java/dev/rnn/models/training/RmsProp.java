package dev.rnn.models.training;

import static dev.rnn.core.Matrix.FLOAT;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** RMSprop as {@code torch.optim.RMSprop}: v ← α·v + (1 − α)·g², p ← p − lr·g / (√v + ε); α = 0.99, ε = 1e-8. */
public final class RmsProp extends Optimizer {

    private final float alpha;
    private final float eps = 1e-8f;
    private final List<Matrix> squares = new ArrayList<>();

    public RmsProp(Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate, double alpha) {
        super(params, grads, learningRate);
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
            MemorySegment p = params.get(i).segment(), g = grads.get(i).segment(), v = squares.get(i).segment();
            long n = params.get(i).size();
            for (long j = 0; j < n; j++) {
                long o = j * Float.BYTES;
                float gj = g.get(FLOAT, o), vj = alpha * v.get(FLOAT, o) + (1 - alpha) * gj * gj;
                v.set(FLOAT, o, vj);
                p.set(FLOAT, o, p.get(FLOAT, o) - lr * gj / ((float) Math.sqrt(vj) + eps));
            }
        }
    }
}
