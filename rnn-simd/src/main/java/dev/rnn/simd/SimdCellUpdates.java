package dev.rnn.simd;

import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The LSTM and GRU state updates with their gate nonlinearities in one pass over the state: every
 * gate value is read once and nothing is written but the new state.
 */
final class SimdCellUpdates {

    private SimdCellUpdates() {
    }

    static void lstm(Matrix gates, Matrix c, Matrix h) {
        int n = c.cols();
        MemorySegment gs = gates.segment(), cs = c.segment(), hs = h.segment();
        long gate = (long) n * Float.BYTES;
        for (int r = 0; r < c.rows(); r++) {
            long go = gates.offset(r, 0), co = c.offset(r, 0), ho = h.offset(r, 0);
            int j = 0;
            for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
                long d = (long) j * Float.BYTES;
                FloatVector i = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER));
                FloatVector f = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, gs, go + gate + d, ORDER));
                FloatVector g = SimdMath.tanh(FloatVector.fromMemorySegment(SPECIES, gs, go + 2 * gate + d, ORDER));
                FloatVector o = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, gs, go + 3 * gate + d, ORDER));
                FloatVector cell = i.fma(g, f.mul(FloatVector.fromMemorySegment(SPECIES, cs, co + d, ORDER)));
                cell.intoMemorySegment(cs, co + d, ORDER);
                o.mul(SimdMath.tanh(cell)).intoMemorySegment(hs, ho + d, ORDER);
            }
            if (j < n) {
                VectorMask<Float> m = SPECIES.indexInRange(j, n);
                long d = (long) j * Float.BYTES;
                FloatVector i = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, gs, go + d, ORDER, m));
                FloatVector f = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, gs, go + gate + d, ORDER, m));
                FloatVector g = SimdMath.tanh(FloatVector.fromMemorySegment(SPECIES, gs, go + 2 * gate + d, ORDER, m));
                FloatVector o = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, gs, go + 3 * gate + d, ORDER, m));
                FloatVector cell = i.fma(g, f.mul(FloatVector.fromMemorySegment(SPECIES, cs, co + d, ORDER, m)));
                cell.intoMemorySegment(cs, co + d, ORDER, m);
                o.mul(SimdMath.tanh(cell)).intoMemorySegment(hs, ho + d, ORDER, m);
            }
        }
    }

    static void gru(Matrix rz, Matrix nx, Matrix nh, Matrix h) {
        int n = h.cols();
        MemorySegment rs = rz.segment(), xs = nx.segment(), ns = nh.segment(), hs = h.segment();
        long gate = (long) n * Float.BYTES;
        for (int r = 0; r < h.rows(); r++) {
            long ro = rz.offset(r, 0), xo = nx.offset(r, 0), no = nh.offset(r, 0), ho = h.offset(r, 0);
            int j = 0;
            for (int bound = SPECIES.loopBound(n); j < bound; j += LANES) {
                long d = (long) j * Float.BYTES;
                FloatVector reset = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, rs, ro + d, ORDER));
                FloatVector update = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, rs, ro + gate + d, ORDER));
                FloatVector cand = SimdMath.tanh(reset.fma(FloatVector.fromMemorySegment(SPECIES, ns, no + d, ORDER),
                        FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER)));
                FloatVector old = FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER);
                // (1 − z)·n + z·h = n + z·(h − n)
                update.fma(old.sub(cand), cand).intoMemorySegment(hs, ho + d, ORDER);
            }
            if (j < n) {
                VectorMask<Float> m = SPECIES.indexInRange(j, n);
                long d = (long) j * Float.BYTES;
                FloatVector reset = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, rs, ro + d, ORDER, m));
                FloatVector update = SimdMath.sigmoid(FloatVector.fromMemorySegment(SPECIES, rs, ro + gate + d, ORDER, m));
                FloatVector cand = SimdMath.tanh(reset.fma(FloatVector.fromMemorySegment(SPECIES, ns, no + d, ORDER, m),
                        FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER, m)));
                FloatVector old = FloatVector.fromMemorySegment(SPECIES, hs, ho + d, ORDER, m);
                update.fma(old.sub(cand), cand).intoMemorySegment(hs, ho + d, ORDER, m);
            }
        }
    }
}
