package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.AdamStep;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.core.testing.KernelTesting;
import java.lang.foreign.Arena;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The kernels that cut their work into row, column or element ranges for {@link GemmThreads}' pool
 * (this suite runs with {@code -Drnn.threads=4}): the pooled result has the bits of one thread doing
 * every range, and of any other cut; the Adam update has the scalar oracle's bits.
 */
class SimdSplitsProperties {

    private static final Kernels SIMD = SimdKernels.INSTANCE;

    @Provide
    Arbitrary<Integer> width() {
        return Arbitraries.oneOf(KernelTesting.sizes(129), Arbitraries.integers().between(300, 700));
    }

    @Provide
    Arbitrary<Integer> height() {
        // below and above the split thresholds (2¹² floats for cell steps, 2¹⁸ for arithmetic)
        return Arbitraries.oneOf(KernelTesting.sizes(65), Arbitraries.integers().between(400, 900));
    }

    @Provide
    Arbitrary<AdamStep> adamSteps() {
        return Arbitraries.of(1L, 2L, 7L, 1000L).flatMap(t -> Arbitraries.of(0f, 0.01f).map(decay -> {
            float lr = 2e-3f;
            return new AdamStep(0.9f, 0.999f, 1e-8f, lr, 1 - lr * decay, (float) (1 - Math.pow(0.9f, t)),
                    (float) (1 - Math.pow(0.999f, t)));
        }));
    }

    /** The SIMD update gives the oracle's bits, on strided views too, split across the pool or not. */
    @Property(tries = 40)
    void adamUpdateHasTheScalarBits(@ForAll("height") int rows, @ForAll("width") int cols, @ForAll boolean strided,
                                    @ForAll("adamSteps") AdamStep step, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(seed);
            Matrix g = KernelTesting.random(arena, rows, cols, rnd, 1f, strided);
            Matrix p0 = KernelTesting.random(arena, rows, cols, rnd, 1f, false);
            Matrix m0 = KernelTesting.random(arena, rows, cols, rnd, 0.1f, false);
            Matrix v0 = KernelTesting.random(arena, rows, cols, rnd, 0.01f, false);
            squareInPlace(v0);                                  // a second moment is never negative
            Matrix[] scalar = copies(arena, strided, p0, m0, v0), simd = copies(arena, strided, p0, m0, v0);
            Kernels.scalar().adamUpdate(scalar[0], g, scalar[1], scalar[2], step);
            SIMD.adamUpdate(simd[0], g, simd[1], simd[2], step);
            for (int i = 0; i < 3; i++) {
                assertSameBits(new String[] {"p", "m", "v"}[i], scalar[i], simd[i]);
            }
        }
    }

    /** RMSprop (and Adagrad, its decay and rest 1) and SGD with and without momentum: the oracle's bits, pooled or not. */
    @Property(tries = 40)
    void otherOptimizerUpdatesHaveTheScalarBits(@ForAll("height") int rows, @ForAll("width") int cols, @ForAll boolean strided,
                                                @ForAll @IntRange(min = 0, max = 4) int variant, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(seed);
            Matrix g = KernelTesting.random(arena, rows, cols, rnd, 1f, strided);
            Matrix p0 = KernelTesting.random(arena, rows, cols, rnd, 1f, false);
            Matrix s0 = KernelTesting.random(arena, rows, cols, rnd, 0.1f, false);
            squareInPlace(s0);
            Matrix[] scalar = copies(arena, strided, p0, s0), simd = copies(arena, strided, p0, s0);
            boolean first = rnd.nextBoolean();
            for (int v = 0; v < 2; v++) {
                Kernels k = v == 0 ? Kernels.scalar() : SIMD;
                Matrix[] m = v == 0 ? scalar : simd;
                switch (variant) {
                    case 0 -> k.rmsPropUpdate(m[0], g, m[1], 0.99f, 1 - 0.99f, 0.01f, 1e-8f);
                    case 1 -> k.rmsPropUpdate(m[0], g, m[1], 1f, 1f, 0.1f, 1e-10f);
                    case 2 -> k.sgdUpdate(m[0], g, null, 0.05f, 0f, false, false);
                    case 3 -> k.sgdUpdate(m[0], g, m[1], 0.05f, 0.9f, first, false);
                    default -> k.sgdUpdate(m[0], g, m[1], 0.05f, 0.9f, false, true);
                }
            }
            assertSameBits("parameter, variant " + variant, scalar[0], simd[0]);
            assertSameBits("state, variant " + variant, scalar[1], simd[1]);
        }
    }

    /** Every split kernel gives, on the pool, the bits of a single call over all units, and of a cut at any point. */
    @Property(tries = 30)
    void splitsChangeNoBit(@ForAll("height") int rows, @ForAll("width") int cols, @ForAll @IntRange(min = 0, max = 1000) int cutAt,
                           @ForAll boolean strided, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(seed);
            Matrix a = KernelTesting.random(arena, rows, cols, rnd, 2f, strided);
            Matrix b = KernelTesting.random(arena, rows, cols, rnd, 2f, strided);
            Matrix bias = KernelTesting.random(arena, 1, cols, rnd, 1f, false);
            int units = SimdElementwise.units(a, b, a), align = SimdElementwise.unitAlignment(a, b, a);
            int cut = Math.min(units, cutAt * units / 1000 / align * align);

            Matrix pooled = copy(arena, a, strided), whole = copy(arena, a, strided), twoParts = copy(arena, a, strided);
            SIMD.add(a, b, pooled);
            SimdElementwise.add(a, b, whole, 0, units);
            SimdElementwise.add(a, b, twoParts, 0, cut);
            SimdElementwise.add(a, b, twoParts, cut, units);
            assertSame3("add", whole, pooled, twoParts);

            for (int op : new int[] {SimdElementwise.SUB, SimdElementwise.MUL, SimdElementwise.ADD_PRODUCT}) {
                pooled = copy(arena, a, strided);
                whole = copy(arena, a, strided);
                twoParts = copy(arena, a, strided);
                switch (op) {
                    case SimdElementwise.SUB -> SIMD.sub(a, b, pooled);
                    case SimdElementwise.MUL -> SIMD.mul(a, b, pooled);
                    default -> SIMD.addProduct(a, b, pooled);
                }
                SimdElementwise.binary(op, a, b, whole, 0, units);
                SimdElementwise.binary(op, a, b, twoParts, 0, cut);
                SimdElementwise.binary(op, a, b, twoParts, cut, units);
                assertSame3("binary " + op, whole, pooled, twoParts);
            }

            pooled = copy(arena, a, strided);
            whole = copy(arena, a, strided);
            twoParts = copy(arena, a, strided);
            SIMD.scale(0.37f, a, pooled);
            SimdElementwise.scale(0.37f, a, whole, 0, units);
            SimdElementwise.scale(0.37f, a, twoParts, 0, cut);
            SimdElementwise.scale(0.37f, a, twoParts, cut, units);
            assertSame3("scale", whole, pooled, twoParts);

            int rowCut = Math.min(rows, cutAt * rows / 1000);
            pooled = copy(arena, a, strided);
            whole = copy(arena, a, strided);
            twoParts = copy(arena, a, strided);
            SIMD.addRowVector(bias, pooled);
            SimdElementwise.addRowVector(bias, whole, 0, rows);
            SimdElementwise.addRowVector(bias, twoParts, 0, rowCut);
            SimdElementwise.addRowVector(bias, twoParts, rowCut, rows);
            assertSame3("addRowVector", whole, pooled, twoParts);

            for (int fn : new int[] {SimdActivations.TANH, SimdActivations.EXP}) {
                pooled = copy(arena, a, strided);
                whole = copy(arena, a, strided);
                twoParts = copy(arena, a, strided);
                if (fn == SimdActivations.TANH) {
                    SIMD.tanh(a, pooled);
                } else {
                    SIMD.exp(a, pooled);
                }
                SimdActivations.map(fn, a, whole, 0, units);
                SimdActivations.map(fn, a, twoParts, 0, cut);
                SimdActivations.map(fn, a, twoParts, cut, units);
                assertSame3("activation " + fn, whole, pooled, twoParts);
            }

            for (boolean log : new boolean[] {false, true}) {
                pooled = copy(arena, a, strided);
                whole = copy(arena, a, strided);
                twoParts = copy(arena, a, strided);
                if (log) {
                    SIMD.logSoftmax(a, pooled);
                    SimdSoftmax.logSoftmax(a, whole, 0, rows);
                    SimdSoftmax.logSoftmax(a, twoParts, 0, rowCut(rows, cutAt));
                    SimdSoftmax.logSoftmax(a, twoParts, rowCut(rows, cutAt), rows);
                } else {
                    SIMD.softmax(a, pooled);
                    SimdSoftmax.softmax(a, whole, 0, rows);
                    SimdSoftmax.softmax(a, twoParts, 0, rowCut(rows, cutAt));
                    SimdSoftmax.softmax(a, twoParts, rowCut(rows, cutAt), rows);
                }
                assertSame3(log ? "logSoftmax" : "softmax", whole, pooled, twoParts);
            }
            int[] targets = new int[rows];
            for (int r = 0; r < rows; r++) {
                targets[r] = rnd.nextInt(cols + 1) - 1;          // −1 marks a row to ignore
            }
            float[] lossPooled = new float[rows], lossWhole = new float[rows], lossTwo = new float[rows];
            SIMD.crossEntropy(a, targets, lossPooled);
            SimdSoftmax.crossEntropy(a, targets, lossWhole, 0, rows);
            SimdSoftmax.crossEntropy(a, targets, lossTwo, 0, rowCut(rows, cutAt));
            SimdSoftmax.crossEntropy(a, targets, lossTwo, rowCut(rows, cutAt), rows);
            org.junit.jupiter.api.Assertions.assertArrayEquals(lossWhole, lossPooled, "crossEntropy (pooled)");
            org.junit.jupiter.api.Assertions.assertArrayEquals(lossWhole, lossTwo, "crossEntropy (cut in two)");

            int colCut = Math.min(cols, cutAt * cols / 1000);
            for (boolean accumulate : new boolean[] {false, true}) {
                Matrix sumPooled = copy(arena, bias, false), sumWhole = copy(arena, bias, false), sumTwo = copy(arena, bias, false);
                SIMD.sumRows(a, sumPooled, accumulate);
                SimdElementwise.sumRows(a, sumWhole, accumulate, 0, cols);
                SimdElementwise.sumRows(a, sumTwo, accumulate, 0, colCut);
                SimdElementwise.sumRows(a, sumTwo, accumulate, colCut, cols);
                assertSame3("sumRows", sumWhole, sumPooled, sumTwo);
            }
        }
    }

    /**
     * The cell steps, forward and backward, for LSTM (given its gates in two parts or whole) and GRU: split by
     * rows, the bits of one call over all rows.
     */
    @Property(tries = 30)
    void cellStepSplitsChangeNoBit(@ForAll("height") int rows, @ForAll("width") int hidden,
                                   @ForAll @IntRange(min = 0, max = 1000) int cutAt, @ForAll boolean strided,
                                   @ForAll boolean wholeGates, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(seed);
            int cut = Math.min(rows, cutAt * rows / 1000);
            Matrix x4 = KernelTesting.random(arena, rows, 4 * hidden, rnd, 6f, strided);
            Matrix h4 = KernelTesting.random(arena, rows, 4 * hidden, rnd, 6f, strided);
            Matrix hp = wholeGates ? null : h4;
            Matrix prev = KernelTesting.random(arena, rows, hidden, rnd, 2f, strided);
            Matrix dh = KernelTesting.random(arena, rows, hidden, rnd, 1f, strided);
            Matrix dcIn = KernelTesting.random(arena, rows, hidden, rnd, 1f, strided);
            Matrix[][] lstm = new Matrix[3][];
            for (int v = 0; v < 3; v++) {
                Matrix saved = Matrix.allocate(arena, rows, 5 * hidden), c = Matrix.allocate(arena, rows, hidden);
                Matrix h = Matrix.allocate(arena, rows, hidden), dGates = Matrix.allocate(arena, rows, 4 * hidden);
                Matrix dc = copy(arena, dcIn, strided), scratch = Matrix.allocate(arena, rows, hidden);
                int[] ranges = v == 0 ? new int[] {0, rows} : v == 1 ? null : new int[] {0, cut, rows};
                if (ranges == null) {
                    SIMD.lstmForward(x4, hp, prev, saved, c, h);
                    SIMD.lstmBackward(saved, prev, dh, dc, dGates, scratch);
                } else {
                    for (int i = 0; i + 1 < ranges.length; i++) {
                        SimdCellSteps.lstmForward(x4, hp, prev, saved, c, h, ranges[i], ranges[i + 1]);
                        SimdCellSteps.lstmBackward(saved, prev, dh, dc, dGates, ranges[i], ranges[i + 1]);
                    }
                }
                lstm[v] = new Matrix[] {saved, c, h, dGates, dc};
            }
            for (int i = 0; i < lstm[0].length; i++) {
                assertSame3("LSTM output " + i, lstm[0][i], lstm[1][i], lstm[2][i]);
            }
            Matrix x3 = x4.sliceCols(0, 3 * hidden), h3 = h4.sliceCols(hidden, 4 * hidden);
            Matrix[][] gru = new Matrix[3][];
            for (int v = 0; v < 3; v++) {
                Matrix saved = Matrix.allocate(arena, rows, 4 * hidden), h = Matrix.allocate(arena, rows, hidden);
                Matrix dx = Matrix.allocate(arena, rows, 3 * hidden), dhp = Matrix.allocate(arena, rows, 3 * hidden);
                Matrix dPrev = Matrix.allocate(arena, rows, hidden), scratch = Matrix.allocate(arena, rows, hidden);
                int[] ranges = v == 0 ? new int[] {0, rows} : v == 1 ? null : new int[] {0, cut, rows};
                if (ranges == null) {
                    SIMD.gruForward(x3, h3, prev, saved, h, scratch);
                    SIMD.gruBackward(saved, prev, dh, dx, dhp, dPrev, scratch);
                } else {
                    for (int i = 0; i + 1 < ranges.length; i++) {
                        SimdCellSteps.gruForward(x3, h3, prev, saved, h, ranges[i], ranges[i + 1]);
                        SimdCellSteps.gruBackward(saved, prev, dh, dx, dhp, dPrev, ranges[i], ranges[i + 1]);
                    }
                }
                gru[v] = new Matrix[] {saved, h, dx, dhp, dPrev};
            }
            for (int i = 0; i < gru[0].length; i++) {
                assertSame3("GRU output " + i, gru[0][i], gru[1][i], gru[2][i]);
            }
        }
    }

    /**
     * A long sum of squares (a gradient's, for clipping by norm) adds fixed chunks in order: the same bits on
     * the pool as on one thread, whichever chunks a thread takes, and within n·2⁻²⁴·Σx² of the exact sum.
     */
    @Property(tries = 20)
    void sumOfSquaresAddsFixedChunksInOrder(@ForAll @IntRange(min = 1, max = 1200) int rows,
                                            @ForAll @IntRange(min = 1, max = 700) int cols,
                                            @ForAll @IntRange(min = 0, max = 1000) int cutAt, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) {
            Matrix x = KernelTesting.random(arena, rows, cols, new Random(seed), 3f, false);
            long size = x.size();
            int chunks = (int) ((size + SimdReductions.SQUARES_CHUNK - 1) / SimdReductions.SQUARES_CHUNK);
            int cut = Math.min(chunks, cutAt * chunks / 1000);
            float[] partial = new float[chunks];
            SimdReductions.sumChunks(x, partial, cut, chunks);
            SimdReductions.sumChunks(x, partial, 0, cut);
            float inOrder = 0f;
            for (float p : partial) {
                inOrder += p;
            }
            float pooled = SIMD.sumOfSquares(x);
            if (size > SimdReductions.SQUARES_CHUNK) {
                assertEquals(Float.floatToRawIntBits(inOrder), Float.floatToRawIntBits(pooled), "chunked sum on the pool");
            }
            double exact = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    exact += (double) x.get(r, c) * x.get(r, c);
                }
            }
            assertEquals(exact, pooled, size * KernelTesting.U * exact + 1e-30, "sum of squares");
        }
    }

    /** Adam split at any element gives the bits of one call over all of them. */
    @Property(tries = 20)
    void adamSplitsChangeNoBit(@ForAll("height") int rows, @ForAll("width") int cols, @ForAll @IntRange(min = 0, max = 1000) int cutAt,
                               @ForAll("adamSteps") AdamStep step, @ForAll long seed) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(seed);
            Matrix g = KernelTesting.random(arena, rows, cols, rnd, 1f, false);
            Matrix p0 = KernelTesting.random(arena, rows, cols, rnd, 1f, false);
            Matrix m0 = KernelTesting.random(arena, rows, cols, rnd, 0.1f, false);
            Matrix v0 = KernelTesting.random(arena, rows, cols, rnd, 0.01f, false);
            squareInPlace(v0);
            int units = SimdOptimizers.units(p0, g, m0, v0);
            int cut = Math.min(units, cutAt * units / 1000 / SimdConstants.LANES * SimdConstants.LANES);
            Matrix[] whole = copies(arena, false, p0, m0, v0), pooled = copies(arena, false, p0, m0, v0);
            Matrix[] two = copies(arena, false, p0, m0, v0);
            SimdOptimizers.adam(whole[0], g, whole[1], whole[2], step, 0, units);
            SIMD.adamUpdate(pooled[0], g, pooled[1], pooled[2], step);
            SimdOptimizers.adam(two[0], g, two[1], two[2], step, 0, cut);
            SimdOptimizers.adam(two[0], g, two[1], two[2], step, cut, units);
            for (int i = 0; i < 3; i++) {
                assertSame3("adam " + i, whole[i], pooled[i], two[i]);
            }
        }
    }

    private static int rowCut(int rows, int cutAt) {
        return Math.min(rows, cutAt * rows / 1000);
    }

    private static void squareInPlace(Matrix m) {
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                m.set(r, c, m.get(r, c) * m.get(r, c));
            }
        }
    }

    private static Matrix[] copies(Arena arena, boolean strided, Matrix... ms) {
        Matrix[] out = new Matrix[ms.length];
        for (int i = 0; i < ms.length; i++) {
            out[i] = copy(arena, ms[i], strided);
        }
        return out;
    }

    private static Matrix copy(Arena arena, Matrix m, boolean strided) {
        Matrix out = strided ? Matrix.allocate(arena, m.rows(), m.cols() + 3).sliceCols(1, 1 + m.cols())
                : Matrix.allocate(arena, m.rows(), m.cols());
        out.copyFrom(m);
        return out;
    }

    private static void assertSame3(String what, Matrix expected, Matrix pooled, Matrix cut) {
        assertSameBits(what + " (pooled)", expected, pooled);
        assertSameBits(what + " (cut in two)", expected, cut);
    }

    private static void assertSameBits(String what, Matrix expected, Matrix actual) {
        assertEquals(expected.rows(), actual.rows(), what);
        for (int r = 0; r < expected.rows(); r++) {
            for (int c = 0; c < expected.cols(); c++) {
                int e = Float.floatToRawIntBits(expected.get(r, c)), a = Float.floatToRawIntBits(actual.get(r, c));
                if (e != a) {
                    throw new AssertionError(what + " differs at (" + r + ", " + c + "): " + expected.get(r, c) + " vs "
                            + actual.get(r, c));
                }
            }
        }
    }
}
