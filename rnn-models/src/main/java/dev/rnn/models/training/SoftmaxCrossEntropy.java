package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;

/**
 * Softmax cross-entropy over logits (N×classes) against target classes, averaged over the rows whose
 * target is not negative (negative marks padding), with its gradient. Perplexity is e raised to the
 * mean; accuracy counts rows whose largest logit is the target.
 *
 * <p>Holds a per-row loss buffer for up to {@code maxRows} rows so that a batch allocates nothing. Not
 * thread-safe.
 */
public final class SoftmaxCrossEntropy {

    private final Kernels kernels;
    private final float[] rowLoss;

    public SoftmaxCrossEntropy(Kernels kernels, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be ≥ 1, found " + maxRows);
        }
        this.kernels = kernels;
        this.rowLoss = new float[maxRows];
    }

    /** Rows counted: those with a target ≥ 0. */
    public static int counted(int[] targets) {
        int n = 0;
        for (int t : targets) {
            if (t >= 0) {
                n++;
            }
        }
        return n;
    }

    /** Mean cross-entropy in nats over the counted rows (NaN when none counts). */
    public double loss(Matrix logits, int[] targets) {
        check(logits, targets);
        kernels.crossEntropy(logits, targets, rowLoss);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] >= 0) {
                sum += rowLoss[i];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * The mean loss, and ∂(mean loss)/∂logits into {@code dLogits} (N×classes): (softmax − one-hot)/count
     * on counted rows, 0 on the others.
     */
    public double lossAndGradient(Matrix logits, int[] targets, Matrix dLogits) {
        check(logits, targets);
        // one log-softmax pass serves both: the loss is −logSoftmax at the target (the same bits as
        // crossEntropy's log Σ − (x − max)), the gradient exp(logSoftmax) − one-hot
        kernels.logSoftmax(logits, dLogits);
        double sum = 0;
        int n = 0;
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] >= 0) {
                sum += -dLogits.get(i, targets[i]);
                n++;
            }
        }
        kernels.exp(dLogits, dLogits);
        float inv = n == 0 ? 0f : 1f / n;
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] < 0) {
                for (int c = 0; c < dLogits.cols(); c++) {
                    dLogits.set(i, c, 0f);
                }
            } else {
                dLogits.set(i, targets[i], dLogits.get(i, targets[i]) - 1f);
            }
        }
        kernels.scale(inv, dLogits, dLogits);
        return n == 0 ? Double.NaN : sum / n;
    }


    /** e^(mean cross-entropy). */
    public double perplexity(Matrix logits, int[] targets) {
        return Math.exp(loss(logits, targets));
    }

    /** Fraction of counted rows whose arg-max is the target (ties go to the lowest class). */
    public static double accuracy(Matrix logits, int[] targets) {
        int right = 0, n = 0;
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] < 0) {
                continue;
            }
            n++;
            int best = 0;
            for (int c = 1; c < logits.cols(); c++) {
                if (logits.get(i, c) > logits.get(i, best)) {
                    best = c;
                }
            }
            if (best == targets[i]) {
                right++;
            }
        }
        return n == 0 ? Double.NaN : (double) right / n;
    }

    private void check(Matrix logits, int[] targets) {
        if (logits.rows() > rowLoss.length) {
            throw new IllegalArgumentException("logits " + logits.shape() + " have more rows than this loss was built for ("
                    + rowLoss.length + ")");
        }
        if (targets.length != logits.rows()) {
            throw new IllegalArgumentException(targets.length + " targets for " + logits.rows() + " rows of logits " + logits.shape());
        }
    }
}
