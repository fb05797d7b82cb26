package dev.rnn.simd;

import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The LSTM and GRU state updates. Each nonlinearity runs as its own pass over a row, in place over
 * the gate buffer, and one short loop then combines the gates with the state: a single loop holding
 * five sigmoids and tanhs exceeds C2's inlining budget for Vector API code, and every vector that
 * crosses a call the JIT did not inline is boxed on the heap (measured: 20 KB per LSTM step at
 * H = 256). The extra passes touch only L1-resident rows.
 */
final class SimdCellUpdates {

    private SimdCellUpdates() {
    }

    /** gates (i, f, g, o) become their activations; c ← f⊙c + i⊙g; h = o⊙tanh(c). */
    static void lstm(Matrix gates, Matrix c, Matrix h) {
        int n = c.cols();
        MemorySegment gs = gates.segment(), cs = c.segment(), hs = h.segment();
        long gate = (long) n * Float.BYTES;
        for (int r = 0; r < c.rows(); r++) {
            long go = gates.offset(r, 0), co = c.offset(r, 0), ho = h.offset(r, 0);
            SimdActivations.map(SimdActivations.SIGMOID, gs, go, gs, go, 2 * n);               // i, f
            SimdActivations.map(SimdActivations.TANH, gs, go + 2 * gate, gs, go + 2 * gate, n);  // g
            SimdActivations.map(SimdActivations.SIGMOID, gs, go + 3 * gate, gs, go + 3 * gate, n);  // o
            SimdCellSteps.cellState(gs, go, gate, cs, co, cs, co, n);   // in place: cPrev is c
            SimdActivations.map(SimdActivations.TANH, cs, co, hs, ho, n);
            SimdCellSteps.product(hs, ho, gs, go + 3 * gate, hs, ho, n);
        }
    }

    /** rz becomes σ(rz); nx becomes n = tanh(nx + r⊙nh); h ← n + z⊙(h − n). */
    static void gru(Matrix rz, Matrix nx, Matrix nh, Matrix h) {
        int n = h.cols();
        MemorySegment rs = rz.segment(), xs = nx.segment(), ns = nh.segment(), hs = h.segment();
        long gate = (long) n * Float.BYTES;
        for (int r = 0; r < h.rows(); r++) {
            long ro = rz.offset(r, 0), xo = nx.offset(r, 0), no = nh.offset(r, 0), ho = h.offset(r, 0);
            SimdActivations.map(SimdActivations.SIGMOID, rs, ro, rs, ro, 2 * n);
            candidateArgument(rs, ro, ns, no, xs, xo, n);
            SimdActivations.map(SimdActivations.TANH, xs, xo, xs, xo, n);
            interpolate(rs, ro + gate, xs, xo, hs, ho, n);
        }
    }

    /** nx ← nx + r⊙nh. */
    private static void candidateArgument(MemorySegment rs, long ro, MemorySegment ns, long no, MemorySegment xs, long xo, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, rs, ro + d, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, ns, no + d, ORDER), FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER))
                    .intoMemorySegment(xs, xo + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector.fromMemorySegment(SPECIES, rs, ro + d, ORDER, m)
                    .fma(FloatVector.fromMemorySegment(SPECIES, ns, no + d, ORDER, m), FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER, m))
                    .intoMemorySegment(xs, xo + d, ORDER, m);
        }
    }

    /** h ← n + z⊙(h − n), which is (1 − z)⊙n + z⊙h. */
    private static void interpolate(MemorySegment zs, long zo, MemorySegment cs, long co, MemorySegment hs, long ho, int n) {
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
            long d = (long) j * Float.BYTES;
            FloatVector cand = FloatVector.fromMemorySegment(SPECIES, cs, co + d, ORDER);
            FloatVector.fromMemorySegment(SPECIES, zs, zo + d, ORDER)
                    .fma(FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER).sub(cand), cand)
                    .intoMemorySegment(hs, ho + d, ORDER);
        }
        if (j < n) {
            VectorMask<Float> m = SPECIES.indexInRange(j, n);
            long d = (long) j * Float.BYTES;
            FloatVector cand = FloatVector.fromMemorySegment(SPECIES, cs, co + d, ORDER, m);
            FloatVector.fromMemorySegment(SPECIES, zs, zo + d, ORDER, m)
                    .fma(FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER, m).sub(cand), cand)
                    .intoMemorySegment(hs, ho + d, ORDER, m);
        }
    }
}
