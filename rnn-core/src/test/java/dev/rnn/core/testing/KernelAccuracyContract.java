package dev.rnn.core.testing;

import static dev.rnn.core.testing.KernelTesting.U;
import static dev.rnn.core.testing.KernelTesting.assertProduct;
import static dev.rnn.core.testing.KernelTesting.assertUlps;
import static dev.rnn.core.testing.KernelTesting.random;
import static dev.rnn.core.testing.KernelTesting.toDouble;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.kernels.GemmOperand;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every kernel against a double-precision reference, over awkward sizes, three magnitudes,
 * contiguous and strided operands. Subclasses name the kernels under test; when those are not the
 * scalar oracle, the oracle is checked on the same inputs too, so both backends are judged against
 * something more precise than either.
 *
 * <p>Tolerances: sums within (n + 3)·2⁻²⁴·Σ|terms| (the classic bound for recursive or blocked
 * summation in float, plus the final rounding); tanh and exp within 2 ulps, sigmoid within 3 (one
 * exp, one add, one divide); softmax within (n + 8 + |x − max|)·2⁻²⁴ relative, the last term being
 * the rounding of the shift that feeds the exponential.
 */
public abstract class KernelAccuracyContract {

    protected abstract Kernels kernels();

    /** The kernels under test, then the scalar oracle when it is a different implementation. */
    private Kernels[] backends() {
        Kernels k = kernels();
        return k == Kernels.scalar() ? new Kernels[] {k} : new Kernels[] {k, Kernels.scalar()};
    }

    @Provide
    Arbitrary<Integer> dim() {
        return KernelTesting.sizes(160);
    }

    @Provide
    Arbitrary<Integer> depth() {
        return KernelTesting.sizes(600);
    }

    @Provide
    Arbitrary<Integer> length() {
        return KernelTesting.sizes(600);
    }

    @Provide
    Arbitrary<Float> scale() {
        return KernelTesting.scales();
    }

    // ---- products ----

    private void checkGemm(int variant, int m, int k, int n, long seed, float scale, boolean strided, boolean accumulate) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            // variant 0: A m×k, B k×n; 1: B stored n×k; 2: A stored k×m
            Matrix a = variant == 2 ? random(arena, k, m, rnd, scale, strided) : random(arena, m, k, rnd, scale, strided);
            Matrix b = variant == 1 ? random(arena, n, k, rnd, scale, strided) : random(arena, k, n, rnd, scale, strided);
            Matrix c0 = random(arena, m, n, rnd, scale, strided);
            double[][] ad = toDouble(variant == 2 ? KernelTesting.transpose(arena, a) : a);
            double[][] bd = toDouble(variant == 1 ? KernelTesting.transpose(arena, b) : b);
            for (Kernels kernels : backends()) {
                Matrix c = random(arena, m, n, rnd, scale, strided);
                c.copyFrom(c0);
                switch (variant) {
                    case 0 -> kernels.gemm(a, b, c, accumulate);
                    case 1 -> kernels.gemmTransB(a, b, c, accumulate);
                    default -> kernels.gemmTransA(a, b, c, accumulate);
                }
                assertProduct(kernels.name() + " variant " + variant, ad, bd, accumulate ? toDouble(c0) : null, c);
            }
        }
    }

    /**
     * Shapes on both sides of the SIMD product's blocking: 12-row panels, 96-row blocks, 256-deep
     * slices, 512-deep blocks and 32-column panels (random shapes seldom reach past 512 deep).
     */
    @Example
    void gemmMatchesReferenceAcrossBlockBoundaries() {
        int[][] shapes = {{95, 255, 31}, {97, 257, 33}, {193, 513, 65}, {12, 769, 32}, {13, 1030, 17}};
        for (int[] s : shapes) {
            for (int variant = 0; variant < 3; variant++) {
                checkGemm(variant, s[0], s[1], s[2], 42L * s[1] + variant, 1f, variant == 1, variant == 2);
                checkGemm(variant, s[0], s[1], s[2], 43L * s[1] + variant, 1f, variant != 1, variant != 2);
            }
        }
    }

    @Property(tries = 30)
    void gemmMatchesReference(@ForAll("dim") int m, @ForAll("depth") int k, @ForAll("dim") int n, @ForAll long seed,
                              @ForAll("scale") float scale, @ForAll boolean strided, @ForAll boolean accumulate) {
        checkGemm(0, m, k, n, seed, scale, strided, accumulate);
    }

    @Property(tries = 30)
    void gemmTransBMatchesReference(@ForAll("dim") int m, @ForAll("depth") int k, @ForAll("dim") int n, @ForAll long seed,
                                    @ForAll("scale") float scale, @ForAll boolean strided, @ForAll boolean accumulate) {
        checkGemm(1, m, k, n, seed, scale, strided, accumulate);
    }

    @Property(tries = 30)
    void gemmTransAMatchesReference(@ForAll("dim") int m, @ForAll("depth") int k, @ForAll("dim") int n, @ForAll long seed,
                                    @ForAll("scale") float scale, @ForAll boolean strided, @ForAll boolean accumulate) {
        checkGemm(2, m, k, n, seed, scale, strided, accumulate);
    }

    @Property(tries = 30)
    void preparedGemmMatchesReference(@ForAll("dim") int m, @ForAll("depth") int k, @ForAll("dim") int n, @ForAll long seed,
                                      @ForAll("scale") float scale, @ForAll boolean strided, @ForAll boolean accumulate,
                                      @ForAll boolean transB) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = random(arena, m, k, rnd, scale, strided);
            Matrix b = transB ? random(arena, n, k, rnd, scale, strided) : random(arena, k, n, rnd, scale, strided);
            Matrix c0 = random(arena, m, n, rnd, scale, strided);
            double[][] bd = toDouble(transB ? KernelTesting.transpose(arena, b) : b);
            for (Kernels kernels : backends()) {
                GemmOperand op = kernels.prepareGemmOperand(b, transB, null);
                assertEquals(k, op.rows());
                assertEquals(n, op.cols());
                Matrix c = Matrix.allocate(arena, m, n);
                c.copyFrom(c0);
                kernels.gemm(a, op, c, accumulate);
                assertProduct(kernels.name() + " prepared gemm", toDouble(a), bd, accumulate ? toDouble(c0) : null, c);
                // the same blocks as an unprepared product: the same bits
                Matrix plain = Matrix.allocate(arena, m, n);
                plain.copyFrom(c0);
                if (transB) {
                    kernels.gemmTransB(a, b, plain, accumulate);
                } else {
                    kernels.gemm(a, b, plain, accumulate);
                }
                assertArrayEquals(plain.toArray(), c.toArray(), kernels.name() + " prepared vs plain");
                // re-preparing into the same operand after B changes gives the new product
                float original = b.get(0, 0);
                b.set(0, 0, original + 1f);
                assertEquals(op, kernels.prepareGemmOperand(b, transB, op));
                b.set(0, 0, original);
            }
        }
    }

    /**
     * The batch-invariant product: accurate like the others, and every row of C the same bits when its
     * row of A is multiplied alone, or among rows taken in another order (batch 1, and a batch that is
     * the same rows reversed, must not change a row). B lives in an arena closed before the products:
     * the contract says only the prepared copy is read.
     */
    @Property(tries = 30)
    void batchInvariantGemmRowsDependOnlyOnTheirRow(@ForAll("dim") int m, @ForAll("depth") int k, @ForAll("dim") int n,
                                                     @ForAll long seed, @ForAll("scale") float scale,
                                                     @ForAll boolean strided, @ForAll boolean accumulate,
                                                     @ForAll boolean transB) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = random(arena, m, k, rnd, scale, strided);
            Matrix c0 = random(arena, m, n, rnd, scale, strided);
            for (Kernels kernels : backends()) {
                GemmOperand op;
                double[][] bd;
                try (Arena forB = Arena.ofConfined()) {
                    Matrix b = transB ? random(forB, n, k, new Random(seed + 1), scale, strided)
                            : random(forB, k, n, new Random(seed + 1), scale, strided);
                    bd = toDouble(transB ? KernelTesting.transpose(forB, b) : b);
                    op = kernels.prepareGemmOperand(b, transB, null);
                }
                Matrix c = Matrix.allocate(arena, m, n);
                c.copyFrom(c0);
                kernels.gemmBatchInvariant(a, op, c, accumulate);
                assertProduct(kernels.name() + " gemmBatchInvariant", toDouble(a), bd, accumulate ? toDouble(c0) : null, c);
                // the same rows in reverse order, as one batch
                Matrix reversedA = Matrix.allocate(arena, m, k), reversedC = Matrix.allocate(arena, m, n);
                for (int i = 0; i < m; i++) {
                    reversedA.row(m - 1 - i).copyFrom(a.row(i));
                    reversedC.row(m - 1 - i).copyFrom(c0.row(i));
                }
                kernels.gemmBatchInvariant(reversedA, op, reversedC, accumulate);
                Matrix alone = Matrix.allocate(arena, 1, n);
                for (int i = 0; i < m; i++) {
                    alone.copyFrom(c0.row(i));
                    kernels.gemmBatchInvariant(a.row(i), op, alone, accumulate);
                    assertArrayEquals(c.row(i).toArray(), alone.toArray(), kernels.name() + " row " + i + " alone");
                    assertArrayEquals(c.row(i).toArray(), reversedC.row(m - 1 - i).toArray(),
                            kernels.name() + " row " + i + " in a reversed batch");
                }
            }
        }
    }

    @Property(tries = 60)
    void gemvMatchesReference(@ForAll("length") int m, @ForAll("length") int n, @ForAll long seed,
                              @ForAll("scale") float scale, @ForAll boolean strided, @ForAll boolean accumulate,
                              @ForAll boolean transposed) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = random(arena, m, n, rnd, scale, strided);
            int in = transposed ? m : n, out = transposed ? n : m;
            Matrix x = random(arena, 1, in, rnd, scale, false);
            Matrix y0 = random(arena, 1, out, rnd, scale, false);
            // as a product: y (1×out) = x (1×in) · op(A)ᵀ
            double[][] opA = toDouble(transposed ? a : KernelTesting.transpose(arena, a));
            for (Kernels kernels : backends()) {
                Matrix y = Matrix.allocate(arena, 1, out);
                y.copyFrom(y0);
                if (transposed) {
                    kernels.gemvTrans(a, x, y, accumulate);
                } else {
                    kernels.gemv(a, x, y, accumulate);
                }
                assertProduct(kernels.name() + (transposed ? " gemvTrans" : " gemv"), toDouble(x), opA,
                        accumulate ? toDouble(y0) : null, y);
            }
        }
    }

    // ---- batch-1 streaming kernels ----

    @Property(tries = 60)
    void packedGemvMatchesReference(@ForAll("length") int rows, @ForAll("length") int inputs, @ForAll("dim") int hidden,
                                    @ForAll PackedMatrix.Format format, @ForAll("columnRange") int range,
                                    @ForAll long seed, @ForAll("scale") float scale, @ForAll boolean withBias,
                                    @ForAll boolean accumulate) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            PackedMatrix w = PackedMatrix.pack(arena, format, random(arena, rows, inputs, rnd, scale, true),
                    random(arena, rows, hidden, rnd, scale, false));
            int from = range == 2 ? w.partOffset(1) : 0, to = range == 1 ? w.partOffset(1) : w.paddedCols();
            Matrix x = random(arena, 1, w.paddedCols(), rnd, scale, false);
            for (int c = inputs; c < w.partOffset(1); c++) {
                x.set(0, c, 0f);       // the padding of a packed vector holds zeros
            }
            Matrix bias = withBias ? random(arena, 1, rows, rnd, scale, false) : null;
            Matrix y0 = random(arena, 1, rows, rnd, scale, false);
            // the bias enters as one more term of the product (x extended by 1), so that the
            // tolerance counts its magnitude and that of y0 separately
            int k = to - from;
            double[][] xd = new double[1][k + 1], wt = new double[k + 1][rows], c0 = new double[1][rows];
            for (int c = from; c < to; c++) {
                xd[0][c - from] = x.get(0, c);
                for (int r = 0; r < rows; r++) {
                    wt[c - from][r] = w.get(r, c);
                }
            }
            xd[0][k] = 1;
            for (int r = 0; r < rows; r++) {
                wt[k][r] = withBias ? bias.get(0, r) : 0;
                c0[0][r] = accumulate ? y0.get(0, r) : 0;
            }
            for (Kernels kernels : backends()) {
                Matrix y = Matrix.allocate(arena, 1, rows);
                y.copyFrom(y0);
                kernels.packedGemv(w, from, to, x, bias, y, accumulate);
                assertProduct(kernels.name() + " packedGemv " + format + " columns [" + from + ", " + to + ")", xd, wt, c0, y);
                // the row order is a cache matter only: the same bits either way
                Matrix backwards = Matrix.allocate(arena, 1, rows);
                backwards.copyFrom(y0);
                kernels.packedGemv(w, from, to, x, bias, backwards, accumulate, true);
                assertArrayEquals(y.toArray(), backwards.toArray(), kernels.name() + " packedGemv, rows last to first");
            }
        }
    }

    @Provide
    Arbitrary<Integer> columnRange() {
        return Arbitraries.of(0, 1, 2);   // all columns, the first part, the second part
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Property(tries = 60)
    void lstmUpdateMatchesReference(@ForAll("batch") int batch, @ForAll("length") int hidden, @ForAll long seed,
                                    @ForAll("scale") float scale, @ForAll boolean strided) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix gates = random(arena, batch, 4 * hidden, rnd, scale, strided);
            Matrix c0 = random(arena, batch, hidden, rnd, scale, strided);
            for (Kernels kernels : backends()) {
                Matrix c = random(arena, batch, hidden, rnd, 1f, strided);
                c.copyFrom(c0);
                Matrix h = random(arena, batch, hidden, rnd, 1f, strided);
                Matrix scratch = random(arena, batch, 4 * hidden, rnd, 1f, strided);
                scratch.copyFrom(gates);   // the kernel may overwrite its gates
                kernels.lstmUpdate(scratch, c, h);
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < hidden; j++) {
                        double i = sigmoid(gates.get(b, j)), f = sigmoid(gates.get(b, hidden + j));
                        double g = Math.tanh(gates.get(b, 2 * hidden + j)), o = sigmoid(gates.get(b, 3 * hidden + j));
                        double cell = f * c0.get(b, j) + i * g, out = o * Math.tanh(cell);
                        // each gate within 3 ulps, then two products and a sum
                        double tolC = 10 * U * (Math.abs(f * c0.get(b, j)) + Math.abs(i * g)) + 1e-37;
                        double tolH = 10 * U * Math.abs(out) + tolC + 1e-37;
                        if (!(Math.abs(c.get(b, j) - cell) <= tolC) || !(Math.abs(h.get(b, j) - out) <= tolH)) {
                            fail(kernels.name() + " lstmUpdate [" + b + "," + j + "]: c " + c.get(b, j) + " vs " + cell + " ± " + tolC
                                    + ", h " + h.get(b, j) + " vs " + out + " ± " + tolH);
                        }
                    }
                }
            }
        }
    }

    @Property(tries = 60)
    void gruUpdateMatchesReference(@ForAll("batch") int batch, @ForAll("length") int hidden, @ForAll long seed,
                                   @ForAll("scale") float scale, @ForAll boolean strided) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix rz = random(arena, batch, 2 * hidden, rnd, scale, strided);
            Matrix nx = random(arena, batch, hidden, rnd, scale, strided);
            Matrix nh = random(arena, batch, hidden, rnd, scale, strided);
            Matrix h0 = random(arena, batch, hidden, rnd, 1f, strided);
            for (Kernels kernels : backends()) {
                Matrix h = random(arena, batch, hidden, rnd, 1f, strided);
                h.copyFrom(h0);
                // the kernel may overwrite rz and nx
                Matrix rzCopy = random(arena, batch, 2 * hidden, rnd, 1f, strided), nxCopy = random(arena, batch, hidden, rnd, 1f, strided);
                rzCopy.copyFrom(rz);
                nxCopy.copyFrom(nx);
                kernels.gruUpdate(rzCopy, nxCopy, nh, h);
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < hidden; j++) {
                        double r = sigmoid(rz.get(b, j)), z = sigmoid(rz.get(b, hidden + j));
                        double arg = nx.get(b, j) + r * nh.get(b, j), n = Math.tanh(arg);
                        double old = h0.get(b, j), want = (1 - z) * n + z * old;
                        // tanh is 1-Lipschitz: the argument's rounding passes through at most unchanged
                        double tolN = 6 * U * (Math.abs(nx.get(b, j)) + Math.abs(r * nh.get(b, j))) + 4 * U * Math.abs(n);
                        double tol = tolN + 8 * U * (Math.abs(n) + Math.abs(old) + Math.abs(z * (old - n))) + 1e-37;
                        if (!(Math.abs(h.get(b, j) - want) <= tol)) {
                            fail(kernels.name() + " gruUpdate [" + b + "," + j + "]: " + h.get(b, j) + " vs " + want + " ± " + tol);
                        }
                    }
                }
            }
        }
    }

    @Provide
    Arbitrary<Integer> batch() {
        return Arbitraries.integers().between(1, 4);
    }

    // ---- elementwise ----

    @Property(tries = 60)
    void elementwiseArithmeticIsExactlyRounded(@ForAll("dim") int rows, @ForAll("length") int cols, @ForAll long seed,
                                               @ForAll("scale") float scale, @ForAll boolean strided) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = random(arena, rows, cols, rnd, scale, strided);
            Matrix b = random(arena, rows, cols, rnd, scale, strided);
            float alpha = (rnd.nextFloat() * 2 - 1) * 3;
            for (Kernels kernels : backends()) {
                Matrix sum = random(arena, rows, cols, rnd, 1f, strided);
                Matrix prod = random(arena, rows, cols, rnd, 1f, strided);
                Matrix scaled = random(arena, rows, cols, rnd, 1f, strided);
                Matrix y = random(arena, rows, cols, rnd, 1f, strided);
                Matrix diff = random(arena, rows, cols, rnd, 1f, strided);
                Matrix acc = random(arena, rows, cols, rnd, 1f, strided);
                Matrix acc0 = random(arena, rows, cols, rnd, 1f, false);
                acc0.copyFrom(acc);
                y.copyFrom(b);
                kernels.add(a, b, sum);
                kernels.sub(a, b, diff);
                kernels.addProduct(a, b, acc);
                kernels.mul(a, b, prod);
                kernels.scale(alpha, a, scaled);
                kernels.axpy(alpha, a, y);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        float av = a.get(r, c), bv = b.get(r, c);
                        assertEquals(av + bv, sum.get(r, c), kernels.name() + " add");
                        assertEquals(av - bv, diff.get(r, c), kernels.name() + " sub");
                        float base = acc0.get(r, c), accGot = acc.get(r, c);
                        if (accGot != Math.fma(av, bv, base) && accGot != base + av * bv) {
                            fail(kernels.name() + " addProduct: " + accGot + " is neither fused nor plain");
                        }
                        assertEquals(av * bv, prod.get(r, c), kernels.name() + " mul");
                        assertEquals(alpha * av, scaled.get(r, c), kernels.name() + " scale");
                        // axpy may fuse the multiply-add: either rounding is allowed
                        float fused = Math.fma(alpha, av, bv), plain = bv + alpha * av, got = y.get(r, c);
                        if (got != fused && got != plain) {
                            fail(kernels.name() + " axpy: " + got + " is neither " + fused + " nor " + plain);
                        }
                    }
                }
            }
        }
    }

    @Property(tries = 60)
    void rowBroadcastAndColumnSums(@ForAll("dim") int rows, @ForAll("length") int cols, @ForAll long seed,
                                   @ForAll("scale") float scale, @ForAll boolean strided, @ForAll boolean accumulate) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix m0 = random(arena, rows, cols, rnd, scale, strided);
            Matrix bias = random(arena, 1, cols, rnd, scale, false);
            Matrix out0 = random(arena, 1, cols, rnd, scale, false);
            for (Kernels kernels : backends()) {
                Matrix m = random(arena, rows, cols, rnd, scale, strided);
                m.copyFrom(m0);
                kernels.addRowVector(bias, m);
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        assertEquals(m0.get(r, c) + bias.get(0, c), m.get(r, c), kernels.name() + " addRowVector");
                    }
                }
                Matrix out = Matrix.allocate(arena, 1, cols);
                out.copyFrom(out0);
                kernels.sumRows(m0, out, accumulate);
                for (int c = 0; c < cols; c++) {
                    double s = accumulate ? out0.get(0, c) : 0, abs = Math.abs(s);
                    for (int r = 0; r < rows; r++) {
                        s += m0.get(r, c);
                        abs += Math.abs(m0.get(r, c));
                    }
                    double tol = (rows + 3) * U * abs + 1e-37;
                    if (!(Math.abs(out.get(0, c) - s) <= tol)) {
                        fail(kernels.name() + " sumRows column " + c + ": " + out.get(0, c) + " vs " + s + " ± " + tol);
                    }
                }
            }
        }
    }

    @Property(tries = 80)
    void dotAndSumOfSquares(@ForAll("dim") int rows, @ForAll("length") int cols, @ForAll long seed,
                            @ForAll("scale") float scale, @ForAll boolean strided) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix a = random(arena, rows, cols, rnd, scale, strided);
            Matrix b = random(arena, rows, cols, rnd, scale, strided);
            double dot = 0, dotAbs = 0, sq = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    double p = (double) a.get(r, c) * b.get(r, c);
                    dot += p;
                    dotAbs += Math.abs(p);
                    sq += (double) a.get(r, c) * a.get(r, c);
                }
            }
            long n = (long) rows * cols;
            for (Kernels kernels : backends()) {
                double tolDot = (n + 3) * U * dotAbs + 1e-37, tolSq = (n + 3) * U * sq + 1e-37;
                float gotDot = kernels.dot(a, b), gotSq = kernels.sumOfSquares(a);
                if (!(Math.abs(gotDot - dot) <= tolDot)) {
                    fail(kernels.name() + " dot over " + n + ": " + gotDot + " vs " + dot + " ± " + tolDot);
                }
                if (!(Math.abs(gotSq - sq) <= tolSq)) {
                    fail(kernels.name() + " sumOfSquares over " + n + ": " + gotSq + " vs " + sq + " ± " + tolSq);
                }
            }
        }
    }

    // ---- activations ----

    @Provide
    Arbitrary<Float> activationScale() {
        return net.jqwik.api.Arbitraries.of(1e-30f, 1e-3f, 1f, 10f, 100f);
    }

    @Property(tries = 80)
    void activationsWithinUlps(@ForAll("dim") int rows, @ForAll("length") int cols, @ForAll long seed,
                               @ForAll("activationScale") float scale, @ForAll boolean strided) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x = random(arena, rows, cols, rnd, scale, strided);
            for (Kernels kernels : backends()) {
                Matrix t = random(arena, rows, cols, rnd, 1f, strided);
                Matrix s = random(arena, rows, cols, rnd, 1f, strided);
                Matrix e = random(arena, rows, cols, rnd, 1f, strided);
                Matrix r = random(arena, rows, cols, rnd, 1f, strided);
                kernels.tanh(x, t);
                kernels.sigmoid(x, s);
                kernels.exp(x, e);
                kernels.relu(x, r);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        double v = x.get(i, j);
                        String at = kernels.name() + " at x=" + v;
                        assertUlps("tanh " + at, t.get(i, j), Math.tanh(v), 2);
                        assertUlps("sigmoid " + at, s.get(i, j), 1 / (1 + Math.exp(-v)), 3);
                        assertUlps("exp " + at, e.get(i, j), Math.exp(v), 2);
                        assertEquals(Math.max((float) v, 0f), r.get(i, j), "relu " + at);
                    }
                }
            }
        }
    }

    @Property(tries = 60)
    void derivativesFromActivationValues(@ForAll("dim") int rows, @ForAll("length") int cols, @ForAll long seed,
                                         @ForAll boolean strided) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix y = random(arena, rows, cols, rnd, 1f, strided);
            Matrix dy = random(arena, rows, cols, rnd, 2f, strided);
            for (Kernels kernels : backends()) {
                Matrix dt = random(arena, rows, cols, rnd, 1f, strided);
                Matrix ds = random(arena, rows, cols, rnd, 1f, strided);
                Matrix dr = random(arena, rows, cols, rnd, 1f, strided);
                kernels.tanhBackward(y, dy, dt);
                kernels.sigmoidBackward(y, dy, ds);
                kernels.reluBackward(y, dy, dr);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        float v = y.get(i, j), g = dy.get(i, j);
                        // the documented formulas, evaluated in float in the documented order
                        assertEquals(g * (1f - v * v), dt.get(i, j), kernels.name() + " tanhBackward");
                        assertEquals(g * (v * (1f - v)), ds.get(i, j), kernels.name() + " sigmoidBackward");
                        assertEquals(v > 0f ? g : 0f, dr.get(i, j), kernels.name() + " reluBackward");
                    }
                }
            }
        }
    }

    // ---- softmax family ----

    @Provide
    Arbitrary<Float> logitScale() {
        return net.jqwik.api.Arbitraries.of(1e-3f, 1f, 10f, 30f);
    }

    @Property(tries = 80)
    void softmaxFamilyMatchesReference(@ForAll("dim") int rows, @ForAll("length") int cols, @ForAll long seed,
                                       @ForAll("logitScale") float scale, @ForAll boolean strided) {
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(seed);
            Matrix x = random(arena, rows, cols, rnd, scale, strided);
            int[] targets = new int[rows];
            for (int i = 0; i < rows; i++) {
                targets[i] = rnd.nextInt(8) == 0 ? -1 : rnd.nextInt(cols);
            }
            for (Kernels kernels : backends()) {
                Matrix p = random(arena, rows, cols, rnd, 1f, strided);
                Matrix lp = random(arena, rows, cols, rnd, 1f, strided);
                float[] losses = new float[rows];
                kernels.softmax(x, p);
                kernels.logSoftmax(x, lp);
                kernels.crossEntropy(x, targets, losses);
                for (int i = 0; i < rows; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < cols; j++) {
                        max = Math.max(max, x.get(i, j));
                    }
                    double sum = 0;
                    for (int j = 0; j < cols; j++) {
                        sum += Math.exp(x.get(i, j) - max);
                    }
                    double logSum = Math.log(sum);
                    for (int j = 0; j < cols; j++) {
                        double shift = x.get(i, j) - max;
                        double ref = Math.exp(shift) / sum;
                        double tol = (cols + 8 + Math.abs(shift)) * U * ref + 1e-44;
                        if (!(Math.abs(p.get(i, j) - ref) <= tol)) {
                            fail(kernels.name() + " softmax[" + i + "," + j + "] = " + p.get(i, j) + " vs " + ref + " ± " + tol);
                        }
                        double lref = shift - logSum;
                        double ltol = (Math.abs(x.get(i, j)) + Math.abs(max) + Math.abs(logSum) + cols + 4) * U * 2;
                        if (!(Math.abs(lp.get(i, j) - lref) <= ltol)) {
                            fail(kernels.name() + " logSoftmax[" + i + "," + j + "] = " + lp.get(i, j) + " vs " + lref + " ± " + ltol);
                        }
                    }
                    if (targets[i] < 0) {
                        assertEquals(0f, losses[i], kernels.name() + " ignored row " + i);
                    } else {
                        double ce = logSum + max - x.get(i, targets[i]);
                        double ctol = (Math.abs(x.get(i, targets[i])) + Math.abs(max) + Math.abs(logSum) + cols + 4) * U * 2;
                        if (!(Math.abs(losses[i] - ce) <= ctol)) {
                            fail(kernels.name() + " crossEntropy row " + i + " = " + losses[i] + " vs " + ce + " ± " + ctol);
                        }
                    }
                }
            }
        }
    }
}
