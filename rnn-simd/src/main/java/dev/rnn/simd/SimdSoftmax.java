package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Row-wise softmax, log-softmax and cross-entropy on the Vector API, each shifted by the row's
 * maximum so that logits of any size are safe. Masked tails keep the row maximum and the sum
 * free of padding lanes.
 */
final class SimdSoftmax {

    /** One vector of floats: the lane sums that {@link #expShifted}'s steps hand on. */
    private static final ScratchPool LANE_SUMS = new ScratchPool(LANES);

    private SimdSoftmax() {
    }

    /** Rows [r0, r1) of {@code Kernels.softmax}. */
    static void softmax(Matrix logits, Matrix out, int r0, int r1) {
        int n = logits.cols();
        for (int r = r0; r < r1; r++) {
            MemorySegment xs = logits.segment(), os = out.segment();
            long xo = logits.offset(r, 0), oo = out.offset(r, 0);
            float max = max(xs, xo, n);
            // write e^(x−max) once and rescale it, instead of computing the exponential twice
            float sum = expShifted(xs, xo, max, os, oo, n);
            SimdElementwise.scale(os, oo, 1f / sum, os, oo, n);
        }
    }

    /** Rows [r0, r1) of {@code Kernels.logSoftmax}. */
    static void logSoftmax(Matrix logits, Matrix out, int r0, int r1) {
        int n = logits.cols();
        for (int r = r0; r < r1; r++) {
            MemorySegment xs = logits.segment(), os = out.segment();
            long xo = logits.offset(r, 0), oo = out.offset(r, 0);
            float max = max(xs, xo, n);
            float logSum = (float) Math.log(expShifted(xs, xo, max, null, 0, n));
            SimdElementwise.subtractTwice(xs, xo, max, logSum, os, oo, n);
        }
    }

    /** Rows [r0, r1) of {@code Kernels.crossEntropy}. */
    static void crossEntropy(Matrix logits, int[] targets, float[] losses, int r0, int r1) {
        int n = logits.cols();
        for (int r = r0; r < r1; r++) {
            if (targets[r] < 0) {
                losses[r] = 0f;
                continue;
            }
            MemorySegment xs = logits.segment();
            long xo = logits.offset(r, 0);
            float max = max(xs, xo, n);
            float logSum = (float) Math.log(expShifted(xs, xo, max, null, 0, n));
            losses[r] = logSum - (xs.get(FLOAT, xo + (long) targets[r] * Float.BYTES) - max);
        }
    }

    /** The largest of n floats (−∞ for n = 0; NaN if any is NaN). */
    static float max(MemorySegment xs, long xo, int n) {
        FloatVector acc = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            acc = acc.max(FloatVector.fromMemorySegment(SPECIES, xs, xo + (long) i * Float.BYTES, ORDER));
        }
        if (i < n) {
            VectorMask<Float> m = SPECIES.indexInRange(i, n);
            FloatVector tail = FloatVector.fromMemorySegment(SPECIES, xs, xo + (long) i * Float.BYTES, ORDER, m);
            acc = acc.max(FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY).blend(tail, m));
        }
        return acc.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Σ e^(x−max) over n floats; also writes each term to {@code os} when it is not null. The lane sums
     * pass between the steps through one vector's worth of floats from a pool, so that no vector crosses
     * a call: here, with the loop, its tail and the horizontal sum in one compilation, C2 reached its node
     * budget ({@code NodeCountInliningCutoff}) before {@link SimdMath#sum} and boxed the vector handed to
     * it, 96 bytes per row.
     */
    static float expShifted(MemorySegment xs, long xo, float max, MemorySegment os, long oo, int n) {
        float[] lanes = LANE_SUMS.take();
        int i = expBody(xs, xo, max, os, oo, n, lanes);
        if (i < n) {
            expTail(xs, xo, max, os, oo, i, n, lanes);
        }
        float sum = laneSum(lanes);
        LANE_SUMS.give(lanes);
        return sum;
    }

    /** The whole vectors of {@link #expShifted}: their lane sums go to {@code lanes}; returns where the tail starts. */
    private static int expBody(MemorySegment xs, long xo, float max, MemorySegment os, long oo, int n, float[] lanes) {
        FloatVector vmax = FloatVector.broadcast(SPECIES, max);
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = 0;
        for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
            long d = (long) i * Float.BYTES;
            FloatVector e = SimdMath.exp(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER).sub(vmax));
            if (os != null) {
                e.intoMemorySegment(os, oo + d, ORDER);
            }
            acc = acc.add(e);
        }
        acc.intoArray(lanes, 0);
        return i;
    }

    /**
     * The masked tail of {@link #expShifted}: adds its terms to {@code lanes} and, when os is not null,
     * writes them to os. A method of its own, never inlined (see {@link InlineDirective}): inside the loop's
     * compilation C2 ran out of its node budget before this second copy of exp and boxed every vector
     * crossing the call, 670 bytes per softmax row of 11 classes.
     */
    private static void expTail(MemorySegment xs, long xo, float max, MemorySegment os, long oo, int i, int n, float[] lanes) {
        VectorMask<Float> m = SPECIES.indexInRange(i, n);
        long d = (long) i * Float.BYTES;
        FloatVector e = SimdMath.exp(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER, m).sub(FloatVector.broadcast(SPECIES, max)));
        if (os != null) {
            e.intoMemorySegment(os, oo + d, ORDER, m);
        }
        FloatVector.fromArray(SPECIES, lanes, 0).add(e, m).intoArray(lanes, 0);
    }

    /** The sum of one vector's worth of lane sums, in {@link SimdMath#sum}'s fixed order. */
    private static float laneSum(float[] lanes) {
        return SimdMath.sum(FloatVector.fromArray(SPECIES, lanes, 0));
    }
}
