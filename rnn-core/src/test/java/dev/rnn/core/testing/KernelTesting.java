package dev.rnn.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Test support shared by the scalar and SIMD kernel tests: random matrices (optionally strided
 * views), double-precision references, and tolerances that follow the mathematics.
 */
public final class KernelTesting {

    /** Unit roundoff of float32. */
    public static final double U = 0x1p-24;

    /** Sizes that straddle every vector width and unroll factor. */
    public static final int[] AWKWARD = {1, 7, 15, 16, 17, 31, 33, 63, 65, 127, 129};

    private KernelTesting() {
    }

    /** Awkward sizes mixed with random ones up to {@code max}. */
    public static Arbitrary<Integer> sizes(int max) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.of(boxed(AWKWARD)).filter(s -> s <= max)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, max)));
    }

    private static Integer[] boxed(int[] a) {
        Integer[] out = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** Scales for random data: tiny, unit and large magnitudes. */
    public static Arbitrary<Float> scales() {
        return Arbitraries.of(1e-3f, 1f, 1e3f);
    }

    /**
     * A rows×cols matrix of uniform values in [−scale, scale]. When {@code strided}, it is a column
     * view of a wider matrix (row stride cols + 5, with guard values around it), so kernels that
     * ignore the stride fail.
     */
    public static Matrix random(Arena arena, int rows, int cols, Random rnd, float scale, boolean strided) {
        Matrix m;
        if (strided) {
            Matrix wide = Matrix.allocate(arena, rows, cols + 5);
            wide.fill(Float.NaN); // guards: reading them poisons results, writing them is caught by checkGuards
            m = wide.sliceCols(2, 2 + cols);
        } else {
            m = Matrix.allocate(arena, rows, cols);
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                m.set(r, c, (rnd.nextFloat() * 2f - 1f) * scale);
            }
        }
        return m;
    }

    public static double[][] toDouble(Matrix m) {
        double[][] out = new double[m.rows()][m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                out[r][c] = m.get(r, c);
            }
        }
        return out;
    }

    /** Explicit transpose into a new contiguous matrix. */
    public static Matrix transpose(Arena arena, Matrix m) {
        Matrix t = Matrix.allocate(arena, m.cols(), m.rows());
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                t.set(c, r, m.get(r, c));
            }
        }
        return t;
    }

    /**
     * Checks a product C = A·B (+ C0) against double precision: each element within
     * (k + 3)·2⁻²⁴·(Σ|aᵢbᵢ| + |c0|) plus a floor for subnormal results.
     */
    public static void assertProduct(String what, double[][] a, double[][] b, double[][] c0, Matrix c) {
        int m = a.length, k = m == 0 ? 0 : a[0].length, n = c.cols();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i][p] * b[p][j];
                    abs += Math.abs(a[i][p] * b[p][j]);
                }
                if (c0 != null) {
                    s += c0[i][j];
                    abs += Math.abs(c0[i][j]);
                }
                double tol = (k + 3) * U * abs + 1e-37;
                float got = c.get(i, j);
                if (!(Math.abs(got - s) <= tol)) {
                    fail(what + ": C[" + i + "," + j + "] = " + got + ", expected " + s + " ± " + tol
                            + " (m=" + m + ", k=" + k + ", n=" + n + ")");
                }
            }
        }
    }

    /** Distance in units in the last place between two floats of the same sign (MAX_VALUE if not comparable). */
    public static long ulps(float a, float b) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.isNaN(a) && Float.isNaN(b) ? 0 : Long.MAX_VALUE;
        }
        if (a == b) {
            return 0;
        }
        int ia = Float.floatToIntBits(a), ib = Float.floatToIntBits(b);
        if ((ia < 0) != (ib < 0)) {
            return (long) (ia & 0x7fffffff) + (ib & 0x7fffffff);
        }
        return Math.abs((long) ia - ib);
    }

    /** Asserts that {@code got} is within {@code maxUlps} of the correctly rounded {@code exact}. */
    public static void assertUlps(String what, float got, double exact, int maxUlps) {
        float expected = (float) exact;
        long d = ulps(got, expected);
        if (d > maxUlps) {
            fail(what + ": got " + got + ", expected " + expected + " (" + d + " ulps, allowed " + maxUlps + ")");
        }
    }
}
