package dev.rnn.models.training;

import static dev.rnn.core.Matrix.FLOAT;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Adagrad as {@code torch.optim.Adagrad}: s ← s + g², p ← p − lr·g / (√s + ε), ε = 1e-10. */
public final class Adagrad extends Optimizer {

    private final List<Matrix> sums = new ArrayList<>();
    private final float eps = 1e-10f;

    public Adagrad(Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate) {
        super(params, grads, learningRate);
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
            MemorySegment p = params.get(i).segment(), g = grads.get(i).segment(), s = sums.get(i).segment();
            long n = params.get(i).size();
            for (long j = 0; j < n; j++) {
                long o = j * Float.BYTES;
                float gj = g.get(FLOAT, o), sj = s.get(FLOAT, o) + gj * gj;
                s.set(FLOAT, o, sj);
                p.set(FLOAT, o, p.get(FLOAT, o) - lr * gj / ((float) Math.sqrt(sj) + eps));
            }
        }
    }
}
