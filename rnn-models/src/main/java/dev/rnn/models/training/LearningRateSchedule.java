package dev.rnn.models.training;

/** The learning rate as a function of the update number (0-based). */
@FunctionalInterface
public interface LearningRateSchedule {

    double at(int step);

    static LearningRateSchedule constant(double rate) {
        return step -> rate;
    }

    /** rate · factor^⌊step / every⌋. */
    static LearningRateSchedule stepDecay(double rate, int every, double factor) {
        if (every < 1 || !(factor > 0)) {
            throw new IllegalArgumentException("step decay needs every ≥ 1 and factor > 0, found " + every + " and " + factor);
        }
        return step -> rate * Math.pow(factor, step / every);
    }

    /** Rises linearly from rate/warmup to rate over the first {@code warmup} steps, then follows {@code after}. */
    static LearningRateSchedule linearWarmup(int warmup, LearningRateSchedule after) {
        if (warmup < 1) {
            throw new IllegalArgumentException("warm-up must be ≥ 1 step, found " + warmup);
        }
        return step -> step < warmup ? after.at(warmup) * (step + 1) / warmup : after.at(step);
    }
}
