package dev.rnn.bench;

import dev.rnn.core.Matrix;
import org.openjdk.jmh.annotations.Benchmark;

/** y = A·x for a square n×n matrix, one thread. GFLOP/s = 2·n² / (ns per op). */
public class GemvBenchmark extends SquareMatrixBenchmark {

    private Matrix x;
    private Matrix y;

    @Override
    protected void allocateOperands() {
        x = BenchMatrices.random(arena, 1, n, 2);
        y = Matrix.allocate(arena, 1, n);
    }

    @Benchmark
    public Matrix gemv() {
        kernels.gemv(a, x, y, false);
        return y;
    }
}
