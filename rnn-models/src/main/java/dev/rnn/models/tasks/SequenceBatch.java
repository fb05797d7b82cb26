package dev.rnn.models.tasks;

import dev.rnn.models.text.CharNgrams;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Up to B encoded sentences laid out time-major for the recurrent layers: row t·B + b is word t of
 * sentence b. Slots past a sentence's end, and whole slots when fewer than B sentences are given,
 * hold padding (word id 0); a missing sentence gets length 1 and is marked absent.
 */
final class SequenceBatch {

    final int batch;
    int steps;
    int present;
    int[] words = new int[0];
    int[] grams = new int[0];
    final int[] lengths;

    SequenceBatch(int batch) {
        this.batch = batch;
        this.lengths = new int[batch];
    }

    /** The longest of {@code sentences}, in words (at least 1). */
    static int longest(List<WordFeatures.Encoded> sentences) {
        int steps = 1;
        for (WordFeatures.Encoded s : sentences) {
            steps = Math.max(steps, s.length());
        }
        return steps;
    }

    /**
     * The steps a runner is built for to hold sentences of up to {@code steps} words: rounded up to a
     * multiple of 16, so that sentences of nearby lengths share runners instead of each length making its own.
     */
    static int roundedSteps(int steps) {
        return (Math.max(1, steps) + 15) / 16 * 16;
    }

    /** Lays out {@code sentences} (at most B); word dropout with {@code alpha} when {@code random} is not null. */
    void fill(List<WordFeatures.Encoded> sentences, WordFeatures features, double alpha, SplittableRandom random) {
        if (sentences.size() > batch || sentences.isEmpty()) {
            throw new IllegalArgumentException("a batch holds 1.." + batch + " sentences, found " + sentences.size());
        }
        present = sentences.size();
        steps = longest(sentences);
        int rows = steps * batch;
        if (words.length < rows) {
            words = new int[rows];
            grams = new int[rows * CharNgrams.PER_WORD];
        }
        java.util.Arrays.fill(words, 0, rows, WordFeatures.PAD);
        java.util.Arrays.fill(grams, 0, rows * CharNgrams.PER_WORD, 0);
        for (int b = 0; b < batch; b++) {
            if (b >= present) {
                lengths[b] = 1;
                continue;
            }
            WordFeatures.Encoded s = sentences.get(b);
            lengths[b] = s.length();
            for (int t = 0; t < s.length(); t++) {
                int row = t * batch + b;
                words[row] = random == null ? s.words()[t] : features.dropWord(s.words()[t], alpha, random);
                System.arraycopy(s.grams(), t * CharNgrams.PER_WORD, grams, row * CharNgrams.PER_WORD, CharNgrams.PER_WORD);
            }
        }
    }

    /**
     * An epoch's batches: indices into sentences of the given lengths, shuffled, then sorted by
     * length within windows of 20 batches so that a batch pads little, then the batches shuffled.
     */
    static List<int[]> plan(int[] lengths, int batch, SplittableRandom random) {
        int n = lengths.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int window = 20 * batch;
        for (int from = 0; from < n; from += window) {
            java.util.Arrays.sort(order, from, Math.min(n, from + window), java.util.Comparator.comparingInt(i -> lengths[i]));
        }
        List<int[]> batches = new java.util.ArrayList<>();
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            int[] b = new int[to - from];
            for (int i = from; i < to; i++) {
                b[i - from] = order[i];
            }
            batches.add(b);
        }
        java.util.Collections.shuffle(batches, new java.util.Random(random.nextLong()));
        return batches;
    }

    int rows() {
        return steps * batch;
    }

    int[] wordIds() {
        return java.util.Arrays.copyOf(words, rows());
    }

    int[] gramIds() {
        return java.util.Arrays.copyOf(grams, rows() * CharNgrams.PER_WORD);
    }
}
