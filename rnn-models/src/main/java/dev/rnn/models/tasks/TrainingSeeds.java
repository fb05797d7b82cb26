package dev.rnn.models.tasks;

import java.util.SplittableRandom;

/** The order of training examples in an epoch: a shuffle seeded by the run's seed and the epoch, so a resumed run repeats it. */
final class EpochOrder {

    private EpochOrder() {
    }

    /** The generator of epoch {@code epoch} of a run seeded by {@code seed}. */
    static SplittableRandom random(long seed, int epoch) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    }

    /** A shuffled copy of {@code items} (Fisher–Yates). */
    static int[] shuffled(int[] items, long seed, int epoch) {
        int[] order = items.clone();
        SplittableRandom random = random(seed, epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** 0..n−1 shuffled. */
    static int[] shuffled(int n, long seed, int epoch) {
        int[] items = new int[n];
        for (int i = 0; i < n; i++) {
            items[i] = i;
        }
        return shuffled(items, seed, epoch);
    }
}
