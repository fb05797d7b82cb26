package dev.rnn.bench;

import dev.rnn.core.Matrix;
import org.openjdk.jmh.annotations.Benchmark;

/** C = A·B for square n×n matrices, one thread. GFLOP/s = 2·n³ / (ns per op). */
public class GemmBenchmark extends SquareMatrixBenchmark {

    private Matrix b;
    private Matrix c;

    @Override
    protected void allocateOperands() {
        b = BenchMatrices.random(arena, n, n, 2);
        c = Matrix.allocate(arena, n, n);
    }

    @Benchmark
    public Matrix gemm() {
        kernels.gemm(a, b, c, false);
        return c;
    }
}
