package dev.rnn.core.testing;

import static dev.rnn.core.testing.KernelTesting.U;
import static dev.rnn.core.testing.KernelTesting.random;
import static dev.rnn.core.testing.KernelTesting.transpose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The identities that define the mathematics, checked on one backend at a time. */
public abstract class KernelIdentityContract {

    protected abstract Kernels kernels();

    @Provide
    Arbitrary<Integer> dim() {
        return KernelTesting.sizes(130);
    }

    @Provide
    Arbitrary<Integer> length() {
        return KernelTesting.sizes(600);
    }

    @Property(tries = 30)
    void transposedVariantsAgreeWithExplicitTransposes(@ForAll("dim") int m, @ForAll("length") int k,
                                                       @ForAll("dim") int n, @ForAll long seed) {
        Kernels kn = kernels();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = random(arena, m, k, rnd, 1f, false);
            Matrix b = random(arena, k, n, rnd, 1f, false);
            Matrix direct = Matrix.allocate(arena, m, n), viaB = Matrix.allocate(arena, m, n), viaA = Matrix.allocate(arena, m, n);
            kn.gemm(a, b, direct, false);
            kn.gemmTransB(a, transpose(arena, b), viaB, false);
            kn.gemmTransA(transpose(arena, a), b, viaA, false);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double tol = 2 * (k + 3) * U * k; // |a|,|b| ≤ 1: Σ|aᵢbᵢ| ≤ k
                    assertEquals(direct.get(i, j), viaB.get(i, j), tol, "A·B vs A·(Bᵀ)ᵀ");
                    assertEquals(direct.get(i, j), viaA.get(i, j), tol, "A·B vs (Aᵀ)ᵀ·B");
                }
            }
        }
    }

    @Property(tries = 40)
    void gemvEqualsGemmWithOneColumn(@ForAll("length") int m, @ForAll("length") int n, @ForAll long seed) {
        Kernels kn = kernels();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = random(arena, m, n, rnd, 1f, false);
            Matrix x = random(arena, 1, n, rnd, 1f, false);
            Matrix y = Matrix.allocate(arena, 1, m), c = Matrix.allocate(arena, m, 1);
            kn.gemv(a, x, y, false);
            kn.gemm(a, x.reshape(n, 1), c, false);
            for (int i = 0; i < m; i++) {
                assertEquals(c.get(i, 0), y.get(0, i), 2 * (n + 3) * U * n, "row " + i);
            }
        }
    }

    @Property(tries = 60)
    void softmaxRowsSumToOneAndAreShiftInvariant(@ForAll("dim") int rows, @ForAll("length") int cols,
                                                 @ForAll long seed) {
        Kernels kn = kernels();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x = random(arena, rows, cols, rnd, 8f, false);
            Matrix shifted = Matrix.allocate(arena, rows, cols);
            float shift = 64f;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    shifted.set(i, j, x.get(i, j) + shift);
                }
            }
            Matrix p = Matrix.allocate(arena, rows, cols), q = Matrix.allocate(arena, rows, cols);
            kn.softmax(x, p);
            kn.softmax(shifted, q);
            for (int i = 0; i < rows; i++) {
                double sum = 0;
                for (int j = 0; j < cols; j++) {
                    sum += p.get(i, j);
                    // x + 64 lands in [56, 72] and is rounded by up to half an ulp there (2⁻¹⁸); that error
                    // enters x − max twice and the sum twice, so shifting moves p by up to 4·2⁻¹⁸ relatively,
                    // on top of each softmax's own (n + 24)·2⁻²⁴
                    double tol = (2 * (cols + 24) * U + 4 * 0x1p-18) * p.get(i, j) + 1e-44;
                    assertEquals(p.get(i, j), q.get(i, j), tol, "shift invariance at " + i + "," + j);
                }
                assertEquals(1.0, sum, (2 * cols + 8) * U, "row " + i + " sums to 1");
            }
        }
    }

    @Property(tries = 60)
    void logSoftmaxIsLogOfSoftmax(@ForAll("dim") int rows, @ForAll("length") int cols, @ForAll long seed) {
        Kernels kn = kernels();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x = random(arena, rows, cols, rnd, 5f, false);
            Matrix p = Matrix.allocate(arena, rows, cols), lp = Matrix.allocate(arena, rows, cols);
            kn.softmax(x, p);
            kn.logSoftmax(x, lp);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    // relative error of p (≤ (n+18)u) becomes absolute error of log p, plus rounding of |log p| ≤ 10 + log n
                    double tol = (cols + 18) * U + 2 * (12 + Math.log(cols)) * U;
                    assertEquals(Math.log(p.get(i, j)), lp.get(i, j), tol, "at " + i + "," + j);
                }
            }
        }
    }

    @Property(tries = 60)
    void tanhIsTwiceSigmoidOfTwiceXMinusOne(@ForAll("length") int n, @ForAll long seed) {
        Kernels kn = kernels();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x = random(arena, 1, n, rnd, 6f, false);
            Matrix twoX = Matrix.allocate(arena, 1, n), t = Matrix.allocate(arena, 1, n), s = Matrix.allocate(arena, 1, n);
            kn.scale(2f, x, twoX);
            kn.tanh(x, t);
            kn.sigmoid(twoX, s);
            for (int j = 0; j < n; j++) {
                // σ within 3 ulps of a value ≤ 1, doubled, minus 1; tanh within 2 ulps of a value ≤ 1
                assertEquals(t.get(0, j), 2 * s.get(0, j) - 1, 16 * U, "at x=" + x.get(0, j));
            }
        }
    }

    @Property(tries = 40)
    void derivativesMatchCentralDifferences(@ForAll("length") int n, @ForAll long seed) {
        Kernels kn = kernels();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x = random(arena, 1, n, rnd, 3f, false);
            float h = 1e-2f;
            Matrix plus = Matrix.allocate(arena, 1, n), minus = Matrix.allocate(arena, 1, n);
            for (int j = 0; j < n; j++) {
                plus.set(0, j, x.get(0, j) + h);
                minus.set(0, j, x.get(0, j) - h);
            }
            Matrix ones = Matrix.allocate(arena, 1, n);
            ones.fill(1f);
            Matrix y = Matrix.allocate(arena, 1, n), yp = Matrix.allocate(arena, 1, n), ym = Matrix.allocate(arena, 1, n);
            Matrix dx = Matrix.allocate(arena, 1, n);
            for (int f = 0; f < 3; f++) {
                switch (f) {
                    case 0 -> { kn.tanh(x, y); kn.tanh(plus, yp); kn.tanh(minus, ym); kn.tanhBackward(y, ones, dx); }
                    case 1 -> { kn.sigmoid(x, y); kn.sigmoid(plus, yp); kn.sigmoid(minus, ym); kn.sigmoidBackward(y, ones, dx); }
                    default -> { kn.relu(x, y); kn.relu(plus, yp); kn.relu(minus, ym); kn.reluBackward(y, ones, dx); }
                }
                for (int j = 0; j < n; j++) {
                    float xv = x.get(0, j);
                    if (f == 2 && Math.abs(xv) <= 2 * h) {
                        continue; // relu has a kink at 0
                    }
                    // central difference: truncation ≤ h²·max|f'''|/6 (≤ 0.0002 for tanh, σ), rounding ≤ 2·2ulp/(2h)
                    double cd = ((double) yp.get(0, j) - ym.get(0, j)) / ((double) plus.get(0, j) - minus.get(0, j));
                    assertEquals(cd, dx.get(0, j), 1e-3, "function " + f + " at x=" + xv);
                }
            }
        }
    }

    @Property(tries = 40)
    void crossEntropyIsMinusLogSoftmaxAtTarget(@ForAll("dim") int rows, @ForAll("length") int cols, @ForAll long seed) {
        Kernels kn = kernels();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x = random(arena, rows, cols, rnd, 4f, false);
            Matrix lp = Matrix.allocate(arena, rows, cols);
            int[] t = new int[rows];
            for (int i = 0; i < rows; i++) {
                t[i] = rnd.nextInt(cols);
            }
            float[] losses = new float[rows];
            kn.logSoftmax(x, lp);
            kn.crossEntropy(x, t, losses);
            for (int i = 0; i < rows; i++) {
                assertEquals(-lp.get(i, t[i]), losses[i], 4 * (16 + Math.log(cols)) * U, "row " + i);
                assertTrue(losses[i] >= 0f, "cross-entropy is never negative");
            }
        }
    }

    /**
     * An LSTM step given its pre-activations whole (hProj null, as a product of [x | h] with [W_ih | W_hh]
     * gives them) has the bits of the step given the same sum in two parts.
     */
    @Property(tries = 40)
    void lstmStepFromWholeGatesEqualsTheStepFromTheirParts(@ForAll("dim") int hidden, @ForAll("rows") int rows,
                                                           @ForAll boolean strided, @ForAll long seed) {
        Kernels k = kernels();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x4 = random(arena, rows, 4 * hidden, rnd, 6f, strided), h4 = random(arena, rows, 4 * hidden, rnd, 6f, strided);
            Matrix prev = random(arena, rows, hidden, rnd, 2f, strided), gates = random(arena, rows, 4 * hidden, rnd, 1f, strided);
            k.add(x4, h4, gates);
            Matrix[] out = new Matrix[6];
            for (int v = 0; v < 2; v++) {
                Matrix saved = random(arena, rows, 5 * hidden, rnd, 1f, strided), c = random(arena, rows, hidden, rnd, 1f, strided);
                Matrix h = random(arena, rows, hidden, rnd, 1f, strided);
                if (v == 0) {
                    k.lstmForward(x4, h4, prev, saved, c, h);
                } else {
                    k.lstmForward(gates, null, prev, saved, c, h);
                }
                out[3 * v] = saved;
                out[3 * v + 1] = c;
                out[3 * v + 2] = h;
            }
            assertSameBits("saved", out[0], out[3]);
            assertSameBits("c", out[1], out[4]);
            assertSameBits("h", out[2], out[5]);
        }
    }

    /**
     * The fused cell steps are defined as the sequences of elementwise kernels written in Kernels'
     * default methods: an implementation that fuses them must give exactly those bits, forward and
     * backward, on strided views and at every row length.
     */
    @Property(tries = 60)
    void fusedCellStepsEqualTheKernelsThatDefineThem(@ForAll("dim") int hidden, @ForAll("rows") int rows,
                                                     @ForAll boolean strided, @ForAll long seed) {
        Kernels fused = kernels(), composed = composedCellSteps(fused);
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x4 = random(arena, rows, 4 * hidden, rnd, 6f, strided), h4 = random(arena, rows, 4 * hidden, rnd, 6f, strided);
            Matrix prev = random(arena, rows, hidden, rnd, 2f, strided), dh = random(arena, rows, hidden, rnd, 1f, strided);
            Matrix dcIn = random(arena, rows, hidden, rnd, 1f, strided);
            Matrix[] lstm = new Matrix[2 * 6];
            for (int v = 0; v < 2; v++) {
                Kernels k = v == 0 ? composed : fused;
                Matrix saved = random(arena, rows, 5 * hidden, rnd, 1f, strided), c = random(arena, rows, hidden, rnd, 1f, strided);
                Matrix h = random(arena, rows, hidden, rnd, 1f, strided), dGates = random(arena, rows, 4 * hidden, rnd, 1f, strided);
                Matrix dc = random(arena, rows, hidden, rnd, 1f, strided), scratch = random(arena, rows, hidden, rnd, 1f, strided);
                dc.copyFrom(dcIn);
                k.lstmForward(x4, h4, prev, saved, c, h);
                k.lstmBackward(saved, prev, dh, dc, dGates, scratch);
                System.arraycopy(new Matrix[] {saved, c, h, dGates, dc, scratch}, 0, lstm, 6 * v, 6);
            }
            String[] lstmNames = {"saved", "c", "h", "dGates", "dc"};
            for (int i = 0; i < lstmNames.length; i++) {
                assertSameBits("LSTM " + lstmNames[i], lstm[i], lstm[6 + i]);
            }
            Matrix x3 = x4.sliceCols(0, 3 * hidden), h3 = h4.sliceCols(hidden, 4 * hidden);
            Matrix[] gru = new Matrix[2 * 5];
            for (int v = 0; v < 2; v++) {
                Kernels k = v == 0 ? composed : fused;
                Matrix saved = random(arena, rows, 4 * hidden, rnd, 1f, strided), h = random(arena, rows, hidden, rnd, 1f, strided);
                Matrix dx = random(arena, rows, 3 * hidden, rnd, 1f, strided), dhp = random(arena, rows, 3 * hidden, rnd, 1f, strided);
                Matrix dPrev = random(arena, rows, hidden, rnd, 1f, strided), scratch = random(arena, rows, hidden, rnd, 1f, strided);
                k.gruForward(x3, h3, prev, saved, h, scratch);
                k.gruBackward(saved, prev, dh, dx, dhp, dPrev, scratch);
                System.arraycopy(new Matrix[] {saved, h, dx, dhp, dPrev}, 0, gru, 5 * v, 5);
            }
            String[] gruNames = {"saved", "h", "dxProj", "dhProj", "dhPrev"};
            for (int i = 0; i < gruNames.length; i++) {
                assertSameBits("GRU " + gruNames[i], gru[i], gru[5 + i]);
            }
        }
    }

    @Provide
    Arbitrary<Integer> rows() {
        return net.jqwik.api.Arbitraries.integers().between(1, 9);
    }

    /** The backend with its fused cell steps replaced by the default methods that define them. */
    private static Kernels composedCellSteps(Kernels backend) {
        return (Kernels) java.lang.reflect.Proxy.newProxyInstance(Kernels.class.getClassLoader(), new Class<?>[] {Kernels.class},
                (proxy, method, args) -> {
                    boolean cellStep = method.isDefault() && method.getName().matches("(lstm|gru)(Forward|Backward)");
                    try {
                        return cellStep ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args)
                                : method.invoke(backend, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static void assertSameBits(String what, Matrix expected, Matrix actual) {
        for (int r = 0; r < expected.rows(); r++) {
            for (int c = 0; c < expected.cols(); c++) {
                int e = Float.floatToRawIntBits(expected.get(r, c)), a = Float.floatToRawIntBits(actual.get(r, c));
                if (e != a) {
                    throw new AssertionError(what + " differs at (" + r + ", " + c + "): " + expected.get(r, c)
                            + " composed, " + actual.get(r, c) + " fused");
                }
            }
        }
    }
}
