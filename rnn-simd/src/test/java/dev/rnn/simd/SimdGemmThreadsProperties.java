package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.rnn.core.Matrix;
import dev.rnn.core.testing.KernelTesting;
import java.lang.foreign.Arena;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Splitting a product across threads changes no bit of the result, for any thread count; products on
 * confined memory stay on the calling thread.
 */
class SimdGemmThreadsProperties {

    @Provide
    Arbitrary<Integer> dim() {
        return KernelTesting.sizes(300);
    }

    @Provide
    Arbitrary<Integer> rows() {
        // both splits: fewer row blocks than threads (by columns) and more (by rows)
        return net.jqwik.api.Arbitraries.oneOf(net.jqwik.api.Arbitraries.integers().between(1, 60), KernelTesting.sizes(300));
    }

    @Property(tries = 25)
    void threadCountDoesNotChangeTheResult(@ForAll("rows") int m, @ForAll("dim") int k, @ForAll("dim") int n,
                                           @ForAll @IntRange(min = 2, max = 5) int threads, @ForAll boolean transA,
                                           @ForAll boolean transB, @ForAll boolean accumulate, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) { // pool threads may not touch confined memory
            Random rnd = new Random(seed);
            Matrix a = transA ? KernelTesting.random(arena, k, m, rnd, 1f, false) : KernelTesting.random(arena, m, k, rnd, 1f, false);
            Matrix b = transB ? KernelTesting.random(arena, n, k, rnd, 1f, false) : KernelTesting.random(arena, k, n, rnd, 1f, false);
            Matrix c0 = KernelTesting.random(arena, m, n, rnd, 1f, false);
            Matrix one = Matrix.allocate(arena, m, n), many = Matrix.allocate(arena, m, n);
            one.copyFrom(c0);
            many.copyFrom(c0);
            SimdGemm.multiply(a, transA, b, transB, one, accumulate, 1);
            SimdGemm.multiply(a, transA, b, transB, many, accumulate, threads);
            assertArrayEquals(one.toArray(), many.toArray());
        }
    }

    @Provide
    Arbitrary<Integer> wide() {
        // several column blocks (NC = 512) and depth blocks (KC = 512)
        return net.jqwik.api.Arbitraries.oneOf(KernelTesting.sizes(300), net.jqwik.api.Arbitraries.integers().between(500, 1100));
    }

    /**
     * A prepared operand packs A once per row block for all column blocks of B: the same bits as the
     * product that packs B as it goes, for any thread count.
     */
    @Property(tries = 25)
    void preparedOperandGivesTheBitsOfThePlainProduct(@ForAll("rows") int m, @ForAll("wide") int k, @ForAll("wide") int n,
                                                       @ForAll @IntRange(min = 1, max = 5) int threads, @ForAll boolean transB,
                                                       @ForAll boolean accumulate, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(seed);
            Matrix a = KernelTesting.random(arena, m, k, rnd, 1f, false);
            Matrix b = transB ? KernelTesting.random(arena, n, k, rnd, 1f, false) : KernelTesting.random(arena, k, n, rnd, 1f, false);
            Matrix c0 = KernelTesting.random(arena, m, n, rnd, 1f, false);
            Matrix plain = Matrix.allocate(arena, m, n), prepared = Matrix.allocate(arena, m, n);
            plain.copyFrom(c0);
            prepared.copyFrom(c0);
            SimdGemm.multiply(a, false, b, transB, plain, accumulate, 1);
            SimdGemm.multiply(a, SimdGemm.prepare(b, transB, null), prepared, accumulate, threads);
            assertArrayEquals(plain.toArray(), prepared.toArray());
        }
    }

    @Property(tries = 5)
    void confinedMemoryIsNeverHandedToOtherThreads(@ForAll @IntRange(min = 300, max = 400) int n) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(n);
            Matrix a = KernelTesting.random(arena, n, n, rnd, 1f, false), c = Matrix.allocate(arena, n, n);
            SimdKernels.INSTANCE.gemm(a, a, c, false); // large enough to split, but confined: must not throw
        }
    }
}
