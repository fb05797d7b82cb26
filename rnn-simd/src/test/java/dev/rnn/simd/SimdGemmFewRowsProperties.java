package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn.core.Matrix;
import dev.rnn.core.testing.KernelTesting;
import java.lang.foreign.Arena;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Row blocks of one or two rows ({@link SimdGemm#FEW_ROWS}) skip packing A and run kernel1x4 or kernel2x4,
 * yet every row of C gets the bits it gets inside a batch of more rows, where the MR-row kernels
 * (kernel, kernel8, kernel4) compute it: against any prepared B, accumulating or not, for any thread
 * split.
 */
class SimdGemmFewRowsProperties {

    @Provide
    Arbitrary<Integer> batch() {
        // 3..PREPARED_MC rows: one row block, computed by the packed kernels (a last panel of 1..12 rows); and
        // a few more, which start a second block
        return Arbitraries.oneOf(Arbitraries.of(3, 4, 5, 8, 9, 12, 13, 16, 17, 24, 25, 64, SimdGemm.MC, SimdGemm.PREPARED_MC),
                Arbitraries.integers().between(3, SimdGemm.PREPARED_MC),
                Arbitraries.integers().between(SimdGemm.PREPARED_MC + 1, SimdGemm.PREPARED_MC + 30));
    }

    @Provide
    Arbitrary<Integer> depth() {
        // across the KS slices and KC blocks: 255..257, 511..513, the LM's 576 and 1024
        return Arbitraries.oneOf(KernelTesting.sizes(300),
                Arbitraries.of(SimdGemm.KS - 1, SimdGemm.KS, SimdGemm.KS + 1, SimdGemm.KC - 1, SimdGemm.KC,
                        SimdGemm.KC + 1, 576, 1024),
                Arbitraries.integers().between(500, 1100));
    }

    @Provide
    Arbitrary<Integer> width() {
        // a group of four panels cut short, several column blocks (NC = 512), the LM's 65 and 2048
        return Arbitraries.oneOf(KernelTesting.sizes(300), Arbitraries.of(65, 2048),
                Arbitraries.integers().between(500, 1100));
    }

    @Property(tries = 40)
    void oneOrTwoRowsGiveTheBitsOfABiggerBatch(@ForAll("batch") int m, @ForAll("depth") int k, @ForAll("width") int n,
                                                @ForAll boolean transB, @ForAll boolean accumulate,
                                                @ForAll @IntRange(min = 1, max = 3) int threads, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(seed);
            Matrix a = KernelTesting.random(arena, m, k, rnd, 1f, false);
            Matrix b = transB ? KernelTesting.random(arena, n, k, rnd, 1f, false) : KernelTesting.random(arena, k, n, rnd, 1f, false);
            Matrix c0 = KernelTesting.random(arena, m, n, rnd, 1f, false);
            SimdGemm.Prepared p = SimdGemm.prepare(b, transB, null);
            Matrix all = Matrix.allocate(arena, m, n);
            all.copyFrom(c0);
            SimdGemm.multiply(a, p, all, accumulate, 1);
            int first = rnd.nextInt(m - 1);
            Matrix one = Matrix.allocate(arena, 1, n);
            one.copyFrom(c0.row(first));
            SimdGemm.multiply(a.row(first), p, one, accumulate, threads);
            assertArrayEquals(all.row(first).toArray(), one.toArray(), "row " + first + " alone");
            Matrix two = Matrix.allocate(arena, 2, n);
            two.copyFrom(c0.sliceRows(first, first + 2));
            SimdGemm.multiply(a.sliceRows(first, first + 2), p, two, accumulate, threads);
            assertArrayEquals(all.sliceRows(first, first + 2).toArray(), two.toArray(), "rows " + first + ", " + (first + 1));
        }
    }

    /** The product itself is right, not only the same as the packed path: the double-precision reference. */
    @Property(tries = 30)
    void oneOrTwoRowsMatchTheReference(@ForAll @IntRange(min = 1, max = 2) int m, @ForAll("depth") int k,
                                       @ForAll("width") int n, @ForAll boolean accumulate, @ForAll long seed) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = KernelTesting.random(arena, m, k, rnd, 1f, true);
            Matrix b = KernelTesting.random(arena, n, k, rnd, 1f, false);
            Matrix c = KernelTesting.random(arena, m, n, rnd, 1f, true);
            double[][] expected = new double[m][n], magnitude = new double[m][n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = accumulate ? c.get(i, j) : 0, abs = Math.abs(sum);
                    for (int p = 0; p < k; p++) {
                        double t = (double) a.get(i, p) * b.get(j, p);
                        sum += t;
                        abs += Math.abs(t);
                    }
                    expected[i][j] = sum;
                    magnitude[i][j] = abs;
                }
            }
            SimdGemm.multiplyPacked(a, SimdGemm.prepare(b, true, null), c, accumulate);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    // about (k + 1)·u·Σ|terms| for a sum of k products and C, plus a floor
                    double tolerance = (k + 1) * KernelTesting.U * magnitude[i][j] + 1e-6;
                    assertEquals(expected[i][j], c.get(i, j), tolerance, "C[" + i + "][" + j + "]");
                }
            }
        }
    }

    /**
     * Signed zeros: a product of −0 and 0 summed from a zero accumulator is +0, stored as such; a row
     * alone and a row of a bigger batch agree on every sign.
     */
    @Example
    void signedZerosAsInABiggerBatch() {
        try (Arena arena = Arena.ofConfined()) {
            int k = 3, n = 70;
            Matrix a = Matrix.allocate(arena, 5, k), b = Matrix.allocate(arena, k, n);
            a.fill(-0f);
            b.fill(0f);
            a.set(1, 0, -1f);
            SimdGemm.Prepared p = SimdGemm.prepare(b, false, null);
            Matrix all = Matrix.allocate(arena, 5, n), one = Matrix.allocate(arena, 1, n);
            SimdGemm.multiply(a, p, all, false, 1);
            for (int i = 0; i < 5; i++) {
                SimdGemm.multiply(a.row(i), p, one, false, 1);
                assertArrayEquals(all.row(i).toArray(), one.toArray(), "row " + i);
            }
        }
    }
}
