package dev.rnn.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The documented behaviour at the edges: NaN, infinities, signed zero, subnormals, huge logits,
 * empty and one-element shapes, and mismatched shapes. Every backend must behave identically.
 */
public abstract class KernelEdgeCaseContract {

    protected abstract Kernels kernels();

    private Arena arena;

    @BeforeEach
    void open() {
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        arena.close();
    }

    /** A row vector padded to several vector widths so both the body and the tail see every value. */
    private Matrix row(float... v) {
        return Matrix.of(arena, 1, v.length, v);
    }

    private float[] apply(String fn, float... x) {
        // repeat the inputs 37 times so they land in vector bodies and in tails
        float[] xs = new float[x.length * 37];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = x[i % x.length];
        }
        Matrix in = row(xs), out = Matrix.allocate(arena, 1, xs.length);
        switch (fn) {
            case "tanh" -> kernels().tanh(in, out);
            case "sigmoid" -> kernels().sigmoid(in, out);
            case "relu" -> kernels().relu(in, out);
            case "exp" -> kernels().exp(in, out);
            default -> throw new IllegalArgumentException(fn);
        }
        float[] all = out.toArray();
        for (int i = x.length; i < all.length; i++) {
            assertEquals(Float.floatToIntBits(all[i % x.length]), Float.floatToIntBits(all[i]),
                    fn + " gives the same result at every position, input " + x[i % x.length]);
        }
        return java.util.Arrays.copyOf(all, x.length);
    }

    @Test
    void nanPropagatesThroughActivations() {
        for (String fn : new String[] {"tanh", "sigmoid", "relu", "exp"}) {
            assertTrue(Float.isNaN(apply(fn, Float.NaN)[0]), fn + "(NaN) is NaN");
        }
    }

    @Test
    void infinitiesSaturate() {
        assertArrayEquals(new float[] {1f, -1f}, apply("tanh", Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
        assertArrayEquals(new float[] {1f, 0f}, apply("sigmoid", Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
        assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 0f}, apply("relu", Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
        assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, 0f}, apply("exp", Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
    }

    @Test
    void signedZero() {
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(apply("tanh", -0f)[0]), "tanh(−0) = −0");
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(apply("relu", -0f)[0]), "relu(−0) = +0");
        assertEquals(0.5f, apply("sigmoid", -0f)[0]);
        assertEquals(1f, apply("exp", -0f)[0]);
    }

    @Test
    void subnormalsAreNotFlushed() {
        float tiny = Float.MIN_VALUE * 1000; // subnormal
        assertEquals(tiny, apply("tanh", tiny)[0], "tanh(x) = x for tiny x");
        assertEquals(-tiny, apply("tanh", -tiny)[0]);
        assertEquals(tiny, apply("relu", tiny)[0]);
        assertEquals(0f, apply("relu", -tiny)[0]);
        assertEquals(0.5f, apply("sigmoid", tiny)[0]);
        assertEquals(1f, apply("exp", tiny)[0]);
        // σ(−100) ≈ 3.7e−44 is itself subnormal and must not become 0
        float s = apply("sigmoid", -100f)[0];
        assertTrue(s > 0f && s < Float.MIN_NORMAL, "σ(−100) = " + s + " is a positive subnormal");
    }

    @Test
    void softmaxOfHugeLogitsIsFinite() {
        Matrix x = row(1e4f, -1e4f, 0f), p = Matrix.allocate(arena, 1, 3), lp = Matrix.allocate(arena, 1, 3);
        kernels().softmax(x, p);
        kernels().logSoftmax(x, lp);
        assertArrayEquals(new float[] {1f, 0f, 0f}, p.toArray());
        assertArrayEquals(new float[] {0f, -2e4f, -1e4f}, lp.toArray());
        float[] loss = new float[1];
        kernels().crossEntropy(x, new int[] {1}, loss);
        assertEquals(2e4f, loss[0]);
    }

    @Test
    void softmaxOfEqualValuesIsUniform() {
        for (int n : new int[] {1, 3, 16, 17, 100}) {
            float[] v = new float[n];
            java.util.Arrays.fill(v, 123.5f);
            Matrix x = row(v), p = Matrix.allocate(arena, 1, n);
            kernels().softmax(x, p);
            for (float f : p.toArray()) {
                assertEquals(1.0 / n, f, 1e-7, "uniform over " + n);
            }
        }
    }

    @Test
    void softmaxOfOneElementIsOne() {
        Matrix x = row(-42f), p = Matrix.allocate(arena, 1, 1), lp = Matrix.allocate(arena, 1, 1);
        kernels().softmax(x, p);
        kernels().logSoftmax(x, lp);
        assertEquals(1f, p.get(0, 0));
        assertEquals(0f, lp.get(0, 0));
    }

    @Test
    void softmaxWithNanOrInfinity() {
        Matrix p = Matrix.allocate(arena, 1, 3);
        kernels().softmax(row(1f, Float.NaN, 2f), p);
        for (float f : p.toArray()) {
            assertTrue(Float.isNaN(f), "a NaN logit makes the whole row NaN");
        }
        kernels().softmax(row(Float.NEGATIVE_INFINITY, 0f, 0f), p);
        assertArrayEquals(new float[] {0f, 0.5f, 0.5f}, p.toArray(), "−∞ is probability 0");
        kernels().softmax(row(Float.POSITIVE_INFINITY, 0f, 1f), p);
        for (float f : p.toArray()) {
            assertTrue(Float.isNaN(f), "+∞ − max is ∞ − ∞: the whole row is NaN, as in PyTorch");
        }
    }

    @Test
    void nanInAProductPoisonsOnlyItsRow() {
        Matrix a = Matrix.of(arena, 2, 2, 1f, Float.NaN, 1f, 2f);
        Matrix b = Matrix.of(arena, 2, 2, 1f, 0f, 0f, 1f);
        Matrix c = Matrix.allocate(arena, 2, 2);
        kernels().gemm(a, b, c, false);
        assertTrue(Float.isNaN(c.get(0, 0)) && Float.isNaN(c.get(0, 1)));
        assertArrayEquals(new float[] {1f, 2f}, c.row(1).toArray());
    }

    @Test
    void emptyShapes() {
        Matrix a = Matrix.allocate(arena, 0, 5), b = Matrix.allocate(arena, 5, 3), c = Matrix.allocate(arena, 0, 3);
        kernels().gemm(a, b, c, false); // nothing to do, nothing thrown
        Matrix a2 = Matrix.allocate(arena, 4, 0), b2 = Matrix.allocate(arena, 0, 3), c2 = Matrix.allocate(arena, 4, 3);
        c2.fill(7f);
        kernels().gemm(a2, b2, c2, true);
        assertEquals(7f, c2.get(3, 2), "accumulating an empty sum leaves C unchanged");
        kernels().gemm(a2, b2, c2, false);
        assertEquals(0f, c2.get(3, 2), "an empty sum is 0");
        assertEquals(0f, kernels().dot(Matrix.allocate(arena, 0, 0), Matrix.allocate(arena, 0, 0)));
        Matrix e = Matrix.allocate(arena, 1, 0);
        kernels().tanh(e, e);
        kernels().softmax(Matrix.allocate(arena, 0, 4), Matrix.allocate(arena, 0, 4));
    }

    @Test
    void oneElementShapes() {
        Matrix a = row(3f), b = row(-2f), c = Matrix.allocate(arena, 1, 1);
        kernels().gemm(a, b, c, false);
        assertEquals(-6f, c.get(0, 0));
        kernels().gemmTransA(a, b, c, true);
        assertEquals(-12f, c.get(0, 0));
        assertEquals(-6f, kernels().dot(a, b));
        assertEquals(9f, kernels().sumOfSquares(a));
    }

    @Test
    void mismatchedProductNamesBothShapes() {
        Matrix a = Matrix.allocate(arena, 3, 4), b = Matrix.allocate(arena, 5, 6), c = Matrix.allocate(arena, 3, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernels().gemm(a, b, c, false));
        assertTrue(e.getMessage().contains("3×4") && e.getMessage().contains("5×6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> kernels().gemmTransB(a, b, c, false));
        assertTrue(e.getMessage().contains("gemmTransB"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> kernels().gemmTransA(a, b, c, false));
        assertTrue(e.getMessage().contains("gemmTransA"), e.getMessage());
    }

    @Test
    void mismatchedElementwiseNamesBothShapes() {
        Matrix a = Matrix.allocate(arena, 2, 3), b = Matrix.allocate(arena, 3, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernels().add(a, b, a));
        assertEquals("add: shapes differ, 2×3 vs 3×2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> kernels().tanh(a, b));
        assertThrows(IllegalArgumentException.class, () -> kernels().dot(a, b));
        assertThrows(IllegalArgumentException.class, () -> kernels().softmax(a, b));
        e = assertThrows(IllegalArgumentException.class, () -> kernels().gemv(a, Matrix.allocate(arena, 1, 2), Matrix.allocate(arena, 1, 2)
                .sliceCols(0, 2), false));
        assertEquals("gemv: x must be a 1×3 vector, found 1×2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> kernels().addRowVector(Matrix.allocate(arena, 1, 2), a));
        assertEquals("addRowVector: bias must be a 1×3 vector, found 1×2", e.getMessage());
    }

    @Test
    void badTargetsAreRejectedBeforeAnythingIsWritten() {
        Matrix x = Matrix.allocate(arena, 2, 3);
        float[] losses = {5f, 5f};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> kernels().crossEntropy(x, new int[] {0, 3}, losses));
        assertTrue(e.getMessage().contains("target 3 at row 1"), e.getMessage());
        assertArrayEquals(new float[] {5f, 5f}, losses, "nothing written");
        assertThrows(IllegalArgumentException.class, () -> kernels().crossEntropy(x, new int[] {0}, losses));
        assertThrows(IllegalArgumentException.class, () -> kernels().crossEntropy(x, new int[] {0, 1}, new float[1]));
    }

    @Test
    void writesStayInsideAStridedView() {
        Matrix wide = Matrix.allocate(arena, 5, 40);
        wide.fill(Float.NaN);
        Matrix view = wide.sliceCols(3, 36);
        Matrix a = Matrix.allocate(arena, 5, 20), b = Matrix.allocate(arena, 20, 33);
        a.fill(1f);
        b.fill(0.5f);
        kernels().gemm(a, b, view, false);
        kernels().tanh(view, view);
        kernels().softmax(view, view);
        kernels().addRowVector(Matrix.allocate(arena, 1, 33), view);
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 40; c++) {
                boolean inside = c >= 3 && c < 36;
                assertEquals(!inside, Float.isNaN(wide.get(r, c)), "element (" + r + ", " + c + ")");
            }
        }
    }

    @Test
    void inPlaceElementwiseIsAllowed() {
        Matrix x = row(1f, 2f, 3f);
        kernels().scale(2f, x, x);
        kernels().add(x, x, x);
        kernels().mul(x, x, x);
        assertArrayEquals(new float[] {16f, 64f, 144f}, x.toArray());
    }

    @Test
    void productsCrossEveryBlockBoundary() {
        // larger than one packed block in every dimension of the SIMD GEMM (MC = 48, KC = 512, NC = 512)
        java.util.Random rnd = new java.util.Random(7);
        int m = 101, k = 1100, n = 1030;
        Matrix a = KernelTesting.random(arena, m, k, rnd, 1f, false);
        Matrix b = KernelTesting.random(arena, k, n, rnd, 1f, false);
        Matrix bt = KernelTesting.transpose(arena, b), at = KernelTesting.transpose(arena, a);
        double[][] ad = KernelTesting.toDouble(a), bd = KernelTesting.toDouble(b);
        Matrix c = Matrix.allocate(arena, m, n);
        kernels().gemm(a, b, c, false);
        KernelTesting.assertProduct("gemm", ad, bd, null, c);
        kernels().gemmTransB(a, bt, c, false);
        KernelTesting.assertProduct("gemmTransB", ad, bd, null, c);
        kernels().gemmTransA(at, b, c, false);
        KernelTesting.assertProduct("gemmTransA", ad, bd, null, c);
    }
}
