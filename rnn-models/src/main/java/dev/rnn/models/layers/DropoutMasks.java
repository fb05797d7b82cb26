package dev.rnn.models.layers;

import static dev.rnn.core.Matrix.FLOAT;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;

/**
 * Inverted-dropout masks with the bits {@code new SplittableRandom(seed)} gives when each element draws
 * {@code nextDouble() < p ? 0 : 1/(1 − p)} in turn, computed from the draw's index instead of stepping the
 * generator: draw k is {@code mix64(seed + (k + 1)·γ) >>> 11} scaled by 2⁻⁵³ (SplitMix64, which
 * {@code SplittableRandom} is). Without the generator object's field updates and the per-element checks
 * of {@link Matrix#set}, a mask of a training batch (3,200 × 512 at the character LM's defaults) takes a
 * fraction of the time. Stateless.
 */
final class DropoutMasks {

    /** SplittableRandom's increment for a generator made from a seed. */
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private DropoutMasks() {
    }

    /**
     * Fills {@code mask} row by row with draws {@code first}, {@code first + 1}, … of the generator seeded
     * with {@code seed}: 0 with probability p, else 1/(1 − p). Returns the index of the next draw.
     */
    static long fill(Matrix mask, long seed, long first, double p) {
        float keep = (float) (1 / (1 - p));
        // nextDouble() < p ⇔ (bits >>> 11)·2⁻⁵³ < p ⇔ (bits >>> 11) < p·2⁵³, exact in double (a power-of-two scale)
        double limit = p * 0x1.0p53;
        MemorySegment s = mask.segment();
        long z = seed + first * GAMMA;
        for (int r = 0; r < mask.rows(); r++) {
            long o = mask.offset(r, 0);
            for (int c = 0; c < mask.cols(); c++) {
                z += GAMMA;
                s.set(FLOAT, o + (long) c * Float.BYTES, (double) (mix64(z) >>> 11) < limit ? 0f : keep);
            }
        }
        return first + mask.size();
    }

    /** SplittableRandom's output function. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
