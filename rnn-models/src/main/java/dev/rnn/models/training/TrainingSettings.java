package dev.rnn.models.training;

/**
 * How {@link Trainer} trains: the optimizer ({@link OptimizerSpec}) and learning rate; gradient
 * clipping by global norm ({@code clipNorm}) and by value ({@code clipValue}, each element clamped to
 * ±clipValue before the norm is taken), 0 meaning none; budgets (whichever ends first: {@code epochs},
 * {@code minutes} of training time, 0 meaning no limit; at least one must be set); validation every
 * {@code evalEvery} batches and at each epoch's end; the learning-rate {@code schedule} (by default
 * plateau: the rate multiplied by {@code decay} after each validation that does not improve on the
 * best); what to do with a non-finite loss or gradient; {@code patience}: stop once that many
 * validations in a row have not improved on the best (0: never stop early); and the L1/L2 penalty
 * added to the loss ({@link Regularization}). Immutable.
 */
public record TrainingSettings(OptimizerSpec optimizer, double learningRate, double clipNorm, int epochs, double minutes,
                               int evalEvery, double decay, NonFinitePolicy onNonFinite, int patience,
                               Regularization regularization, double clipValue, LearningRateSchedule.Setting schedule) {

    /**
     * Settings with the optimizer of that name and its defaults ({@link OptimizerSpec#named}), no
     * penalty, no clipping by value and the plateau schedule.
     */
    public TrainingSettings(String optimizer, double learningRate, double clipNorm, int epochs, double minutes, int evalEvery,
                            double decay, NonFinitePolicy onNonFinite, int patience) {
        this(OptimizerSpec.named(optimizer), learningRate, clipNorm, epochs, minutes, evalEvery, decay, onNonFinite, patience,
                Regularization.NONE, 0, LearningRateSchedule.Setting.PLATEAU);
    }

    /** As above, without early stopping. */
    public TrainingSettings(String optimizer, double learningRate, double clipNorm, int epochs, double minutes, int evalEvery,
                            double decay, NonFinitePolicy onNonFinite) {
        this(optimizer, learningRate, clipNorm, epochs, minutes, evalEvery, decay, onNonFinite, 0);
    }

    /** On a NaN or infinite loss or gradient: stop with a message (keeping the last good checkpoint), or skip the batch. */
    public enum NonFinitePolicy { STOP, SKIP }

    public TrainingSettings {
        if (optimizer == null || regularization == null || schedule == null || onNonFinite == null) {
            throw new IllegalArgumentException("optimizer, regularization, schedule and non-finite policy must be given");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be > 0, found " + learningRate);
        }
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("clip must be ≥ 0 (0: no clipping), found " + clipNorm);
        }
        if (!(clipValue >= 0)) {
            throw new IllegalArgumentException("clip value must be ≥ 0 (0: no clipping), found " + clipValue);
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
        if (schedule.kind() == LearningRateSchedule.Kind.COSINE && epochs == 0) {
            throw new IllegalArgumentException("the cosine schedule needs an epoch budget, to know where it ends");
        }
        if (schedule.kind() == LearningRateSchedule.Kind.COSINE && schedule.floor() > learningRate) {
            throw new IllegalArgumentException("the cosine floor " + schedule.floor() + " is above the learning rate " + learningRate);
        }
    }

    /** These settings with another optimizer. */
    public TrainingSettings withOptimizer(OptimizerSpec spec) {
        return new TrainingSettings(spec, learningRate, clipNorm, epochs, minutes, evalEvery, decay, onNonFinite, patience,
                regularization, clipValue, schedule);
    }

    /** These settings with an L1/L2 penalty. */
    public TrainingSettings withRegularization(Regularization r) {
        return new TrainingSettings(optimizer, learningRate, clipNorm, epochs, minutes, evalEvery, decay, onNonFinite, patience,
                r, clipValue, schedule);
    }

    /** These settings clamping every gradient element to ±limit (0: not at all). */
    public TrainingSettings withClipValue(double limit) {
        return new TrainingSettings(optimizer, learningRate, clipNorm, epochs, minutes, evalEvery, decay, onNonFinite, patience,
                regularization, limit, schedule);
    }

    /** These settings with another learning-rate schedule. */
    public TrainingSettings withSchedule(LearningRateSchedule.Setting s) {
        return new TrainingSettings(optimizer, learningRate, clipNorm, epochs, minutes, evalEvery, decay, onNonFinite, patience,
                regularization, clipValue, s);
    }
}
