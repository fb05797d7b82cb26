package dev.rnn.bench;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/** Random inputs for benchmarks, from a fixed seed so every backend sees the same numbers. */
final class BenchMatrices {

    private BenchMatrices() {
    }

    static Matrix random(Arena arena, int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] data = new float[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return Matrix.of(arena, rows, cols, data);
    }
}
