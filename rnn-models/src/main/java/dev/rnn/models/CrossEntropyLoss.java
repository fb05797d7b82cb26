package dev.rnn.models;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;

/**
 * Mean softmax cross-entropy of logits (rows×classes) against target class indices, over the rows
 * whose target is not negative (negative targets mark padding). Perplexity is e raised to that mean.
 *
 * <p>One instance holds a per-row loss buffer for batches of up to {@code maxRows} rows, so that
 * evaluating a batch allocates nothing. Not thread-safe: use one per thread.
 */
public final class CrossEntropyLoss {

    private final Kernels kernels;
    private final float[] rowLosses;

    public CrossEntropyLoss(Kernels kernels, int maxRows) {
        if (maxRows < 0) {
            throw new IllegalArgumentException("maxRows must be ≥ 0, found " + maxRows);
        }
        this.kernels = kernels;
        this.rowLosses = new float[maxRows];
    }

    /**
     * Mean cross-entropy in nats over the rows with a target ≥ 0, accumulated in double;
     * NaN when no row counts.
     */
    public double mean(Matrix logits, int[] targets) {
        int rows = logits.rows();
        if (rows > rowLosses.length) {
            throw new IllegalArgumentException("logits " + logits.shape() + " have more rows than this loss was built for ("
                    + rowLosses.length + ")");
        }
        if (targets.length != rows) {
            throw new IllegalArgumentException(targets.length + " targets for " + rows + " rows of logits " + logits.shape());
        }
        kernels.crossEntropy(logits, targets, rowLosses);
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < rows; i++) {
            if (targets[i] >= 0) {
                sum += rowLosses[i];
                counted++;
            }
        }
        return counted == 0 ? Double.NaN : sum / counted;
    }

    /** e^(mean cross-entropy): the effective number of equally likely choices per prediction. */
    public double perplexity(Matrix logits, int[] targets) {
        return Math.exp(mean(logits, targets));
    }
}
