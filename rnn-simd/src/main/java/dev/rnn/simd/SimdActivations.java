package dev.rnn.simd;

import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Activation functions and their derivatives (from the activation's value) on the Vector API.
 * tanh, exp and sigmoid come from {@link SimdMath}, which gives the same bits in every JIT tier.
 *
 * <p>Tails use masked vector operations, so every element of a row gets the same function as the
 * body, whatever its position. Each function's tail is a method of its own, compiled apart (the
 * {@link InlineDirective} keeps this class's methods out of their callers): inside the loop's
 * compilation, C2 ran out of its node budget before the tail's copy of the function
 * ({@code NodeCountInliningCutoff}), left it out of line, and boxed every vector crossing that call,
 * about 1.5 KB per LSTM step at H = 24.
 */
final class SimdActivations {

    static final int TANH = 0;
    static final int SIGMOID = 1;
    static final int RELU = 2;
    static final int EXP = 3;

    static final int TANH_BACKWARD = 0;
    static final int SIGMOID_BACKWARD = 1;
    static final int RELU_BACKWARD = 2;

    private SimdActivations() {
    }

    /** out = f(x) for the function {@code fn} (one of the constants above), over units [u0, u1) ({@code SimdElementwise.units}). */
    static void map(int fn, Matrix x, Matrix out, int u0, int u1) {
        if (SimdElementwise.spanRows(x, out) == 1) {
            long d = (long) u0 * Float.BYTES;
            map(fn, x.segment(), x.offset(0, 0) + d, out.segment(), out.offset(0, 0) + d, u1 - u0);
            return;
        }
        for (int r = u0; r < u1; r++) {
            map(fn, x.segment(), x.offset(r, 0), out.segment(), out.offset(r, 0), x.cols());
        }
    }

    static void map(int fn, MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        // one loop per function: with a switch inside a shared loop, the JIT compiled the functions'
        // large bodies into one method and left some of them slow (exp ran 3x slower than tanh, which
        // contains it)
        switch (fn) {
            case TANH -> tanh(xs, xo, os, oo, n);
            case SIGMOID -> sigmoid(xs, xo, os, oo, n);
            case RELU -> relu(xs, xo, os, oo, n);
            case EXP -> exp(xs, xo, os, oo, n);
            default -> throw new IllegalArgumentException("unknown activation " + fn);
        }
    }

    private static void tanh(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            SimdMath.tanh(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER)).intoMemorySegment(os, oo + d, ORDER);
        }
        if (i < n) {
            tanhTail(xs, xo, os, oo, i, n);
        }
    }

    private static void tanhTail(MemorySegment xs, long xo, MemorySegment os, long oo, int i, int n) {
        VectorMask<Float> m = SPECIES.indexInRange(i, n);
        long d = (long) i * Float.BYTES;
        SimdMath.tanh(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER, m)).intoMemorySegment(os, oo + d, ORDER, m);
    }

    private static void sigmoid(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER)).intoMemorySegment(os, oo + d, ORDER);
        }
        if (i < n) {
            sigmoidTail(xs, xo, os, oo, i, n);
        }
    }

    private static void sigmoidTail(MemorySegment xs, long xo, MemorySegment os, long oo, int i, int n) {
        VectorMask<Float> m = SPECIES.indexInRange(i, n);
        long d = (long) i * Float.BYTES;
        SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER, m)).intoMemorySegment(os, oo + d, ORDER, m);
    }

    private static void exp(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            SimdMath.exp(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER)).intoMemorySegment(os, oo + d, ORDER);
        }
        if (i < n) {
            expTail(xs, xo, os, oo, i, n);
        }
    }

    private static void expTail(MemorySegment xs, long xo, MemorySegment os, long oo, int i, int n) {
        VectorMask<Float> m = SPECIES.indexInRange(i, n);
        long d = (long) i * Float.BYTES;
        SimdMath.exp(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER, m)).intoMemorySegment(os, oo + d, ORDER, m);
    }

    private static void relu(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER).max(0f).intoMemorySegment(os, oo + d, ORDER);
        }
        if (i < n) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            long d = (long) i * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER, m).max(0f).intoMemorySegment(os, oo + d, ORDER, m);
        }
    }

    /** dx = dy ⊙ f'(y) for the derivative {@code fn}, written from the activation value y. */
    static void backward(int fn, Matrix y, Matrix dy, Matrix dx) {
        boolean span = SimdElementwise.spanRows(y, dy, dx) == 1;
        int rows = span ? 1 : y.rows();
        int n = span ? Math.toIntExact(y.size()) : y.cols();
        MemorySegment ys = y.segment(), gs = dy.segment(), os = dx.segment();
        for (int r = 0; r < rows; r++) {
            long yo = y.offset(r, 0), go = dy.offset(r, 0), oo = dx.offset(r, 0);
            int i = 0;
            for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
                long d = (long) i * Float.BYTES;
                FloatVector vy = FloatVector.fromMemorySegment(SPECIES, ys, yo + d, ORDER);
                FloatVector vg = FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER);
                derivative(fn, vy, vg).intoMemorySegment(os, oo + d, ORDER);
            }
            if (i < n) {
                VectorMask<Float> m = SPECIES.indexInRange(i, n);
                long d = (long) i * Float.BYTES;
                FloatVector vy = FloatVector.fromMemorySegment(SPECIES, ys, yo + d, ORDER, m);
                FloatVector vg = FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER, m);
                derivative(fn, vy, vg).intoMemorySegment(os, oo + d, ORDER, m);
            }
        }
    }

    // the same operation order as the scalar oracle, so the two agree bit for bit
    static FloatVector derivative(int fn, FloatVector y, FloatVector dy) {
        return switch (fn) {
            case TANH_BACKWARD -> dy.mul(y.mul(y).neg().add(1f));
            case SIGMOID_BACKWARD -> dy.mul(y.mul(y.neg().add(1f)));
            case RELU_BACKWARD -> FloatVector.zero(SPECIES).blend(dy, y.compare(VectorOperators.GT, 0f));
            default -> throw new IllegalArgumentException("unknown derivative " + fn);
        };
    }
}
