package dev.rnn.models.decoding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static float[] logits(long seed, int n) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) {
            l[i] = (float) (r.nextGaussian() * 3);
        }
        return l;
    }

    @Property(tries = 200)
    void temperatureTowardsZeroIsGreedy(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int n) {
        float[] l = logits(seed, n);
        Sampler cold = new Sampler(1e-6, 0, 1, seed);
        assertEquals(Sampler.argmax(l, n), cold.next(l, n));
        assertEquals(Sampler.argmax(l, n), new Sampler(0, 0, 1, seed).next(l, n));
        assertEquals(Sampler.argmax(l, n), Sampler.greedy().next(l, n));
    }

    @Property(tries = 200)
    void topKNeverLeavesTheTopK(@ForAll long seed, @ForAll @IntRange(min = 1, max = 200) int n, @ForAll @IntRange(min = 1, max = 20) int k) {
        float[] l = logits(seed, n);
        float[] sorted = l.clone();
        Arrays.sort(sorted);
        float threshold = sorted[Math.max(0, n - k)];
        Sampler s = new Sampler(2.0, k, 1, seed);
        for (int i = 0; i < 50; i++) {
            int t = s.next(l, n);
            assertTrue(l[t] >= threshold, "token " + t + " with logit " + l[t] + " is outside the top " + k);
        }
    }

    @Property(tries = 100)
    void topPKeepsTheSmallestSetReachingP(@ForAll long seed, @ForAll @IntRange(min = 2, max = 100) int n) {
        float[] l = logits(seed, n);
        Sampler s = new Sampler(1.0, 0, 1e-9, seed);   // only the most likely token reaches any p > 0 alone
        for (int i = 0; i < 20; i++) {
            assertEquals(Sampler.argmax(l, n), s.next(l, n));
        }
    }

    @Test
    void aSeedRepeatsASample() {
        float[] l = logits(3, 50);
        Sampler a = new Sampler(3, 10, 0.99, 42), b = new Sampler(3, 10, 0.99, 42), c = new Sampler(3, 10, 0.99, 43);
        int[] x = new int[100], y = new int[100], z = new int[100];
        for (int i = 0; i < 100; i++) {
            x[i] = a.next(l, 50);
            y[i] = b.next(l, 50);
            z[i] = c.next(l, 50);
        }
        assertEquals(Arrays.toString(x), Arrays.toString(y));
        assertTrue(!Arrays.equals(x, z));
    }

    @Test
    void drawsFollowTheSoftmax() {
        float[] l = {0f, (float) Math.log(2), (float) Math.log(7)};   // probabilities 0.1, 0.2, 0.7
        Sampler s = new Sampler(1, 0, 1, 5);
        int[] counts = new int[3];
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            counts[s.next(l, 3)]++;
        }
        double[] expected = {0.1, 0.2, 0.7};
        for (int i = 0; i < 3; i++) {
            double sd = Math.sqrt(expected[i] * (1 - expected[i]) / n);
            assertEquals(expected[i], counts[i] / (double) n, 5 * sd);
        }
        // with temperature 2 the probabilities are ∝ √(1, 2, 7)
        Sampler warm = new Sampler(2, 0, 1, 6);
        int[] w = new int[3];
        for (int i = 0; i < n; i++) {
            w[warm.next(l, 3)]++;
        }
        double z = 1 + Math.sqrt(2) + Math.sqrt(7);
        assertEquals(Math.sqrt(7) / z, w[2] / (double) n, 0.01);
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, -1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 1.5, 0));
        assertThrows(IllegalArgumentException.class, () -> Sampler.greedy().next(new float[3], 4));
    }
}
