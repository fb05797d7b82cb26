package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.AdamStep;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam and AdamW as {@code torch.optim.Adam} / {@code AdamW}: m ← β1·m + (1 − β1)·g,
 * v ← β2·v + (1 − β2)·g², p ← p − lr·m̂ / (√v̂ + ε) with bias-corrected m̂ = m / (1 − β1ᵗ),
 * v̂ = v / (1 − β2ᵗ). AdamW first decays the parameters, p ← p·(1 − lr·λ), independently of the
 * gradient.
 */
public final class Adam extends Optimizer {

    private final Kernels kernels;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final List<Matrix> first = new ArrayList<>();
    private final List<Matrix> second = new ArrayList<>();

    /** Adam (weightDecay 0) or AdamW (weightDecay λ > 0), updating with {@link Kernels#preferred()}. */
    public Adam(Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate, double beta1, double beta2,
                double eps, double weightDecay) {
        this(Kernels.preferred(), arena, params, grads, learningRate, beta1, beta2, eps, weightDecay);
    }

    /**
     * Adam (weightDecay 0) or AdamW (weightDecay λ > 0), updating with {@code kernels}
     * ({@link Kernels#adamUpdate}: the same bits from every backend and thread count).
     */
    public Adam(Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate, double beta1,
                double beta2, double eps, double weightDecay) {
        super(params, grads, learningRate);
        this.kernels = kernels;
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), found " + beta1 + " and " + beta2);
        }
        if (!(eps > 0) || weightDecay < 0) {
            throw new IllegalArgumentException("eps must be > 0 and weight decay ≥ 0, found " + eps + " and " + weightDecay);
        }
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        for (Matrix p : params) {
            first.add(Matrix.allocate(arena, p.rows(), p.cols()));
            second.add(Matrix.allocate(arena, p.rows(), p.cols()));
        }
    }

    /** Adam with PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, no weight decay. */
    public static Adam withDefaults(Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate) {
        return withDefaults(Kernels.preferred(), arena, params, grads, learningRate);
    }

    /** Adam with PyTorch's defaults, updating with {@code kernels}. */
    public static Adam withDefaults(Kernels kernels, Arena arena, List<Matrix> params, List<Matrix> grads, double learningRate) {
        return new Adam(kernels, arena, params, grads, learningRate, 0.9, 0.999, 1e-8, 0);
    }

    @Override
    public List<Matrix> state() {
        List<Matrix> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    @Override
    protected void update(long t) {
        float lr = (float) learningRate();
        float c1 = (float) (1 - Math.pow(beta1, t)), c2 = (float) (1 - Math.pow(beta2, t));
        AdamStep step = new AdamStep(beta1, beta2, eps, lr, 1 - lr * weightDecay, c1, c2);
        for (int i = 0; i < params.size(); i++) {
            kernels.adamUpdate(params.get(i), grads.get(i), first.get(i), second.get(i), step);
        }
    }
}
