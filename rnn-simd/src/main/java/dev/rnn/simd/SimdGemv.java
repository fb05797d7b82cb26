package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix-vector products on the Vector API over raw segments: A is m×n row-major with row stride
 * {@code lda} floats starting at byte {@code ao}; x and y are contiguous.
 */
final class SimdGemv {

    private SimdGemv() {
    }

    /** y (m) = A·x (n), or y += A·x. */
    static void gemv(MemorySegment as, long ao, int lda, int m, int n,
                     MemorySegment xs, long xo, MemorySegment ys, long yo, boolean accumulate) {
        final int lanes = SPECIES.length();
        final long rowBytes = (long) lda * Float.BYTES;
        final int bound = SPECIES.loopBound(n);
        int i = 0;
        // four rows at a time: each x vector is loaded once for four rows, and the four
        // accumulators are independent FMA chains
        for (; i + 4 <= m; i += 4) {
            long r0 = ao + i * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
            FloatVector acc0 = FloatVector.zero(SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            int j = 0;
            for (; j < bound; j += lanes) {
                long d = (long) j * Float.BYTES;
                FloatVector x = FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER);
                acc0 = FloatVector.fromMemorySegment(SPECIES, as, r0 + d, ORDER).fma(x, acc0);
                acc1 = FloatVector.fromMemorySegment(SPECIES, as, r1 + d, ORDER).fma(x, acc1);
                acc2 = FloatVector.fromMemorySegment(SPECIES, as, r2 + d, ORDER).fma(x, acc2);
                acc3 = FloatVector.fromMemorySegment(SPECIES, as, r3 + d, ORDER).fma(x, acc3);
            }
            float s0 = SimdMath.sum(acc0), s1 = SimdMath.sum(acc1);
            float s2 = SimdMath.sum(acc2), s3 = SimdMath.sum(acc3);
            for (; j < n; j++) {
                long d = (long) j * Float.BYTES;
                float x = xs.get(FLOAT, xo + d);
                s0 = Math.fma(as.get(FLOAT, r0 + d), x, s0);
                s1 = Math.fma(as.get(FLOAT, r1 + d), x, s1);
                s2 = Math.fma(as.get(FLOAT, r2 + d), x, s2);
                s3 = Math.fma(as.get(FLOAT, r3 + d), x, s3);
            }
            store(ys, yo, i, s0, accumulate);
            store(ys, yo, i + 1, s1, accumulate);
            store(ys, yo, i + 2, s2, accumulate);
            store(ys, yo, i + 3, s3, accumulate);
        }
        for (; i < m; i++) {
            store(ys, yo, i, SimdReductions.dot(as, ao + i * rowBytes, xs, xo, n), accumulate);
        }
    }

    private static void store(MemorySegment ys, long yo, int i, float s, boolean accumulate) {
        long off = yo + (long) i * Float.BYTES;
        ys.set(FLOAT, off, accumulate ? ys.get(FLOAT, off) + s : s);
    }

    /** y (n) = Aᵀ·x (m), or y += Aᵀ·x. */
    static void gemvTrans(MemorySegment as, long ao, int lda, int m, int n,
                          MemorySegment xs, long xo, MemorySegment ys, long yo, boolean accumulate) {
        if (!accumulate) {
            ys.asSlice(yo, (long) n * Float.BYTES).fill((byte) 0);
        }
        final int lanes = SPECIES.length();
        final long rowBytes = (long) lda * Float.BYTES;
        final int bound = SPECIES.loopBound(n);
        int i = 0;
        // four rows of A per pass over y: y is loaded and stored once for four FMAs
        for (; i + 4 <= m; i += 4) {
            long r0 = ao + i * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
            long xi = xo + (long) i * Float.BYTES;
            float x0 = xs.get(FLOAT, xi), x1 = xs.get(FLOAT, xi + 4), x2 = xs.get(FLOAT, xi + 8), x3 = xs.get(FLOAT, xi + 12);
            FloatVector v0 = FloatVector.broadcast(SPECIES, x0), v1 = FloatVector.broadcast(SPECIES, x1);
            FloatVector v2 = FloatVector.broadcast(SPECIES, x2), v3 = FloatVector.broadcast(SPECIES, x3);
            int j = 0;
            for (; j < bound; j += lanes) {
                long d = (long) j * Float.BYTES;
                FloatVector y = FloatVector.fromMemorySegment(SPECIES, ys, yo + d, ORDER);
                y = FloatVector.fromMemorySegment(SPECIES, as, r0 + d, ORDER).fma(v0, y);
                y = FloatVector.fromMemorySegment(SPECIES, as, r1 + d, ORDER).fma(v1, y);
                y = FloatVector.fromMemorySegment(SPECIES, as, r2 + d, ORDER).fma(v2, y);
                y = FloatVector.fromMemorySegment(SPECIES, as, r3 + d, ORDER).fma(v3, y);
                y.intoMemorySegment(ys, yo + d, ORDER);
            }
            for (; j < n; j++) {
                long d = (long) j * Float.BYTES;
                float y = ys.get(FLOAT, yo + d);
                y = Math.fma(as.get(FLOAT, r0 + d), x0, y);
                y = Math.fma(as.get(FLOAT, r1 + d), x1, y);
                y = Math.fma(as.get(FLOAT, r2 + d), x2, y);
                y = Math.fma(as.get(FLOAT, r3 + d), x3, y);
                ys.set(FLOAT, yo + d, y);
            }
        }
        for (; i < m; i++) {
            SimdElementwise.axpy(xs.get(FLOAT, xo + (long) i * Float.BYTES), as, ao + i * rowBytes, ys, yo, n);
        }
    }
}
