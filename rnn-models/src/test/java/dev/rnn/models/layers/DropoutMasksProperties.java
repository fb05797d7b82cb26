package dev.rnn.models.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Masks computed from the draw index have the bits of stepping {@code SplittableRandom} element by element. */
class DropoutMasksProperties {

    @Property(tries = 200)
    void masksAreTheGeneratorsDraws(@ForAll long seed, @ForAll @LongRange(min = 0, max = 5000) long first,
                                    @ForAll @IntRange(min = 1, max = 40) int rows, @ForAll @IntRange(min = 1, max = 70) int cols,
                                    @ForAll @DoubleRange(min = 0, max = 0.95) double p, @ForAll boolean strided) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix mask = strided ? Matrix.allocate(arena, rows, cols + 3).sliceCols(1, 1 + cols) : Matrix.allocate(arena, rows, cols);
            long next = DropoutMasks.fill(mask, seed, first, p);
            assertEquals(first + (long) rows * cols, next);
            SplittableRandom random = new SplittableRandom(seed);
            for (long k = 0; k < first; k++) {
                random.nextDouble();
            }
            float keep = (float) (1 / (1 - p));
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    float expected = random.nextDouble() < p ? 0f : keep;
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(mask.get(r, c)),
                            "element (" + r + ", " + c + ")");
                }
            }
        }
    }

    /** The draws exactly at the threshold: a draw equal to p keeps its element, as {@code nextDouble() < p} does. */
    @Property(tries = 50)
    void thresholdIsStrict(@ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double p = random.nextDouble();         // draw 0 equals p exactly
        try (Arena arena = Arena.ofConfined()) {
            Matrix mask = Matrix.allocate(arena, 1, 1);
            DropoutMasks.fill(mask, seed, 0, p);
            assertEquals((float) (1 / (1 - p)), mask.get(0, 0));
        }
    }
}
