package dev.rnn.simd;

import dev.rnn.core.Matrix;

/**
 * How the kernels that are not products share {@link GemmThreads}' pool: a job of independent units
 * (rows of a cell step, elements of an optimizer update, columns of a column sum) is cut into one
 * range per thread, and each unit gets exactly the operations it gets on one thread, so the bits never
 * depend on the thread count. Reductions across units are never split this way.
 */
final class SimdSplits {

    /**
     * Floats of arithmetic-only work (an add, a column sum, an optimizer update) below which the calling
     * thread does it all: 2¹⁸ floats take 30–60 µs, and a hand-off to the pool and back costs 10–20 µs.
     */
    static final long MIN_ARITHMETIC_FLOATS = 1L << 18;

    /**
     * Floats of optimizer update below which one thread does it all: each float streams three or four
     * arrays and costs a division or two and a square root, four times the work of an add.
     */
    static final long MIN_UPDATE_FLOATS = MIN_ARITHMETIC_FLOATS / 4;

    /**
     * Floats of cell-step work (three or more transcendentals per element) below which one thread does it
     * all: an LSTM step of 32 rows at H = 512 (16,384 floats) takes about 130 µs, worth splitting.
     */
    static final long MIN_CELL_FLOATS = 1L << 12;

    private SimdSplits() {
    }

    /** Parts for {@code floats} of work (at most one per unit), or 1 when below {@code min} or the memory is confined. */
    static int parts(long floats, long min, int units, Matrix a, Matrix b) {
        if (GemmThreads.THREADS == 1 || floats < min || units < 2) {
            return 1;
        }
        return shareable(a) && shareable(b) ? Math.min(GemmThreads.THREADS, units) : 1;
    }

    static int parts(long floats, long min, int units, Matrix a, Matrix b, Matrix c, Matrix d) {
        if (GemmThreads.THREADS == 1 || floats < min || units < 2) {
            return 1;
        }
        return shareable(a) && shareable(b) && shareable(c) && shareable(d) ? Math.min(GemmThreads.THREADS, units) : 1;
    }

    static int parts(long floats, long min, int units, Matrix a, Matrix b, Matrix c, Matrix d, Matrix e, Matrix f) {
        if (GemmThreads.THREADS == 1 || floats < min || units < 2) {
            return 1;
        }
        return shareable(a) && shareable(b) && shareable(c) && shareable(d) && shareable(e) && shareable(f)
                ? Math.min(GemmThreads.THREADS, units) : 1;
    }

    private static boolean shareable(Matrix m) {
        return GemmThreads.shareable(m.segment());
    }

    /**
     * The first unit of part {@code part} of {@code parts} over {@code units}, a multiple of {@code align}
     * (so that vector loops see whole vectors); part {@code parts} starts at {@code units}.
     */
    static int start(int units, int part, int parts, int align) {
        if (part >= parts) {
            return units;
        }
        return (int) ((long) units * part / parts) / align * align;
    }
}
