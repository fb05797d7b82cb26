package dev.rnn.models.tasks;

import java.util.SplittableRandom;

/**
 * The seeds a training run derives from its own, so that a resumed run repeats its data order and
 * dropout masks: one per epoch for the order of the examples, one per step for each random stream of
 * a batch. Every derivation is {@code seed · stream + counter}, with a stream constant of SplitMix64.
 */
final class TrainingSeeds {

    /** The epoch's data order; also the language model's dropout masks, which were drawn from it first. */
    static final long ORDER = 0x9E3779B97F4A7C15L;
    /** A batch's dropout masks and word dropout. */
    static final long DROPOUT = 0xBF58476D1CE4E5B9L;
    /** A second stream of a batch, where one batch draws twice (the seq2seq layers' masks beside scheduled sampling). */
    static final long SECOND = 0x94D049BB133111EBL;

    private TrainingSeeds() {
    }

    /** The seed of {@code counter} (an epoch, a step) in {@code stream} of a run seeded by {@code seed}. */
    static long seed(long seed, long stream, long counter) {
        return seed * stream + counter;
    }

    /** The generator of epoch {@code epoch} of a run seeded by {@code seed}. */
    static SplittableRandom random(long seed, int epoch) {
        return new SplittableRandom(seed(seed, ORDER, epoch));
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
