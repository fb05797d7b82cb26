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
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Batch-1 matrix-vector products over {@link PackedMatrix} layouts. A "lane block" is one vector's
 * worth of consecutive rows (LANES of them, within a block of 64); each column of a lane block is one
 * vector load, 256 bytes after the previous column, so y accumulates in vector lanes: no horizontal
 * sums, and the weights stream in address order. The lane blocks of a pass sit at constant offsets from
 * one pointer: four, or eight (a whole row block) with 256-bit vectors ({@link #GROUP}).
 *
 * <p>Code shape: each group of lane blocks is its own small method and no vector or mask crosses a
 * method boundary. C2 inlines everything in such a method; in larger ones it gave up inlining Vector API
 * calls, and every vector handed to a call it did not inline was boxed on the heap.
 */
final class SimdPackedGemv {

    /** Bytes between one column (F32) or column pair (BF16) of a row block and the next. */
    private static final long COLUMN = PackedMatrix.ROW_BLOCK * Float.BYTES;
    /** Bytes of one vector: the distance between neighbouring lane blocks. */
    private static final long VECTOR = (long) LANES * Float.BYTES;
    /** Lane blocks per row block. */
    private static final int SUBS = PackedMatrix.ROW_BLOCK / LANES;
    private static final int BF16_HIGH = 0xFFFF0000;
    /**
     * Lane blocks a pass reads together. With 8 lanes, eight: the whole row block, so the matrix is read
     * front to back (two passes of four each read half of every 256-byte column run). F32 keeps one
     * accumulator per lane block and one broadcast of x, which fit AVX2's 16 registers: 13.0–14.1
     * against 17.3–18.7 µs per GRU H = 256 product on a Zen 3. BF16 too, the even then the odd column of
     * a pair on one chain, since eight accumulators for each parity would not fit: GRU H = 1024 product
     * 277–328 → 173–177 µs. Otherwise four (at 16 lanes the whole row block), with even and odd columns
     * accumulating apart for eight FMA chains.
     */
    private static final int GROUP = SUBS == 8 ? 8 : 4;

    private SimdPackedGemv() {
    }

    static void gemv(PackedMatrix w, int colFrom, int colTo, Matrix x, Matrix bias, Matrix y, boolean accumulate,
                     boolean lastRowsFirst) {
        // the accumulators start from what y must add the products to: bias (no copy), y + bias, or 0
        Matrix start = start(y, bias, accumulate);
        MemorySegment ws = w.segment(), xs = x.segment(), ys = y.segment(), ss = start.segment();
        long xo = x.offset(0, 0), yo = y.offset(0, 0), so = start.offset(0, 0) - yo, blockBytes = w.blockBytes();
        boolean f32 = w.format() == PackedMatrix.Format.F32;
        int rows = w.rows(), full = rows / LANES, all = (rows + LANES - 1) / LANES;
        // groups of lane blocks, then single lane blocks for the rest; last to first on request
        int groups = full / GROUP, singles = all - groups * GROUP, blocks = groups + singles;
        for (int k = 0; k < blocks; k++) {
            int g = lastRowsFirst ? blocks - 1 - k : k;
            if (g < groups) {
                // SUBS is a multiple of the group, so the group's lane blocks share a row block
                int lb = g * GROUP;
                long b0 = base(lb, blockBytes), y0 = yo + (long) lb * VECTOR;
                if (GROUP == 8) {
                    if (f32) {
                        f32Group8(ws, b0, xs, xo, colFrom, colTo, ss, so + y0, ys, y0);
                    } else {
                        bf16Group8(ws, b0, xs, xo, colFrom, colTo, ss, so + y0, ys, y0);
                    }
                } else if (f32) {
                    f32Group4(ws, b0, xs, xo, colFrom, colTo, ss, so + y0, ys, y0);
                } else {
                    bf16Group4(ws, b0, xs, xo, colFrom, colTo, ss, so + y0, ys, y0);
                }
            } else {
                int lb = groups * GROUP + (g - groups);
                long y0 = yo + (long) lb * VECTOR;
                if (f32) {
                    f32Group1(ws, base(lb, blockBytes), xs, xo, colFrom, colTo, ss, so + y0, ys, y0, lb * LANES, rows);
                } else {
                    bf16Group1(ws, base(lb, blockBytes), xs, xo, colFrom, colTo, ss, so + y0, ys, y0, lb * LANES, rows);
                }
            }
        }
    }

    /** Byte offset of lane block lb's first column. */
    private static long base(int lb, long blockBytes) {
        return (lb / SUBS) * blockBytes + (long) (lb % SUBS) * LANES * Float.BYTES;
    }

    /** The vector the products are added to: bias, or y after y += bias when accumulating, or y zeroed. */
    private static Matrix start(Matrix y, Matrix bias, boolean accumulate) {
        if (accumulate) {
            if (bias != null) {
                SimdElementwise.add(y.segment(), y.offset(0, 0), bias.segment(), bias.offset(0, 0), y.segment(), y.offset(0, 0), y.cols());
            }
            return y;
        }
        if (bias != null) {
            return bias;
        }
        y.fill(0f);
        return y;
    }

    private static void f32Group4(MemorySegment ws, long b0, MemorySegment xs, long xo, int from, int to, MemorySegment ss,
                                  long s0, MemorySegment ys, long y0) {
        FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, ss, s0, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + VECTOR, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 2 * VECTOR, ORDER);
        FloatVector a3 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 3 * VECTOR, ORDER);
        FloatVector e0 = FloatVector.zero(SPECIES), e1 = e0, e2 = e0, e3 = e0;
        // even and odd columns accumulate apart: eight independent FMA chains hide the FMA latency;
        // one broadcast of x serves four weight loads (column ranges have even lengths). The index is a
        // long: C2 then keeps every address of the inner loop in a register, where with an int index it
        // re-added spilled base offsets on each pass (about 9 % slower per product at 1024×320).
        // The weights are the second factor: x86 C2 folds a load into the FMA only there, and with
        // AVX2's 16 registers, 8 loaded weights beside 8 accumulators and 2 broadcasts spilled two
        // accumulators to the stack on every pass (3.4× slower per product on a Zen 3)
        for (long c = from; c < to; c += 2) {
            long d = b0 + c * COLUMN, e = d + COLUMN, xc = xo + c * Float.BYTES;
            FloatVector xe = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc));
            FloatVector xd = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc + Float.BYTES));
            a0 = xe.fma(FloatVector.fromMemorySegment(SPECIES, ws, d, ORDER), a0);
            a1 = xe.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + VECTOR, ORDER), a1);
            a2 = xe.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + 2 * VECTOR, ORDER), a2);
            a3 = xe.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + 3 * VECTOR, ORDER), a3);
            e0 = xd.fma(FloatVector.fromMemorySegment(SPECIES, ws, e, ORDER), e0);
            e1 = xd.fma(FloatVector.fromMemorySegment(SPECIES, ws, e + VECTOR, ORDER), e1);
            e2 = xd.fma(FloatVector.fromMemorySegment(SPECIES, ws, e + 2 * VECTOR, ORDER), e2);
            e3 = xd.fma(FloatVector.fromMemorySegment(SPECIES, ws, e + 3 * VECTOR, ORDER), e3);
        }
        a0.add(e0).intoMemorySegment(ys, y0, ORDER);
        a1.add(e1).intoMemorySegment(ys, y0 + VECTOR, ORDER);
        a2.add(e2).intoMemorySegment(ys, y0 + 2 * VECTOR, ORDER);
        a3.add(e3).intoMemorySegment(ys, y0 + 3 * VECTOR, ORDER);
    }

    /** A whole row block at 8 lanes: eight FMA chains, one broadcast of x per column, no spills on AVX2. */
    private static void f32Group8(MemorySegment ws, long b0, MemorySegment xs, long xo, int from, int to, MemorySegment ss,
                                  long s0, MemorySegment ys, long y0) {
        FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, ss, s0, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + VECTOR, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 2 * VECTOR, ORDER);
        FloatVector a3 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 3 * VECTOR, ORDER);
        FloatVector a4 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 4 * VECTOR, ORDER);
        FloatVector a5 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 5 * VECTOR, ORDER);
        FloatVector a6 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 6 * VECTOR, ORDER);
        FloatVector a7 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 7 * VECTOR, ORDER);
        // weights as the second factor, folded into the FMA (see f32Group4)
        for (long c = from; c < to; c++) {
            long d = b0 + c * COLUMN;
            FloatVector xc = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xo + c * Float.BYTES));
            a0 = xc.fma(FloatVector.fromMemorySegment(SPECIES, ws, d, ORDER), a0);
            a1 = xc.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + VECTOR, ORDER), a1);
            a2 = xc.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + 2 * VECTOR, ORDER), a2);
            a3 = xc.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + 3 * VECTOR, ORDER), a3);
            a4 = xc.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + 4 * VECTOR, ORDER), a4);
            a5 = xc.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + 5 * VECTOR, ORDER), a5);
            a6 = xc.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + 6 * VECTOR, ORDER), a6);
            a7 = xc.fma(FloatVector.fromMemorySegment(SPECIES, ws, d + 7 * VECTOR, ORDER), a7);
        }
        a0.intoMemorySegment(ys, y0, ORDER);
        a1.intoMemorySegment(ys, y0 + VECTOR, ORDER);
        a2.intoMemorySegment(ys, y0 + 2 * VECTOR, ORDER);
        a3.intoMemorySegment(ys, y0 + 3 * VECTOR, ORDER);
        a4.intoMemorySegment(ys, y0 + 4 * VECTOR, ORDER);
        a5.intoMemorySegment(ys, y0 + 5 * VECTOR, ORDER);
        a6.intoMemorySegment(ys, y0 + 6 * VECTOR, ORDER);
        a7.intoMemorySegment(ys, y0 + 7 * VECTOR, ORDER);
    }

    /**
     * One lane block: the rows from {@code first} up to {@code rows}, at most LANES of them. The mask is
     * made here from the two ints: passed in, it was boxed like a vector whenever C2 compiled this apart
     * from its caller ("already compiled into a big method"), 48 bytes per call.
     */
    private static void f32Group1(MemorySegment ws, long b0, MemorySegment xs, long xo, int from, int to, MemorySegment ss,
                                  long s0, MemorySegment ys, long y0, int first, int rows) {
        VectorMask<Float> m = SPECIES.indexInRange(first, rows);
        FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, ss, s0, ORDER, m), e0 = FloatVector.zero(SPECIES);
        for (long c = from; c < to; c += 2) {
            long d = b0 + c * COLUMN, xc = xo + c * Float.BYTES;
            a0 = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc)).fma(FloatVector.fromMemorySegment(SPECIES, ws, d, ORDER), a0);
            e0 = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc + Float.BYTES))
                    .fma(FloatVector.fromMemorySegment(SPECIES, ws, d + COLUMN, ORDER), e0);
        }
        a0.add(e0).intoMemorySegment(ys, y0, ORDER, m);
    }

    /**
     * One int load per lane block gives two columns' float vectors: half the bytes of F32 for the
     * bandwidth-bound large layers, for one shift and one mask per vector. Even and odd columns
     * accumulate apart: eight FMA chains.
     */
    private static void bf16Group4(MemorySegment ws, long b0, MemorySegment xs, long xo, int from, int to, MemorySegment ss,
                                  long s0, MemorySegment ys, long y0) {
        FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, ss, s0, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + VECTOR, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 2 * VECTOR, ORDER);
        FloatVector a3 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 3 * VECTOR, ORDER);
        FloatVector e0 = FloatVector.zero(SPECIES), e1 = e0, e2 = e0, e3 = e0;
        // the loop runs over column pairs: a (long) index the addresses are linear in, which C2 needs
        // to lift the bounds checks out of the loop
        for (long p = from >> 1, end = to >> 1; p < end; p++) {
            long d = b0 + p * COLUMN, xc = xo + p * 2 * Float.BYTES;
            FloatVector xe = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc));
            FloatVector xd = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc + Float.BYTES));
            IntVector p0 = IntVector.fromMemorySegment(INT_SPECIES, ws, d, ORDER);
            IntVector p1 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + VECTOR, ORDER);
            IntVector p2 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + 2 * VECTOR, ORDER);
            IntVector p3 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + 3 * VECTOR, ORDER);
            a0 = low(p0).fma(xe, a0);
            e0 = high(p0).fma(xd, e0);
            a1 = low(p1).fma(xe, a1);
            e1 = high(p1).fma(xd, e1);
            a2 = low(p2).fma(xe, a2);
            e2 = high(p2).fma(xd, e2);
            a3 = low(p3).fma(xe, a3);
            e3 = high(p3).fma(xd, e3);
        }
        a0.add(e0).intoMemorySegment(ys, y0, ORDER);
        a1.add(e1).intoMemorySegment(ys, y0 + VECTOR, ORDER);
        a2.add(e2).intoMemorySegment(ys, y0 + 2 * VECTOR, ORDER);
        a3.add(e3).intoMemorySegment(ys, y0 + 3 * VECTOR, ORDER);
    }

    /**
     * A whole row block at 8 lanes: one accumulator per lane block. The shift and mask are written out
     * here rather than called through {@link #low} and {@link #high}: C2 reaches its node-count cutoff in
     * a loop this long and then stops inlining plain methods (the Vector API's own are exempt), which
     * boxed every vector in the loop and ran ten times slower. C2 still keeps two of the eight
     * accumulators on the stack on AVX2, for its early weight loads.
     */
    private static void bf16Group8(MemorySegment ws, long b0, MemorySegment xs, long xo, int from, int to, MemorySegment ss,
                                   long s0, MemorySegment ys, long y0) {
        FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, ss, s0, ORDER);
        FloatVector a1 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + VECTOR, ORDER);
        FloatVector a2 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 2 * VECTOR, ORDER);
        FloatVector a3 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 3 * VECTOR, ORDER);
        FloatVector a4 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 4 * VECTOR, ORDER);
        FloatVector a5 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 5 * VECTOR, ORDER);
        FloatVector a6 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 6 * VECTOR, ORDER);
        FloatVector a7 = FloatVector.fromMemorySegment(SPECIES, ss, s0 + 7 * VECTOR, ORDER);
        IntVector hi = IntVector.broadcast(INT_SPECIES, BF16_HIGH);
        for (long p = from >> 1, end = to >> 1; p < end; p++) {
            long d = b0 + p * COLUMN, xc = xo + p * 2 * Float.BYTES;
            FloatVector xe = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc));
            FloatVector xd = FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc + Float.BYTES));
            IntVector p0 = IntVector.fromMemorySegment(INT_SPECIES, ws, d, ORDER);
            a0 = p0.and(hi).reinterpretAsFloats().fma(xd, p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a0));
            IntVector p1 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + VECTOR, ORDER);
            a1 = p1.and(hi).reinterpretAsFloats().fma(xd, p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a1));
            IntVector p2 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + 2 * VECTOR, ORDER);
            a2 = p2.and(hi).reinterpretAsFloats().fma(xd, p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a2));
            IntVector p3 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + 3 * VECTOR, ORDER);
            a3 = p3.and(hi).reinterpretAsFloats().fma(xd, p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a3));
            IntVector p4 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + 4 * VECTOR, ORDER);
            a4 = p4.and(hi).reinterpretAsFloats().fma(xd, p4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a4));
            IntVector p5 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + 5 * VECTOR, ORDER);
            a5 = p5.and(hi).reinterpretAsFloats().fma(xd, p5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a5));
            IntVector p6 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + 6 * VECTOR, ORDER);
            a6 = p6.and(hi).reinterpretAsFloats().fma(xd, p6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a6));
            IntVector p7 = IntVector.fromMemorySegment(INT_SPECIES, ws, d + 7 * VECTOR, ORDER);
            a7 = p7.and(hi).reinterpretAsFloats().fma(xd, p7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a7));
        }
        a0.intoMemorySegment(ys, y0, ORDER);
        a1.intoMemorySegment(ys, y0 + VECTOR, ORDER);
        a2.intoMemorySegment(ys, y0 + 2 * VECTOR, ORDER);
        a3.intoMemorySegment(ys, y0 + 3 * VECTOR, ORDER);
        a4.intoMemorySegment(ys, y0 + 4 * VECTOR, ORDER);
        a5.intoMemorySegment(ys, y0 + 5 * VECTOR, ORDER);
        a6.intoMemorySegment(ys, y0 + 6 * VECTOR, ORDER);
        a7.intoMemorySegment(ys, y0 + 7 * VECTOR, ORDER);
    }

    private static void bf16Group1(MemorySegment ws, long b0, MemorySegment xs, long xo, int from, int to, MemorySegment ss,
                                   long s0, MemorySegment ys, long y0, int first, int rows) {
        VectorMask<Float> m = SPECIES.indexInRange(first, rows);   // made here, as in f32Group1
        FloatVector a0 = FloatVector.fromMemorySegment(SPECIES, ss, s0, ORDER, m), e0 = FloatVector.zero(SPECIES);
        for (long p = from >> 1, end = to >> 1; p < end; p++) {
            long xc = xo + p * 2 * Float.BYTES;
            IntVector p0 = IntVector.fromMemorySegment(INT_SPECIES, ws, b0 + p * COLUMN, ORDER);
            a0 = low(p0).fma(FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc)), a0);
            e0 = high(p0).fma(FloatVector.broadcast(SPECIES, xs.get(FLOAT, xc + Float.BYTES)), e0);
        }
        a0.add(e0).intoMemorySegment(ys, y0, ORDER, m);
    }

    private static FloatVector low(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector high(IntVector pairs) {
        return pairs.and(BF16_HIGH).reinterpretAsFloats();
    }
}
