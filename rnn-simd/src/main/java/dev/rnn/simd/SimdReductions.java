package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Sums over all elements (dot product, sum of squares) on the Vector API. */
final class SimdReductions {

    private SimdReductions() {
    }

    static float dot(Matrix a, Matrix b) {
        int rows = SimdElementwise.spanRows(a, b);
        int n = SimdElementwise.spanLength(a, rows);
        float s = 0f;
        for (int r = 0; r < rows; r++) {
            s += dot(a.segment(), a.offset(r, 0), b.segment(), b.offset(r, 0), n);
        }
        return s;
    }

    /**
     * Floats per chunk of a long contiguous sum of squares: the chunks' sums are added in order, so the
     * result is the same whether one thread sums every chunk or several share them (a gradient's norm
     * for clipping is taken over millions of floats).
     */
    static final int SQUARES_CHUNK = 1 << 16;

    static float sumOfSquares(Matrix x) {
        if (x.isContiguous() && x.size() > SQUARES_CHUNK) {
            return chunkedSumOfSquares(x);
        }
        int rows = x.isContiguous() ? 1 : x.rows();
        int n = SimdElementwise.spanLength(x, rows);
        float s = 0f;
        for (int r = 0; r < rows; r++) {
            long o = x.offset(r, 0);
            s += dot(x.segment(), o, x.segment(), o, n);
        }
        return s;
    }

    /** Σ over fixed chunks of {@link #SQUARES_CHUNK} floats, added first to last; the chunks may be summed on the pool. */
    private static float chunkedSumOfSquares(Matrix x) {
        long size = x.size();
        int chunks = Math.toIntExact((size + SQUARES_CHUNK - 1) / SQUARES_CHUNK);
        float[] partial = new float[chunks];          // a few floats per call, one call per gradient per update
        int parts = SimdSplits.parts(size, SimdSplits.MIN_ARITHMETIC_FLOATS, chunks, x, x);
        if (parts == 1) {
            sumChunks(x, partial, 0, chunks);
        } else {
            GemmThreads.run((part, count) -> sumChunks(x, partial, SimdSplits.start(chunks, part, count, 1),
                    SimdSplits.start(chunks, part + 1, count, 1)), parts);
        }
        float s = 0f;
        for (float p : partial) {
            s += p;
        }
        return s;
    }

    /** partial[j] = the sum of squares of chunk j, for j in [from, to). */
    static void sumChunks(Matrix x, float[] partial, int from, int to) {
        long size = x.size();
        for (int j = from; j < to; j++) {
            long o = (long) j * SQUARES_CHUNK * Float.BYTES;
            int n = (int) Math.min(SQUARES_CHUNK, size - (long) j * SQUARES_CHUNK);
            partial[j] = dot(x.segment(), o, x.segment(), o, n);
        }
    }

    /** Σ a[i]·b[i] for i in [0, n), byte offsets ao and bo. */
    static float dot(MemorySegment as, long ao, MemorySegment bs, long bo, int n) {
        final int lanes = SPECIES.length();
        int i = 0;
        float sum = 0f;
        if (n >= 4 * lanes) {
            // four independent accumulators hide the FMA latency (4 cycles, 2 ports)
            FloatVector acc0 = FloatVector.zero(SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int bound = n - n % (4 * lanes); i < bound; i += 4 * lanes) {
                long d = (long) i * Float.BYTES;
                long step = (long) lanes * Float.BYTES;
                acc0 = FloatVector.fromMemorySegment(SPECIES, as, ao + d, ORDER)
                        .fma(FloatVector.fromMemorySegment(SPECIES, bs, bo + d, ORDER), acc0);
                acc1 = FloatVector.fromMemorySegment(SPECIES, as, ao + d + step, ORDER)
                        .fma(FloatVector.fromMemorySegment(SPECIES, bs, bo + d + step, ORDER), acc1);
                acc2 = FloatVector.fromMemorySegment(SPECIES, as, ao + d + 2 * step, ORDER)
                        .fma(FloatVector.fromMemorySegment(SPECIES, bs, bo + d + 2 * step, ORDER), acc2);
                acc3 = FloatVector.fromMemorySegment(SPECIES, as, ao + d + 3 * step, ORDER)
                        .fma(FloatVector.fromMemorySegment(SPECIES, bs, bo + d + 3 * step, ORDER), acc3);
            }
            sum = SimdMath.sum(acc0.add(acc1).add(acc2.add(acc3)));
        }
        // vector tail
        if (n - i >= lanes) {
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int bound = SPECIES.loopBound(n); i < bound; i += lanes) {
                long d = (long) i * Float.BYTES;
                acc = FloatVector.fromMemorySegment(SPECIES, as, ao + d, ORDER)
                        .fma(FloatVector.fromMemorySegment(SPECIES, bs, bo + d, ORDER), acc);
            }
            sum += SimdMath.sum(acc);
        }
        // scalar tail
        for (; i < n; i++) {
            long d = (long) i * Float.BYTES;
            sum = Math.fma(as.get(FLOAT, ao + d), bs.get(FLOAT, bo + d), sum);
        }
        return sum;
    }
}
