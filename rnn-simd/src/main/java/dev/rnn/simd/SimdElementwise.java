package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
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

    static void add(Matrix a, Matrix b, Matrix out) {
        int rows = spanRows(a, b, out);
        int n = spanLength(a, rows);
        for (int r = 0; r < rows; r++) {
            add(a.segment(), a.offset(r, 0), b.segment(), b.offset(r, 0), out.segment(), out.offset(r, 0), n);
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

    static void sub(Matrix a, Matrix b, Matrix out) {
        binary(SUB, a, b, out);
    }

    static void mul(Matrix a, Matrix b, Matrix out) {
        binary(MUL, a, b, out);
    }

    static void addProduct(Matrix a, Matrix b, Matrix out) {
        binary(ADD_PRODUCT, a, b, out);
    }

    /** out = a − b, a ⊙ b, or out + a ⊙ b, for {@code op} SUB, MUL or ADD_PRODUCT. */
    private static void binary(int op, Matrix a, Matrix b, Matrix out) {
        int rows = spanRows(a, b, out);
        int n = spanLength(a, rows);
        MemorySegment as = a.segment(), bs = b.segment(), os = out.segment();
        for (int r = 0; r < rows; r++) {
            long ao = a.offset(r, 0), bo = b.offset(r, 0), oo = out.offset(r, 0);
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

    static void scale(float s, Matrix x, Matrix out) {
        int rows = spanRows(x, out);
        int n = spanLength(x, rows);
        for (int r = 0; r < rows; r++) {
            scale(x.segment(), x.offset(r, 0), s, out.segment(), out.offset(r, 0), n);
        }
    }

    static void addRowVector(Matrix bias, Matrix m) {
        for (int r = 0; r < m.rows(); r++) {
            add(m.segment(), m.offset(r, 0), bias.segment(), 0, m.segment(), m.offset(r, 0), m.cols());
        }
    }

    static void sumRows(Matrix m, Matrix out, boolean accumulate) {
        if (!accumulate) {
            out.fill(0f);
        }
        for (int r = 0; r < m.rows(); r++) {
            add(out.segment(), 0, m.segment(), m.offset(r, 0), out.segment(), 0, m.cols());
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
