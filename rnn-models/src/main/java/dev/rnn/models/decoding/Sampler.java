package dev.rnn.models.decoding;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedily (arg-max), or by drawing from softmax(logits / T)
 * restricted to the k most likely tokens (top-k) and then to the smallest set whose probability
 * reaches p (nucleus, top-p). Temperature 0 is greedy. Seeded, so a seed repeats a sample. Buffers
 * for the vocabulary size are allocated once: {@link #next} allocates nothing. Not thread-safe.
 */
public final class Sampler {

    private final double temperature;
    private final int topK;
    private final double topP;
    private final SplittableRandom random;
    private double[] probabilities = new double[0];
    private long[] order = new long[0];

    /**
     * @param temperature ≥ 0; 0 means greedy
     * @param topK        0 for no limit, else the number of most likely tokens kept
     * @param topP        in (0, 1]; 1 for no limit
     */
    public Sampler(double temperature, int topK, double topP, long seed) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be ≥ 0, found " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be ≥ 0 (0: no limit), found " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], found " + topP);
        }
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    /** Always the arg-max. */
    public static Sampler greedy() {
        return new Sampler(0, 0, 1, 0);
    }

    /** The index of the largest of logits[0..n) (the first of equals). */
    public static int argmax(float[] logits, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The next token for logits[0..n). */
    public int next(float[] logits, int n) {
        if (n < 1 || n > logits.length) {
            throw new IllegalArgumentException("n must be in 1.." + logits.length + ", found " + n);
        }
        int best = argmax(logits, n);
        if (temperature == 0 || topK == 1) {
            return best;
        }
        if (probabilities.length < n) {
            probabilities = new double[n];
            order = new long[n];
        }
        double max = logits[best], sum = 0;
        for (int i = 0; i < n; i++) {
            double p = Math.exp((logits[i] - max) / temperature);
            probabilities[i] = p;
            sum += p;
        }
        if (topK == 0 && topP == 1) {
            return draw(sum, n);
        }
        // sort (probability, index) pairs descending in one primitive array: probabilities are
        // positive doubles, whose bit patterns order as the values do
        for (int i = 0; i < n; i++) {
            float p = (float) (probabilities[i] / sum);
            order[i] = ((long) Float.floatToIntBits(p) << 32) | (0xFFFFFFFFL - i);
        }
        Arrays.sort(order, 0, n);
        int keep = topK == 0 ? n : Math.min(topK, n);
        double mass = 0;
        int kept = 0;
        for (int j = n - 1; j >= n - keep; j--) {
            mass += probabilities[index(order[j])] / sum;
            kept++;
            if (mass >= topP) {
                break;
            }
        }
        double total = 0;
        for (int j = n - 1; j >= n - kept; j--) {
            total += probabilities[index(order[j])];
        }
        double u = random.nextDouble() * total;
        for (int j = n - 1; j > n - kept; j--) {
            u -= probabilities[index(order[j])];
            if (u < 0) {
                return index(order[j]);
            }
        }
        return index(order[n - kept]);
    }

    private static int index(long key) {
        return (int) (0xFFFFFFFFL - (key & 0xFFFFFFFFL));
    }

    private int draw(double sum, int n) {
        double u = random.nextDouble() * sum;
        for (int i = 0; i < n - 1; i++) {
            u -= probabilities[i];
            if (u < 0) {
                return i;
            }
        }
        return n - 1;
    }
}
