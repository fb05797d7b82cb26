package dev.rnn.models.training;

import java.util.Locale;

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

    /**
     * Half a cosine from {@code rate} at step 0 down to {@code floor} at step {@code steps − 1} (the
     * last update), and {@code floor} after it, as {@code CosineAnnealingLR} over one period.
     */
    static LearningRateSchedule cosine(double rate, double floor, int steps) {
        if (steps < 1 || !(floor >= 0 && floor <= rate)) {
            throw new IllegalArgumentException("cosine needs steps ≥ 1 and 0 ≤ floor ≤ rate, found " + steps + " and " + floor);
        }
        double last = Math.max(1, steps - 1);
        return step -> floor + (rate - floor) * (1 + Math.cos(Math.PI * Math.min(1, step / last))) / 2;
    }

    /** Rises linearly from rate/warmup to rate over the first {@code warmup} steps, then follows {@code after}. */
    static LearningRateSchedule linearWarmup(int warmup, LearningRateSchedule after) {
        if (warmup < 1) {
            throw new IllegalArgumentException("warm-up must be ≥ 1 step, found " + warmup);
        }
        return step -> step < warmup ? after.at(warmup) * (step + 1) / warmup : after.at(step);
    }

    /** The schedules {@link Setting} names. */
    enum Kind {
        /** The rate throughout. */
        CONSTANT,
        /** The rate times the decay factor every {@link Setting#every()} updates. */
        STEP,
        /** Half a cosine from the rate down to the floor over the run's updates after warm-up. */
        COSINE,
        /** The rate times the decay factor after each validation that does not improve (the trainer applies it). */
        PLATEAU;

        /** The name the command line uses. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind of that name (constant, step, cosine, plateau). */
        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.label().equalsIgnoreCase(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown learning-rate schedule '" + name + "', expected constant, step, cosine or plateau");
        }
    }

    /**
     * A schedule described before the run's length is known: its kind, {@code warmup} updates of linear
     * rise (0: none), for {@link Kind#STEP} the updates between decays ({@code every}, 0: one epoch) and
     * for {@link Kind#COSINE} the {@code floor} it ends at; step and cosine count from the end of the warm-up. The decay factor of step and plateau is
     * {@link TrainingSettings#decay()}. Immutable.
     */
    record Setting(Kind kind, int warmup, int every, double floor) {

        /** The rate moved only by plateaus, without warm-up: how training ran before schedules. */
        public static final Setting PLATEAU = new Setting(Kind.PLATEAU, 0, 0, 0);

        public Setting {
            if (kind == null) {
                throw new IllegalArgumentException("a schedule needs a kind");
            }
            if (warmup < 0 || every < 0) {
                throw new IllegalArgumentException("warm-up and step interval must be ≥ 0, found " + warmup + " and " + every);
            }
            if (!(floor >= 0) || Double.isInfinite(floor)) {
                throw new IllegalArgumentException("the cosine floor must be a finite number ≥ 0, found " + floor);
            }
        }

        /**
         * The schedule for a run of {@code totalSteps} updates (needed by cosine only) with
         * {@code perEpoch} updates per epoch, starting from {@code rate} and decaying by {@code factor}.
         */
        public LearningRateSchedule schedule(double rate, double factor, int perEpoch, long totalSteps) {
            if (kind == Kind.COSINE && totalSteps < 1) {
                throw new IllegalArgumentException("the cosine schedule needs a run of known length: give an epoch budget");
            }
            if (kind == Kind.COSINE && floor > rate) {
                throw new IllegalArgumentException("the cosine floor " + floor + " is above the learning rate " + rate);
            }
            LearningRateSchedule afterWarmup = switch (kind) {
                case CONSTANT, PLATEAU -> constant(rate);
                case STEP -> stepDecay(rate, every > 0 ? every : Math.max(1, perEpoch), factor);
                case COSINE -> cosine(rate, floor, (int) Math.min(Integer.MAX_VALUE, Math.max(1, totalSteps - warmup)));
            };
            if (warmup == 0) {
                return afterWarmup;
            }
            // step and cosine count their updates from the end of the warm-up, which ends at the full rate
            return linearWarmup(warmup, step -> afterWarmup.at(Math.max(0, step - warmup)));
        }
    }
}
