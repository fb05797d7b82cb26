package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
import static dev.rnn.simd.SimdConstants.INT_SPECIES;
import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Batch-1 matrix-vector products over {@link PackedMatrix} layouts. Column ranges are whole blocks of
 * 32, a multiple of two vectors at every width, so there are no column tails.
 */
final class SimdPackedGemv {

    private static final int BF16_HIGH = 0xFFFF0000;

    private SimdPackedGemv() {
    }

    static void gemv(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y, boolean accumulate) {
        if (w.format() == PackedMatrix.Format.F32) {
            f32(w, colFrom, colTo, x, bias, y, accumulate);
        } else {
            bf16(w, colFrom, colTo, x, bias, y, accumulate);
        }
    }

    private static void f32(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y, boolean accumulate) {
        final MemorySegment ws = w.segment(), xs = x.segment();
        final long rowBytes = w.rowBytes(), xo = x.offset(0, 0), from = (long) colFrom * Float.BYTES, to = (long) colTo * Float.BYTES;
        final long step = 2L * LANES * Float.BYTES;
        final int rows = w.rows();
        int i = 0;
        // four rows share each load of x, and two column vectors per row give eight independent FMA
        // chains: enough to hide FMA latency when the weights come from L1/L2
        for (; i + 4 <= rows; i += 4) {
            long r0 = i * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
            FloatVector a0 = FloatVector.zero(SPECIES), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            for (long d = from; d < to; d += step) {
                long e = d + (long) LANES * Float.BYTES;
                FloatVector xa = FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER);
                FloatVector xb = FloatVector.fromMemorySegment(SPECIES, xs, xo + e, ORDER);
                a0 = FloatVector.fromMemorySegment(SPECIES, ws, r0 + d, ORDER).fma(xa, a0);
                b0 = FloatVector.fromMemorySegment(SPECIES, ws, r0 + e, ORDER).fma(xb, b0);
                a1 = FloatVector.fromMemorySegment(SPECIES, ws, r1 + d, ORDER).fma(xa, a1);
                b1 = FloatVector.fromMemorySegment(SPECIES, ws, r1 + e, ORDER).fma(xb, b1);
                a2 = FloatVector.fromMemorySegment(SPECIES, ws, r2 + d, ORDER).fma(xa, a2);
                b2 = FloatVector.fromMemorySegment(SPECIES, ws, r2 + e, ORDER).fma(xb, b2);
                a3 = FloatVector.fromMemorySegment(SPECIES, ws, r3 + d, ORDER).fma(xa, a3);
                b3 = FloatVector.fromMemorySegment(SPECIES, ws, r3 + e, ORDER).fma(xb, b3);
            }
            store(y, bias, i, SimdMath.sum(a0.add(b0)), accumulate);
            store(y, bias, i + 1, SimdMath.sum(a1.add(b1)), accumulate);
            store(y, bias, i + 2, SimdMath.sum(a2.add(b2)), accumulate);
            store(y, bias, i + 3, SimdMath.sum(a3.add(b3)), accumulate);
        }
        for (; i < rows; i++) {
            long r0 = i * rowBytes;
            FloatVector a0 = FloatVector.zero(SPECIES), b0 = a0;
            for (long d = from; d < to; d += step) {
                long e = d + (long) LANES * Float.BYTES;
                a0 = FloatVector.fromMemorySegment(SPECIES, ws, r0 + d, ORDER).fma(FloatVector.fromMemorySegment(SPECIES, xs, xo + d, ORDER), a0);
                b0 = FloatVector.fromMemorySegment(SPECIES, ws, r0 + e, ORDER).fma(FloatVector.fromMemorySegment(SPECIES, xs, xo + e, ORDER), b0);
            }
            store(y, bias, i, SimdMath.sum(a0.add(b0)), accumulate);
        }
    }

    private static void bf16(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y, boolean accumulate) {
        final MemorySegment ws = w.segment(), xs = x.segment();
        final long rowBytes = w.rowBytes(), xo = x.offset(0, 0);
        final int rows = w.rows(), firstBlock = colFrom / PackedMatrix.BLOCK, lastBlock = colTo / PackedMatrix.BLOCK;
        final long half = 16L * Float.BYTES;   // x offset of a block's high columns
        int i = 0;
        // one int load per row gives two float vectors (columns j and 16 + j of a block): half the
        // bytes of f32 for the bandwidth-bound large layers, for one shift and one mask per vector
        for (; i + 4 <= rows; i += 4) {
            long r0 = i * rowBytes, r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
            FloatVector a0 = FloatVector.zero(SPECIES), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            for (int blk = firstBlock; blk < lastBlock; blk++) {
                long wb = (long) blk * 64, xb = xo + (long) blk * PackedMatrix.BLOCK * Float.BYTES;
                for (int s = 0; s < 16; s += LANES) {
                    long wo = wb + (long) s * Integer.BYTES, xlo = xb + (long) s * Float.BYTES;
                    FloatVector xa = FloatVector.fromMemorySegment(SPECIES, xs, xlo, ORDER);
                    FloatVector xh = FloatVector.fromMemorySegment(SPECIES, xs, xlo + half, ORDER);
                    IntVector p0 = IntVector.fromMemorySegment(INT_SPECIES, ws, r0 + wo, ORDER);
                    IntVector p1 = IntVector.fromMemorySegment(INT_SPECIES, ws, r1 + wo, ORDER);
                    IntVector p2 = IntVector.fromMemorySegment(INT_SPECIES, ws, r2 + wo, ORDER);
                    IntVector p3 = IntVector.fromMemorySegment(INT_SPECIES, ws, r3 + wo, ORDER);
                    a0 = low(p0).fma(xa, a0);
                    b0 = high(p0).fma(xh, b0);
                    a1 = low(p1).fma(xa, a1);
                    b1 = high(p1).fma(xh, b1);
                    a2 = low(p2).fma(xa, a2);
                    b2 = high(p2).fma(xh, b2);
                    a3 = low(p3).fma(xa, a3);
                    b3 = high(p3).fma(xh, b3);
                }
            }
            store(y, bias, i, SimdMath.sum(a0.add(b0)), accumulate);
            store(y, bias, i + 1, SimdMath.sum(a1.add(b1)), accumulate);
            store(y, bias, i + 2, SimdMath.sum(a2.add(b2)), accumulate);
            store(y, bias, i + 3, SimdMath.sum(a3.add(b3)), accumulate);
        }
        for (; i < rows; i++) {
            long r0 = i * rowBytes;
            FloatVector a0 = FloatVector.zero(SPECIES), b0 = a0;
            for (int blk = firstBlock; blk < lastBlock; blk++) {
                long wb = (long) blk * 64, xb = xo + (long) blk * PackedMatrix.BLOCK * Float.BYTES;
                for (int s = 0; s < 16; s += LANES) {
                    long xlo = xb + (long) s * Float.BYTES;
                    IntVector p0 = IntVector.fromMemorySegment(INT_SPECIES, ws, r0 + wb + (long) s * Integer.BYTES, ORDER);
                    a0 = low(p0).fma(FloatVector.fromMemorySegment(SPECIES, xs, xlo, ORDER), a0);
                    b0 = high(p0).fma(FloatVector.fromMemorySegment(SPECIES, xs, xlo + half, ORDER), b0);
                }
            }
            store(y, bias, i, SimdMath.sum(a0.add(b0)), accumulate);
        }
    }

    private static FloatVector low(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector high(IntVector pairs) {
        return pairs.and(BF16_HIGH).reinterpretAsFloats();
    }

    private static void store(Matrix y, Matrix bias, int i, float s, boolean accumulate) {
        if (bias != null) {
            s += bias.segment().get(FLOAT, bias.offset(0, i));
        }
        long off = y.offset(0, i);
        y.segment().set(FLOAT, off, accumulate ? y.segment().get(FLOAT, off) + s : s);
    }
}
