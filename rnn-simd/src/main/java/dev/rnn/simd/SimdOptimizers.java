package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.AdamStep;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Optimizer updates on the Vector API: the scalar oracle's operations lane by lane, in the same order
 * and with the same roundings (the vector square root is correctly rounded, as the oracle's
 * {@code (float) Math.sqrt} of a float is), so the bits are the oracle's. Shapes are checked by the caller.
 */
final class SimdOptimizers {

    private SimdOptimizers() {
    }

    /** Units a split of an update cuts: elements when all four matrices are contiguous, else rows. */
    static int units(Matrix p, Matrix g, Matrix m, Matrix v) {
        return contiguous(p, g, m, v) ? Math.toIntExact(p.size()) : p.rows();
    }

    static boolean contiguous(Matrix p, Matrix g, Matrix m, Matrix v) {
        return p.isContiguous() && g.isContiguous() && m.isContiguous() && v.isContiguous();
    }

    /** {@code Kernels.adamUpdate} over units [u0, u1) (see {@link #units}). */
    static void adam(Matrix p, Matrix g, Matrix m, Matrix v, AdamStep step, int u0, int u1) {
        if (contiguous(p, g, m, v)) {
            long d = (long) u0 * Float.BYTES;
            adam(p.segment(), d, g.segment(), d, m.segment(), d, v.segment(), d, u1 - u0, step);
            return;
        }
        for (int r = u0; r < u1; r++) {
            adam(p.segment(), p.offset(r, 0), g.segment(), g.offset(r, 0), m.segment(), m.offset(r, 0), v.segment(),
                    v.offset(r, 0), p.cols(), step);
        }
    }

    /** {@code Kernels.rmsPropUpdate} over units [u0, u1) (see {@link #units}). */
    static void rmsProp(Matrix p, Matrix g, Matrix v, float decay, float rest, float lr, float eps, int u0, int u1) {
        if (contiguous(p, g, v, v)) {
            long d = (long) u0 * Float.BYTES;
            rmsProp(p.segment(), d, g.segment(), d, v.segment(), d, u1 - u0, decay, rest, lr, eps);
            return;
        }
        for (int r = u0; r < u1; r++) {
            rmsProp(p.segment(), p.offset(r, 0), g.segment(), g.offset(r, 0), v.segment(), v.offset(r, 0), p.cols(), decay, rest,
                    lr, eps);
        }
    }

    private static void rmsProp(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment vs, long vo, int n, float decay,
                                float rest, float lr, float eps) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            long d = (long) i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER);
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, vs, vo + d, ORDER).mul(decay).add(g.mul(rest).mul(g));
            v.intoMemorySegment(vs, vo + d, ORDER);
            FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER).sub(g.mul(lr).div(v.sqrt().add(eps)))
                    .intoMemorySegment(ps, po + d, ORDER);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            float g = gs.get(FLOAT, go + d), v = decay * vs.get(FLOAT, vo + d) + rest * g * g;
            vs.set(FLOAT, vo + d, v);
            ps.set(FLOAT, po + d, ps.get(FLOAT, po + d) - lr * g / ((float) Math.sqrt(v) + eps));
        }
    }

    /** {@code Kernels.sgdUpdate} over units [u0, u1) (see {@link #units}); b may be null. */
    static void sgd(Matrix p, Matrix g, Matrix b, float lr, float mu, boolean first, boolean nesterov, int u0, int u1) {
        Matrix bm = b == null ? g : b;
        if (contiguous(p, g, bm, bm)) {
            long d = (long) u0 * Float.BYTES;
            sgd(p.segment(), d, g.segment(), d, b == null ? null : b.segment(), d, u1 - u0, lr, mu, first, nesterov);
            return;
        }
        for (int r = u0; r < u1; r++) {
            sgd(p.segment(), p.offset(r, 0), g.segment(), g.offset(r, 0), b == null ? null : b.segment(), bm.offset(r, 0), p.cols(), lr,
                    mu, first, nesterov);
        }
    }

    private static void sgd(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment bs, long bo, int n, float lr,
                            float mu, boolean first, boolean nesterov) {
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            long d = (long) i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER), update = g;
            if (bs != null) {
                FloatVector b = first ? g : FloatVector.fromMemorySegment(SPECIES, bs, bo + d, ORDER).mul(mu).add(g);
                b.intoMemorySegment(bs, bo + d, ORDER);
                update = nesterov ? g.add(b.mul(mu)) : b;
            }
            FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER).sub(update.mul(lr)).intoMemorySegment(ps, po + d, ORDER);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            float g = gs.get(FLOAT, go + d), update = g;
            if (bs != null) {
                float b = first ? g : mu * bs.get(FLOAT, bo + d) + g;
                bs.set(FLOAT, bo + d, b);
                update = nesterov ? g + mu * b : b;
            }
            ps.set(FLOAT, po + d, ps.get(FLOAT, po + d) - lr * update);
        }
    }

    private static void adam(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ms, long mo, MemorySegment vs,
                             long vo, int n, AdamStep step) {
        float beta1 = step.beta1(), beta2 = step.beta2(), lr = step.learningRate(), eps = step.eps();
        float c1 = step.correction1(), c2 = step.correction2(), decay = step.decay();
        float rest1 = 1 - beta1, rest2 = 1 - beta2;
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
            long d = (long) i * Float.BYTES;
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER);
            FloatVector m = FloatVector.fromMemorySegment(SPECIES, ms, mo + d, ORDER).mul(beta1).add(g.mul(rest1));
            FloatVector v = FloatVector.fromMemorySegment(SPECIES, vs, vo + d, ORDER).mul(beta2).add(g.mul(rest2).mul(g));
            m.intoMemorySegment(ms, mo + d, ORDER);
            v.intoMemorySegment(vs, vo + d, ORDER);
            FloatVector p = FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER).mul(decay);
            p.sub(m.div(c1).mul(lr).div(v.div(c2).sqrt().add(eps))).intoMemorySegment(ps, po + d, ORDER);
        }
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            float gj = gs.get(FLOAT, go + d);
            float mj = beta1 * ms.get(FLOAT, mo + d) + rest1 * gj;
            float vj = beta2 * vs.get(FLOAT, vo + d) + rest2 * gj * gj;
            ms.set(FLOAT, mo + d, mj);
            vs.set(FLOAT, vo + d, vj);
            float pj = ps.get(FLOAT, po + d) * decay;
            ps.set(FLOAT, po + d, pj - lr * (mj / c1) / ((float) Math.sqrt(vj / c2) + eps));
        }
    }
}
