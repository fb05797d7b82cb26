package dev.rnn.simd;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Hashes the exact bits of the SIMD kernels' results on fixed inputs; run in this JVM and in a child
 * JVM that only interprets ({@link SimdDeterminismTest}).
 */
public final class KernelResultsHash {

    private KernelResultsHash() {
    }

    static long hash(int rounds) {
        Kernels k = SimdKernels.INSTANCE;
        long h = 17;
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(3);
            Matrix x = Matrix.allocate(arena, 7, 301), y = Matrix.allocate(arena, 7, 301);
            Matrix a = Matrix.allocate(arena, 37, 53), b = Matrix.allocate(arena, 53, 29), c = Matrix.allocate(arena, 37, 29);
            for (Matrix m : new Matrix[] {x, a, b}) {
                for (int r = 0; r < m.rows(); r++) {
                    for (int col = 0; col < m.cols(); col++) {
                        m.set(r, col, (float) ((rnd.nextDouble() * 2 - 1) * 12));
                    }
                }
            }
            for (int round = 0; round < rounds; round++) {
                h = 31 * h + bits(x, y, k, 0);
                h = 31 * h + bits(x, y, k, 1);
                h = 31 * h + bits(x, y, k, 2);
                h = 31 * h + bits(x, y, k, 3);
                k.gemm(a, b, c, false);
                h = 31 * h + hashOf(c);
                h = 31 * h + Float.floatToIntBits(k.dot(x, x));
                Matrix v = x.row(0).sliceCols(0, 53), w = Matrix.allocate(arena, 1, 37);
                k.gemv(a, v, w, false);
                h = 31 * h + hashOf(w);
            }
        }
        return h;
    }

    private static long bits(Matrix x, Matrix y, Kernels k, int fn) {
        switch (fn) {
            case 0 -> k.tanh(x, y);
            case 1 -> k.sigmoid(x, y);
            case 2 -> k.exp(x, y);
            default -> k.softmax(x, y);
        }
        return hashOf(y);
    }

    private static long hashOf(Matrix m) {
        long h = 0;
        for (float f : m.toArray()) {
            h = 31 * h + Float.floatToIntBits(f);
        }
        return h;
    }

    public static void main(String[] args) {
        System.out.println(hash(1));
    }
}
