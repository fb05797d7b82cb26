package dev.rnn.simd;

import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The training steps of the LSTM and GRU cells (forward keeping what backward needs, and backward),
 * fused row by row: each batch row goes through all of a step's passes while its few kilobytes sit
 * in L1, where the sequence of whole-matrix kernels that defines the result (the defaults in
 * {@code Kernels}) streamed the B×4H gate matrices through L2 once per pass; at B = 64, H = 512 that
 * took an LSTM step from about 340 µs forward and 500 µs backward to a fraction of that. Every element
 * gets the same operations in the same order as those kernels, so the bits are theirs.
 *
 * <p>Transcendental passes stay separate loops ({@link SimdActivations#map}): one loop holding several
 * of them exceeds C2's inlining budget and boxes vectors. The arithmetic-only passes are one loop
 * each, whose tail repeats the body with masked loads and stores, so that it gets the same operations.
 */
final class SimdCellSteps {

    private SimdCellSteps() {
    }

    /** See {@code Kernels.lstmForward}: rows [r0, r1). */
    static void lstmForward(Matrix xProj, Matrix hProj, Matrix cPrev, Matrix saved, Matrix c, Matrix h, int r0, int r1) {
        int n = c.cols();
        long gate = (long) n * Float.BYTES;
        MemorySegment ss = saved.segment();
        for (int r = r0; r < r1; r++) {
            long so = saved.offset(r, 0);
            // whole gates (hProj null) are read where they are, a pass over 4H floats fewer than copying them
            MemorySegment gs = ss;
            long go = so;
            if (hProj == null) {
                gs = xProj.segment();
                go = xProj.offset(r, 0);
            } else {
                SimdElementwise.add(xProj.segment(), xProj.offset(r, 0), hProj.segment(), hProj.offset(r, 0), ss, so, 4 * n);
            }
            SimdActivations.map(SimdActivations.SIGMOID, gs, go, ss, so, 2 * n);                    // i, f
            SimdActivations.map(SimdActivations.TANH, gs, go + 2 * gate, ss, so + 2 * gate, n);     // g
            SimdActivations.map(SimdActivations.SIGMOID, gs, go + 3 * gate, ss, so + 3 * gate, n);  // o
            cellState(ss, so, gate, cPrev.segment(), cPrev.offset(r, 0), c.segment(), c.offset(r, 0), n);
            SimdActivations.map(SimdActivations.TANH, c.segment(), c.offset(r, 0), ss, so + 4 * gate, n);
            product(ss, so + 3 * gate, ss, so + 4 * gate, h.segment(), h.offset(r, 0), n);
        }
    }

    /** c = i⊙g + f⊙cPrev, rounded as mul then addProduct: fma(i, g, f·cPrev); cPrev may be c itself. */
    static void cellState(MemorySegment gs, long go, long gate, MemorySegment ps, long po, MemorySegment cs, long co,
                                  int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector i = FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER);
            FloatVector f = FloatVector.fromMemorySegment(SPECIES, gs, go + gate + d, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gs, go + 2 * gate + d, ORDER);
            FloatVector cp = FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER);
            i.fma(g, f.mul(cp)).intoMemorySegment(cs, co + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector i = FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER, m);
            FloatVector f = FloatVector.fromMemorySegment(SPECIES, gs, go + gate + d, ORDER, m);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, gs, go + 2 * gate + d, ORDER, m);
            FloatVector cp = FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER, m);
            i.fma(g, f.mul(cp)).intoMemorySegment(cs, co + d, ORDER, m);
        }
    }

    /** out = a⊙b; out may be a or b. */
    static void product(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, as, ao + d, ORDER).mul(FloatVector.fromMemorySegment(SPECIES, bs, bo + d, ORDER))
                    .intoMemorySegment(os, oo + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, as, ao + d, ORDER, m).mul(FloatVector.fromMemorySegment(SPECIES, bs, bo + d, ORDER, m))
                    .intoMemorySegment(os, oo + d, ORDER, m);
        }
    }

    /**
     * See {@code Kernels.lstmBackward} for rows [r0, r1): two passes per row, no transcendental left. One loop holding
     * both passed C2's inlining budget and boxed two vectors per iteration.
     */
    static void lstmBackward(Matrix saved, Matrix cPrev, Matrix dh, Matrix dc, Matrix dGates, int r0, int r1) {
        int n = dh.cols();
        long gate = (long) n * Float.BYTES;
        MemorySegment ss = saved.segment(), cs = dc.segment(), gs = dGates.segment();
        for (int r = r0; r < r1; r++) {
            long so = saved.offset(r, 0), co = dc.offset(r, 0), go = dGates.offset(r, 0);
            lstmOutputGradient(ss, so, gate, dh.segment(), dh.offset(r, 0), cs, co, gs, go, n);
            lstmCellGradient(ss, so, gate, cPrev.segment(), cPrev.offset(r, 0), cs, co, gs, go, n);
        }
    }

    /** The o gradient, and dc ← dc + dh⊙o⊙tanh'(c'): the total gradient of c'. */
    private static void lstmOutputGradient(MemorySegment ss, long so, long gate, MemorySegment hs, long ho, MemorySegment cs,
                                           long co, MemorySegment gs, long go, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector o = FloatVector.fromMemorySegment(SPECIES, ss, so + 3 * gate + d, ORDER);
            FloatVector tc = FloatVector.fromMemorySegment(SPECIES, ss, so + 4 * gate + d, ORDER);
            FloatVector dh = FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER);
            sigmoidGrad(o, dh.mul(tc)).intoMemorySegment(gs, go + 3 * gate + d, ORDER);
            FloatVector.fromMemorySegment(SPECIES, cs, co + d, ORDER).add(tanhGrad(tc, dh.mul(o)))
                    .intoMemorySegment(cs, co + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector o = FloatVector.fromMemorySegment(SPECIES, ss, so + 3 * gate + d, ORDER, m);
            FloatVector tc = FloatVector.fromMemorySegment(SPECIES, ss, so + 4 * gate + d, ORDER, m);
            FloatVector dh = FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER, m);
            sigmoidGrad(o, dh.mul(tc)).intoMemorySegment(gs, go + 3 * gate + d, ORDER, m);
            FloatVector.fromMemorySegment(SPECIES, cs, co + d, ORDER, m).add(tanhGrad(tc, dh.mul(o)))
                    .intoMemorySegment(cs, co + d, ORDER, m);
        }
    }

    /** The i, f and g gradients from the total gradient of c', which then becomes ∂loss/∂cPrev. */
    private static void lstmCellGradient(MemorySegment ss, long so, long gate, MemorySegment ps, long po, MemorySegment cs,
                                         long co, MemorySegment gs, long go, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector i = FloatVector.fromMemorySegment(SPECIES, ss, so + d, ORDER);
            FloatVector f = FloatVector.fromMemorySegment(SPECIES, ss, so + gate + d, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, ss, so + 2 * gate + d, ORDER);
            FloatVector dc = FloatVector.fromMemorySegment(SPECIES, cs, co + d, ORDER);
            FloatVector cp = FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER);
            sigmoidGrad(i, dc.mul(g)).intoMemorySegment(gs, go + d, ORDER);
            sigmoidGrad(f, dc.mul(cp)).intoMemorySegment(gs, go + gate + d, ORDER);
            tanhGrad(g, dc.mul(i)).intoMemorySegment(gs, go + 2 * gate + d, ORDER);
            dc.mul(f).intoMemorySegment(cs, co + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector i = FloatVector.fromMemorySegment(SPECIES, ss, so + d, ORDER, m);
            FloatVector f = FloatVector.fromMemorySegment(SPECIES, ss, so + gate + d, ORDER, m);
            FloatVector g = FloatVector.fromMemorySegment(SPECIES, ss, so + 2 * gate + d, ORDER, m);
            FloatVector dc = FloatVector.fromMemorySegment(SPECIES, cs, co + d, ORDER, m);
            FloatVector cp = FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER, m);
            sigmoidGrad(i, dc.mul(g)).intoMemorySegment(gs, go + d, ORDER, m);
            sigmoidGrad(f, dc.mul(cp)).intoMemorySegment(gs, go + gate + d, ORDER, m);
            tanhGrad(g, dc.mul(i)).intoMemorySegment(gs, go + 2 * gate + d, ORDER, m);
            dc.mul(f).intoMemorySegment(cs, co + d, ORDER, m);
        }
    }

    // the derivatives written out as SimdActivations.derivative computes them (the same bits), in methods
    // small enough that C2 always inlines them: through derivative's switch, each call site boxed its vectors

    /** dy⊙y⊙(1 − y): σ'(x) from y = σ(x). */
    private static FloatVector sigmoidGrad(FloatVector y, FloatVector dy) {
        return dy.mul(y.mul(y.neg().add(1f)));
    }

    /** dy⊙(1 − y²): tanh'(x) from y = tanh(x). */
    private static FloatVector tanhGrad(FloatVector y, FloatVector dy) {
        return dy.mul(y.mul(y).neg().add(1f));
    }

    /** See {@code Kernels.gruForward}: rows [r0, r1). */
    static void gruForward(Matrix xProj, Matrix hProj, Matrix hPrev, Matrix saved, Matrix h, int r0, int r1) {
        int n = h.cols();
        long gate = (long) n * Float.BYTES;
        MemorySegment ss = saved.segment(), xs = xProj.segment(), hs = hProj.segment();
        for (int r = r0; r < r1; r++) {
            long so = saved.offset(r, 0), xo = xProj.offset(r, 0), ho = hProj.offset(r, 0);
            SimdElementwise.add(xs, xo, hs, ho, ss, so, 2 * n);
            SimdActivations.map(SimdActivations.SIGMOID, ss, so, ss, so, 2 * n);                    // r, z
            MemorySegment.copy(hs, ho + 2 * gate, ss, so + 3 * gate, gate);                          // h_n
            candidateArgument(ss, so, gate, xs, xo + 2 * gate, n);
            SimdActivations.map(SimdActivations.TANH, ss, so + 2 * gate, ss, so + 2 * gate, n);     // n
            interpolate(ss, so, gate, hPrev.segment(), hPrev.offset(r, 0), h.segment(), h.offset(r, 0), n);
        }
    }

    /** n-block of saved = r⊙h_n + x_n, rounded as mul then add. */
    private static void candidateArgument(MemorySegment ss, long so, long gate, MemorySegment xs, long xo, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, ss, so + d, ORDER);
            FloatVector hn = FloatVector.fromMemorySegment(SPECIES, ss, so + 3 * gate + d, ORDER);
            r.mul(hn).add(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER))
                    .intoMemorySegment(ss, so + 2 * gate + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, ss, so + d, ORDER, m);
            FloatVector hn = FloatVector.fromMemorySegment(SPECIES, ss, so + 3 * gate + d, ORDER, m);
            r.mul(hn).add(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER, m))
                    .intoMemorySegment(ss, so + 2 * gate + d, ORDER, m);
        }
    }

    /** h = fma(z, hPrev − n, n). */
    private static void interpolate(MemorySegment ss, long so, long gate, MemorySegment ps, long po, MemorySegment hs, long ho,
                                    int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, ss, so + gate + d, ORDER);
            FloatVector cand = FloatVector.fromMemorySegment(SPECIES, ss, so + 2 * gate + d, ORDER);
            FloatVector hp = FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER);
            z.fma(hp.sub(cand), cand).intoMemorySegment(hs, ho + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, ss, so + gate + d, ORDER, m);
            FloatVector cand = FloatVector.fromMemorySegment(SPECIES, ss, so + 2 * gate + d, ORDER, m);
            FloatVector hp = FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER, m);
            z.fma(hp.sub(cand), cand).intoMemorySegment(hs, ho + d, ORDER, m);
        }
    }

    /**
     * See {@code Kernels.gruBackward} for rows [r0, r1): two passes per row, for the same reason as
     * {@link #lstmBackward}; the second reads back the candidate's gradient the first wrote.
     */
    static void gruBackward(Matrix saved, Matrix hPrev, Matrix dh, Matrix dxProj, Matrix dhProj, Matrix dhPrev, int r0, int r1) {
        int n = dh.cols();
        long gate = (long) n * Float.BYTES;
        MemorySegment ss = saved.segment(), hs = dh.segment(), xs = dxProj.segment(), ys = dhProj.segment();
        for (int r = r0; r < r1; r++) {
            long so = saved.offset(r, 0), ho = dh.offset(r, 0), xo = dxProj.offset(r, 0), yo = dhProj.offset(r, 0);
            gruCandidateGradient(ss, so, gate, hs, ho, xs, xo, ys, yo, dhPrev.segment(), dhPrev.offset(r, 0), n);
            gruGateGradient(ss, so, gate, hPrev.segment(), hPrev.offset(r, 0), hs, ho, xs, xo, ys, yo, n);
        }
    }

    /** ∂/∂(x_n + r⊙h_n) into dxProj's n block, ∂/∂h_n into dhProj's, and dhPrev = dh⊙z. */
    private static void gruCandidateGradient(MemorySegment ss, long so, long gate, MemorySegment hs, long ho, MemorySegment xs,
                                             long xo, MemorySegment ys, long yo, MemorySegment qs, long qo, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, ss, so + d, ORDER);
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, ss, so + gate + d, ORDER);
            FloatVector cand = FloatVector.fromMemorySegment(SPECIES, ss, so + 2 * gate + d, ORDER);
            FloatVector dh = FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER);
            FloatVector dxN = tanhGrad(cand, dh.sub(z.mul(dh)));
            dxN.intoMemorySegment(xs, xo + 2 * gate + d, ORDER);
            dxN.mul(r).intoMemorySegment(ys, yo + 2 * gate + d, ORDER);
            dh.mul(z).intoMemorySegment(qs, qo + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, ss, so + d, ORDER, m);
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, ss, so + gate + d, ORDER, m);
            FloatVector cand = FloatVector.fromMemorySegment(SPECIES, ss, so + 2 * gate + d, ORDER, m);
            FloatVector dh = FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER, m);
            FloatVector dxN = tanhGrad(cand, dh.sub(z.mul(dh)));
            dxN.intoMemorySegment(xs, xo + 2 * gate + d, ORDER, m);
            dxN.mul(r).intoMemorySegment(ys, yo + 2 * gate + d, ORDER, m);
            dh.mul(z).intoMemorySegment(qs, qo + d, ORDER, m);
        }
    }

    /** The r and z gradients, into both dxProj and dhProj. */
    private static void gruGateGradient(MemorySegment ss, long so, long gate, MemorySegment ps, long po, MemorySegment hs, long ho,
                                        MemorySegment xs, long xo, MemorySegment ys, long yo, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, ss, so + d, ORDER);
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, ss, so + gate + d, ORDER);
            FloatVector cand = FloatVector.fromMemorySegment(SPECIES, ss, so + 2 * gate + d, ORDER);
            FloatVector hn = FloatVector.fromMemorySegment(SPECIES, ss, so + 3 * gate + d, ORDER);
            FloatVector dxN = FloatVector.fromMemorySegment(SPECIES, xs, xo + 2 * gate + d, ORDER);
            FloatVector dxR = sigmoidGrad(r, dxN.mul(hn));
            FloatVector dxZ = sigmoidGrad(z, FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER).sub(cand)
                    .mul(FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER)));
            dxR.intoMemorySegment(xs, xo + d, ORDER);
            dxR.intoMemorySegment(ys, yo + d, ORDER);
            dxZ.intoMemorySegment(xs, xo + gate + d, ORDER);
            dxZ.intoMemorySegment(ys, yo + gate + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector r = FloatVector.fromMemorySegment(SPECIES, ss, so + d, ORDER, m);
            FloatVector z = FloatVector.fromMemorySegment(SPECIES, ss, so + gate + d, ORDER, m);
            FloatVector cand = FloatVector.fromMemorySegment(SPECIES, ss, so + 2 * gate + d, ORDER, m);
            FloatVector hn = FloatVector.fromMemorySegment(SPECIES, ss, so + 3 * gate + d, ORDER, m);
            FloatVector dxN = FloatVector.fromMemorySegment(SPECIES, xs, xo + 2 * gate + d, ORDER, m);
            FloatVector dxR = sigmoidGrad(r, dxN.mul(hn));
            FloatVector dxZ = sigmoidGrad(z, FloatVector.fromMemorySegment(SPECIES, ps, po + d, ORDER, m).sub(cand)
                    .mul(FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER, m)));
            dxR.intoMemorySegment(xs, xo + d, ORDER, m);
            dxR.intoMemorySegment(ys, yo + d, ORDER, m);
            dxZ.intoMemorySegment(xs, xo + gate + d, ORDER, m);
            dxZ.intoMemorySegment(ys, yo + gate + d, ORDER, m);
        }
    }
}
