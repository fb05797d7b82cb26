package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.rnn.core.Matrix;
import dev.rnn.core.testing.KernelTesting;
import java.lang.foreign.Arena;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The plain products give each row of C the bits it has in any batch of two or more rows: row i
 * depends on row i of A and on B only. What lets a task model run a call of n inputs at batch n with
 * the results of a larger batch. A single row is the exception: it is multiplied as a
 * matrix-vector product, which sums in another order ({@code Kernels#gemmBatchInvariant} has no
 * such exception).
 */
class SimdGemmRowProperties {

    @Provide
    Arbitrary<Integer> rows() {
        // within one row block (MC = 96) and across several, with partial micro-panels of MR = 12
        return Arbitraries.oneOf(Arbitraries.integers().between(2, 40), Arbitraries.integers().between(90, 220));
    }

    @Provide
    Arbitrary<Integer> dim() {
        // below and beyond a slice of KS = 256 depths and a block of KC = 512
        return Arbitraries.oneOf(KernelTesting.sizes(300), Arbitraries.integers().between(500, 700));
    }

    @Property(tries = 30)
    void aRowHasTheSameBitsInBatchesOfAnySize(@ForAll("rows") int m, @ForAll("rows") int fewer, @ForAll("dim") int k,
                                              @ForAll("dim") int n, @ForAll boolean transB, @ForAll boolean accumulate,
                                              @ForAll long seed) {
        int part = Math.min(m, fewer);
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(seed);
            Matrix a = KernelTesting.random(arena, m, k, rnd, 1f, false);
            Matrix b = transB ? KernelTesting.random(arena, n, k, rnd, 1f, false) : KernelTesting.random(arena, k, n, rnd, 1f, false);
            Matrix c0 = KernelTesting.random(arena, m, n, rnd, 1f, false);
            Matrix all = Matrix.allocate(arena, m, n), some = Matrix.allocate(arena, part, n);
            all.copyFrom(c0);
            // the last rows of the batch, as a batch of their own
            some.copyFrom(c0.sliceRows(m - part, m));
            SimdGemm.multiply(a, false, b, transB, all, accumulate);
            SimdGemm.multiply(a.sliceRows(m - part, m), false, b, transB, some, accumulate);
            assertArrayEquals(all.sliceRows(m - part, m).toArray(), some.toArray(), part + " of " + m + " rows");
        }
    }
}
