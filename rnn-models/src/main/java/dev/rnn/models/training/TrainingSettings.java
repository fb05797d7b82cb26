package dev.rnn.models.training;

/**
 * How {@link Trainer} trains: optimizer by name ({@code adam}, {@code rmsprop}, {@code adagrad},
 * {@code sgd} with momentum 0.9) and learning rate; gradient clipping by global norm (0: none); budgets
 * (whichever ends first: {@code epochs}, {@code minutes} of training time, 0 meaning no limit; at
 * least one must be set); validation every {@code evalEvery} batches and at each epoch's end; the
 * learning rate multiplied by {@code decay} after each validation that does not improve on the best;
 * what to do with a non-finite loss or gradient; and {@code patience}: stop once that many
 * validations in a row have not improved on the best (0: never stop early).
 */
public record TrainingSettings(String optimizer, double learningRate, double clipNorm, int epochs, double minutes,
                               int evalEvery, double decay, NonFinitePolicy onNonFinite, int patience) {

    /** Settings without early stopping. */
    public TrainingSettings(String optimizer, double learningRate, double clipNorm, int epochs, double minutes, int evalEvery,
                            double decay, NonFinitePolicy onNonFinite) {
        this(optimizer, learningRate, clipNorm, epochs, minutes, evalEvery, decay, onNonFinite, 0);
    }

    /** On a NaN or infinite loss or gradient: stop with a message (keeping the last good checkpoint), or skip the batch. */
    public enum NonFinitePolicy { STOP, SKIP }

    public TrainingSettings {
        Optimizers.check(optimizer);
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be > 0, found " + learningRate);
        }
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("clip must be ≥ 0 (0: no clipping), found " + clipNorm);
        }
        if (epochs < 0 || !(minutes >= 0)) {
            throw new IllegalArgumentException("epochs and minutes must be ≥ 0, found " + epochs + " and " + minutes);
        }
        if (epochs == 0 && minutes == 0) {
            throw new IllegalArgumentException("give a budget: epochs or minutes");
        }
        if (evalEvery < 1) {
            throw new IllegalArgumentException("validation interval must be ≥ 1 batch, found " + evalEvery);
        }
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be ≥ 0 validations (0: no early stop), found " + patience);
        }
        if (!(decay > 0 && decay <= 1)) {
            throw new IllegalArgumentException("learning-rate decay must be in (0, 1], found " + decay);
        }
    }
}
