package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import java.util.List;

/**
 * Updates parameters in place from their gradients, following PyTorch's formulas. An optimizer is
 * bound at construction to a list of parameters and the list of their gradients (same order, same
 * shapes); its state (momentum, moment estimates) lives off-heap beside them. Not thread-safe.
 */
public abstract class Optimizer {

    protected final List<Matrix> params;
    protected final List<Matrix> grads;
    private double learningRate;
    private long steps;

    protected Optimizer(List<Matrix> params, List<Matrix> grads, double learningRate) {
        if (params.size() != grads.size()) {
            throw new IllegalArgumentException(params.size() + " parameters but " + grads.size() + " gradients");
        }
        for (int i = 0; i < params.size(); i++) {
            Matrix p = params.get(i), g = grads.get(i);
            if (p.rows() != g.rows() || p.cols() != g.cols()) {
                throw new IllegalArgumentException("parameter " + i + " is " + p.shape() + " but its gradient is " + g.shape());
            }
            if (!p.isContiguous() || !g.isContiguous()) {
                throw new IllegalArgumentException("parameter " + i + " and its gradient must be contiguous");
            }
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, found " + learningRate);
        }
        this.params = List.copyOf(params);
        this.grads = List.copyOf(grads);
        this.learningRate = learningRate;
    }

    public double learningRate() {
        return learningRate;
    }

    /** Sets the rate used by the next {@link #step()} (see {@link LearningRateSchedule}); 0 (a schedule's floor) is allowed. */
    public void setLearningRate(double learningRate) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number ≥ 0, found " + learningRate);
        }
        this.learningRate = learningRate;
    }

    /** One update of every parameter from its current gradient. */
    public final void step() {
        steps++;
        update(steps);
    }

    /** The update of step t (1 for the first). */
    protected abstract void update(long t);

    /** Updates made so far (restored with {@link #restore}). */
    public long steps() {
        return steps;
    }

    /**
     * The optimizer's state besides the step count (momentum buffers, moment estimates), in a fixed
     * order, each shaped like a parameter: what a checkpoint saves so a resumed run continues exactly.
     */
    public abstract List<Matrix> state();

    /** Sets the step count after {@link #state()} has been filled from a checkpoint. */
    public void restore(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be ≥ 0, found " + steps);
        }
        this.steps = steps;
    }

    /** Sets every gradient to 0. */
    public void zeroGradients() {
        for (Matrix g : grads) {
            g.fill(0f);
        }
    }
}
