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
    @Provide
    Arbitrary<Integer> preparedRows() {
        // both splits, and more than one of the larger row blocks of a prepared operand
        return net.jqwik.api.Arbitraries.oneOf(rows(),
                net.jqwik.api.Arbitraries.integers().between(SimdGemm.PREPARED_MC - 5, 2 * SimdGemm.PREPARED_MC + 30));
    }

    @Property(tries = 25)
    void preparedOperandGivesTheBitsOfThePlainProduct(@ForAll("preparedRows") int m, @ForAll("wide") int k, @ForAll("wide") int n,
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

    /**
     * Products from many calling threads at once share the one pool: each caller waits for its own
     * parts only (pool threads never wait), and every product has the bits of a single-threaded one.
     */
    @net.jqwik.api.Example
    void concurrentCallersShareThePoolWithoutChangingABit() throws Exception {
        int callers = 8, products = 6, m = 100, k = 180, n = 250;     // 4.5 M multiply-adds: split across the pool
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(11);
            Matrix[] a = new Matrix[products], b = new Matrix[products];
            float[][] expected = new float[products][];
            for (int p = 0; p < products; p++) {
                a[p] = KernelTesting.random(arena, m, k, rnd, 1f, false);
                b[p] = KernelTesting.random(arena, n, k, rnd, 1f, false);
                Matrix c = Matrix.allocate(arena, m, n);
                SimdGemm.multiply(a[p], false, b[p], true, c, false, 1);
                expected[p] = c.toArray();
            }
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
            try {
                java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
                for (int t = 0; t < callers; t++) {
                    int caller = t;
                    done.add(pool.submit(() -> {
                        Matrix c = Matrix.allocate(arena, m, n);
                        go.await();
                        for (int r = 0; r < 4 * products; r++) {
                            int p = (caller + r) % products;
                            if (r % 2 == 0) {
                                SimdKernels.INSTANCE.gemmTransB(a[p], b[p], c, false);        // the pool's thread count
                            } else {
                                SimdGemm.multiply(a[p], false, b[p], true, c, false, 3);      // more parts than pool threads
                            }
                            assertArrayEquals(expected[p], c.toArray(), "caller " + caller + ", product " + p);
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (java.util.concurrent.Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
                pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
            }
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
