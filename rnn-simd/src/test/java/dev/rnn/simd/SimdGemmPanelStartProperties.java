package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.testing.KernelTesting;
import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Where packed B starts inside its buffer (a cache line, found by {@link CacheLineOffset}) is a
 * matter of speed only: every start gives the same bits.
 */
class SimdGemmPanelStartProperties {

    @Provide
    Arbitrary<Integer> dim() {
        return KernelTesting.sizes(300);
    }

    @Property(tries = 40)
    void everyPanelStartGivesTheSameProduct(@ForAll("dim") int m, @ForAll("dim") int k, @ForAll("dim") int n,
                                            @ForAll @IntRange(min = 1, max = CacheLineOffset.LINE_FLOATS - 1) int start,
                                            @ForAll boolean transB, @ForAll long seed) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = KernelTesting.random(arena, m, k, rnd, 1f, false);
            Matrix b = transB ? KernelTesting.random(arena, n, k, rnd, 1f, false) : KernelTesting.random(arena, k, n, rnd, 1f, false);
            Matrix atZero = Matrix.allocate(arena, m, n), atStart = Matrix.allocate(arena, m, n);
            SimdGemm.Prepared p = SimdGemm.prepare(b, transB, null);
            SimdGemm.multiply(a, packedFrom(p, b, transB, 0), atZero, false);
            SimdGemm.multiply(a, packedFrom(p, b, transB, start), atStart, false);
            assertArrayEquals(atZero.toArray(), atStart.toArray());
        }
    }

    /** Packs every block of p again with its panels starting at element {@code start}. */
    private static SimdGemm.Prepared packedFrom(SimdGemm.Prepared p, Matrix b, boolean transB, int start) {
        float[] line = new float[SimdGemm.MR * SimdGemm.KC];
        for (int jc = 0, jb = 0; jc < p.n; jc += SimdGemm.NC, jb++) {
            for (int pc = 0, pb = 0; pc < p.k; pc += SimdGemm.KC, pb++) {
                int i = jb * p.depthBlocks + pb;
                java.util.Arrays.fill(p.blocks[i], Float.NaN);   // nothing outside the panels may be read
                p.starts[i] = start;
                SimdGemm.packB(b, transB, pc, jc, Math.min(SimdGemm.KC, p.k - pc), Math.min(SimdGemm.NC, p.n - jc), p.blocks[i], start, line);
            }
        }
        return p;
    }

    @Example
    void offsetsAreWithinALineAndFollowTheArray() {
        // the build runs tests with --enable-native-access=ALL-UNNAMED, so addresses can be learnt here
        Set<Integer> seen = new HashSet<>();
        for (int length = 1; length <= 64; length++) {
            float[] a = new float[length];
            int s = CacheLineOffset.floatsToLine(a);
            assertTrue(s >= 0 && s < CacheLineOffset.LINE_FLOATS, "offset " + s + " for an array of " + length);
            seen.add(s);
        }
        assertTrue(seen.size() > 1, "every array reported offset " + seen + ": the address was not learnt");
        assertEquals(0, CacheLineOffset.floatsToLine(new float[0]));
    }
}
