package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Elementwise arithmetic (axpy, add, product, scale, row broadcast, column sums) on the Vector API.
 * Shapes are checked by the caller. Each operation walks "spans": the whole matrix at once when
 * every operand is contiguous, otherwise one row at a time.
 */
final class SimdElementwise {

    private SimdElementwise() {
    }

    /** Rows to walk: 1 when both operands are contiguous (one long span), else the row count. */
    static int spanRows(Matrix a, Matrix b) {
        return a.isContiguous() && b.isContiguous() ? 1 : a.rows();
    }

    static int spanRows(Matrix a, Matrix b, Matrix c) {
        return a.isContiguous() && b.isContiguous() && c.isContiguous() ? 1 : a.rows();
    }

    /** Floats per span for the given number of span rows. */
    static int spanLength(Matrix a, int spanRows) {
        return spanRows == 1 ? Math.toIntExact(a.size()) : a.cols();
    }

    static void axpy(float alpha, Matrix x, Matrix y) {
        int rows = spanRows(x, y);
        int n = spanLength(x, rows);
        for (int r = 0; r < rows; r++) {
            axpy(alpha, x.segment(), x.offset(r, 0), y.segment(), y.offset(r, 0), n);
        }
    }

    /** y[0..n) += alpha·x[0..n), byte offsets xo and yo. */
    static void axpy(float alpha, MemorySegment xs, long xo, MemorySegment ys, long yo, int n) {
        FloatVector va = FloatVector.broadcast(SPECIES, alpha);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER);
            FloatVector y = FloatVector.fromMemorySegment(SPECIES, ys, yo + d, ORDER);
            x.fma(va, y).intoMemorySegment(ys, yo + d, ORDER);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            ys.set(FLOAT, yo + d, Math.fma(xs.get(FLOAT, xo + d), alpha, ys.get(FLOAT, yo + d)));
        }
    }

    /**
     * Units a split of an elementwise job over these operands cuts: elements when all are contiguous
     * (one span), else rows. {@link #unitAlignment} is what a range's start must be a multiple of.
     */
    static int units(Matrix a, Matrix b, Matrix c) {
        return spanRows(a, b, c) == 1 ? Math.toIntExact(a.size()) : a.rows();
    }

    static int unitAlignment(Matrix a, Matrix b, Matrix c) {
        return spanRows(a, b, c) == 1 ? LANES : 1;
    }

    static void add(Matrix a, Matrix b, Matrix out) {
        add(a, b, out, 0, units(a, b, out));
    }

    /** out = a + b over units [u0, u1) (see {@link #units}). */
    static void add(Matrix a, Matrix b, Matrix out, int u0, int u1) {
        if (spanRows(a, b, out) == 1) {
            long d = (long) u0 * Float.BYTES;
            add(a.segment(), a.offset(0, 0) + d, b.segment(), b.offset(0, 0) + d, out.segment(), out.offset(0, 0) + d, u1 - u0);
            return;
        }
        for (int r = u0; r < u1; r++) {
            add(a.segment(), a.offset(r, 0), b.segment(), b.offset(r, 0), out.segment(), out.offset(r, 0), a.cols());
        }
    }

    static void add(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, as, ao + d, ORDER)
                    .add(FloatVector.fromMemorySegment(SPECIES, bs, bo + d, ORDER))
                    .intoMemorySegment(os, oo + d, ORDER);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            os.set(FLOAT, oo + d, as.get(FLOAT, ao + d) + bs.get(FLOAT, bo + d));
        }
    }

    static final int SUB = 0;
    static final int MUL = 1;
    static final int ADD_PRODUCT = 2;

    /** out = a − b, a ⊙ b, or out + a ⊙ b, for {@code op} SUB, MUL or ADD_PRODUCT. */
    static void binary(int op, Matrix a, Matrix b, Matrix out) {
        binary(op, a, b, out, 0, units(a, b, out));
    }

    /** {@link #binary(int, Matrix, Matrix, Matrix)} over units [u0, u1) (see {@link #units}). */
    static void binary(int op, Matrix a, Matrix b, Matrix out, int u0, int u1) {
        boolean span = spanRows(a, b, out) == 1;
        int rows = span ? 1 : u1 - u0;
        int n = span ? u1 - u0 : a.cols();
        long skip = span ? (long) u0 * Float.BYTES : 0;
        int firstRow = span ? 0 : u0;
        MemorySegment as = a.segment(), bs = b.segment(), os = out.segment();
        for (int r = firstRow; r < firstRow + rows; r++) {
            long ao = a.offset(r, 0) + skip, bo = b.offset(r, 0) + skip, oo = out.offset(r, 0) + skip;
            int i = 0;
            for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
                long d = (long) i * Float.BYTES;
                FloatVector va = FloatVector.fromMemorySegment(SPECIES, as, ao + d, ORDER);
                FloatVector vb = FloatVector.fromMemorySegment(SPECIES, bs, bo + d, ORDER);
                FloatVector v = switch (op) {
                    case SUB -> va.sub(vb);
                    case MUL -> va.mul(vb);
                    default -> va.fma(vb, FloatVector.fromMemorySegment(SPECIES, os, oo + d, ORDER));
                };
                v.intoMemorySegment(os, oo + d, ORDER);
            }
            for (; i < n; i++) {
                long d = (long) i * Float.BYTES;
                float x = as.get(FLOAT, ao + d), y = bs.get(FLOAT, bo + d);
                os.set(FLOAT, oo + d, switch (op) {
                    case SUB -> x - y;
                    case MUL -> x * y;
                    default -> Math.fma(x, y, os.get(FLOAT, oo + d));
                });
            }
        }
    }

    /** out = s·x over units [u0, u1) (see {@link #units}, with out as its third operand). */
    static void scale(float s, Matrix x, Matrix out, int u0, int u1) {
        if (spanRows(x, out) == 1) {
            long d = (long) u0 * Float.BYTES;
            scale(x.segment(), x.offset(0, 0) + d, s, out.segment(), out.offset(0, 0) + d, u1 - u0);
            return;
        }
        for (int r = u0; r < u1; r++) {
            scale(x.segment(), x.offset(r, 0), s, out.segment(), out.offset(r, 0), x.cols());
        }
    }

    /** Rows [r0, r1) of m += bias. */
    static void addRowVector(Matrix bias, Matrix m, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            add(m.segment(), m.offset(r, 0), bias.segment(), bias.offset(0, 0), m.segment(), m.offset(r, 0), m.cols());
        }
    }

    /** Columns [c0, c1) of out (+)= Σ over rows of m, each column summed from the first row to the last. */
    static void sumRows(Matrix m, Matrix out, boolean accumulate, int c0, int c1) {
        long d = (long) c0 * Float.BYTES, o = out.offset(0, 0) + d;
        MemorySegment os = out.segment();
        if (!accumulate) {
            os.asSlice(o, (long) (c1 - c0) * Float.BYTES).fill((byte) 0);
        }
        for (int r = 0; r < m.rows(); r++) {
            add(os, o, m.segment(), m.offset(r, 0) + d, os, o, c1 - c0);
        }
    }

    /** out[0..n) = s·x[0..n). */
    static void scale(MemorySegment xs, long xo, float s, MemorySegment os, long oo, int n) {
        FloatVector vs = FloatVector.broadcast(SPECIES, s);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER).mul(vs).intoMemorySegment(os, oo + d, ORDER);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            os.set(FLOAT, oo + d, s * xs.get(FLOAT, xo + d));
        }
    }

    /** out[0..n) = (x[0..n) − a) − b, rounded after each subtraction. */
    static void subtractTwice(MemorySegment xs, long xo, float a, float b, MemorySegment os, long oo, int n) {
        FloatVector va = FloatVector.broadcast(SPECIES, a), vb = FloatVector.broadcast(SPECIES, b);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER).sub(va).sub(vb).intoMemorySegment(os, oo + d, ORDER);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            os.set(FLOAT, oo + d, (xs.get(FLOAT, xo + d) - a) - b);
        }
    }
}
