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
