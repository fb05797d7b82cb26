package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Matrix products C (m×n) = op(A) (m×k) · op(B) (k×n) on the Vector API, where op transposes A
 * ({@code transA}: A is stored k×m) or B ({@code transB}: B is stored n×k).
 *
 * <p>The structure is the classic one (Goto and van de Geijn): B is packed in blocks of KC×NC into
 * panels NR columns wide, A in blocks of MC×KC into panels MR rows high, and a register-blocked
 * micro-kernel computes one MR×NR tile of C from one panel of each. Packing makes every
 * transposition look the same to the micro-kernel, reads the panels sequentially and pads edges
 * with zeros, so the micro-kernel has no edge cases except where it stores.
 */
final class SimdGemm {

    /** Rows of the micro-tile: 8 rows × 3 vectors = 24 accumulators, leaving 8 of AVX-512's 32 registers for B and A. */
    static final int MR = 8;
    /** Columns of the micro-tile: three vectors. */
    static final int NR = 3 * LANES;
    /** Depth of a packed block: a KC×NR panel of B stays in L1/L2 while the A panels stream past it. */
    static final int KC = 256;
    /** Rows of a packed A block (MC×KC floats = 64 KiB, L2-resident). */
    static final int MC = 64;
    /** Columns of a packed B block (KC×NC floats = 1.5 MiB, within a 2 MiB L2); a multiple of NR at every width. */
    static final int NC = 1536;

    // packing buffers are reused across calls and threads, so steady-state products allocate nothing
    private static final ScratchPool A_BUFFERS = new ScratchPool(MC * KC);
    private static final ScratchPool B_BUFFERS = new ScratchPool(KC * NC);
    private static final ScratchPool TILE_BUFFERS = new ScratchPool(MR * NR);

    private SimdGemm() {
    }

    /** C (+)= op(A)·op(B). Shapes are checked by the caller; C must not overlap A or B. */
    static void multiply(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, boolean accumulate) {
        int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                c.fill(0f);
            }
            return;
        }
        if (m == 1 && !transA) {
            // a single row of A: a matrix-vector product, which needs no packing
            if (transB) {
                SimdGemv.gemv(b.segment(), 0, b.stride(), n, k, a.segment(), 0, c.segment(), 0, accumulate);
            } else {
                SimdGemv.gemvTrans(b.segment(), 0, b.stride(), k, n, a.segment(), 0, c.segment(), 0, accumulate);
            }
            return;
        }
        float[] ap = A_BUFFERS.take();
        float[] bp = B_BUFFERS.take();
        float[] tile = TILE_BUFFERS.take();
        try {
            for (int jc = 0; jc < n; jc += NC) {
                int nc = Math.min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    packB(b, transB, pc, jc, kc, nc, bp);
                    boolean addToC = accumulate || pc > 0;
                    for (int ic = 0; ic < m; ic += MC) {
                        int mc = Math.min(MC, m - ic);
                        packA(a, transA, ic, pc, mc, kc, ap);
                        for (int jr = 0; jr < nc; jr += NR) {
                            int nValid = Math.min(NR, nc - jr);
                            for (int ir = 0; ir < mc; ir += MR) {
                                kernel(ap, ir * kc, bp, jr * kc, kc, tile);
                                mergeTile(tile, c.segment(), c.offset(ic + ir, jc + jr), c.stride(),
                                        Math.min(MR, mc - ir), nValid, addToC);
                            }
                        }
                    }
                }
            }
        } finally {
            A_BUFFERS.give(ap);
            B_BUFFERS.give(bp);
            TILE_BUFFERS.give(tile);
        }
    }

    /** Packs op(A)[ic..ic+mc, pc..pc+kc) into panels of MR rows: ap[q·kc + p·MR + r], zero-padded. */
    static void packA(Matrix a, boolean transA, int ic, int pc, int mc, int kc, float[] ap) {
        MemorySegment as = a.segment();
        for (int q = 0; q < mc; q += MR) {
            int base = q * kc;
            int rows = Math.min(MR, mc - q);
            if (transA) {
                // A is k×m: for each p the panel's values are adjacent in memory
                for (int p = 0; p < kc; p++) {
                    long off = a.offset(pc + p, ic + q);
                    int dst = base + p * MR;
                    for (int r = 0; r < rows; r++) {
                        ap[dst + r] = as.get(FLOAT, off + (long) r * Float.BYTES);
                    }
                    for (int r = rows; r < MR; r++) {
                        ap[dst + r] = 0f;
                    }
                }
            } else {
                // A is m×k: read each row sequentially, write with stride MR
                for (int r = 0; r < MR; r++) {
                    if (r < rows) {
                        long off = a.offset(ic + q + r, pc);
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = as.get(FLOAT, off + (long) p * Float.BYTES);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + r] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Packs op(B)[pc..pc+kc, jc..jc+nc) into panels of NR columns: bp[q·kc + p·NR + j], zero-padded. */
    static void packB(Matrix b, boolean transB, int pc, int jc, int kc, int nc, float[] bp) {
        MemorySegment bs = b.segment();
        for (int q = 0; q < nc; q += NR) {
            int base = q * kc;
            int cols = Math.min(NR, nc - q);
            if (transB) {
                // B is n×k: read each of the panel's columns (a row of B) sequentially
                for (int j = 0; j < NR; j++) {
                    if (j < cols) {
                        long off = b.offset(jc + q + j, pc);
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = bs.get(FLOAT, off + (long) p * Float.BYTES);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = 0f;
                        }
                    }
                }
            } else if (cols == NR) {
                // B is k×n and the panel is whole: three vector copies per row
                long step = (long) LANES * Float.BYTES;
                for (int p = 0; p < kc; p++) {
                    long off = b.offset(pc + p, jc + q);
                    int dst = base + p * NR;
                    FloatVector.fromMemorySegment(SPECIES, bs, off, ORDER).intoArray(bp, dst);
                    FloatVector.fromMemorySegment(SPECIES, bs, off + step, ORDER).intoArray(bp, dst + LANES);
                    FloatVector.fromMemorySegment(SPECIES, bs, off + 2 * step, ORDER).intoArray(bp, dst + 2 * LANES);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    long off = b.offset(pc + p, jc + q);
                    int dst = base + p * NR;
                    for (int j = 0; j < NR; j++) {
                        bp[dst + j] = j < cols ? bs.get(FLOAT, off + (long) j * Float.BYTES) : 0f;
                    }
                }
            }
        }
    }

    /**
     * One MR×NR tile: tile (MR×NR, row-major) = Apanel (MR×kc) · Bpanel (kc×NR). The 24
     * accumulators stay in registers for the whole depth and are written out once. The method is
     * kept small and calls nothing that takes a vector, so that the JIT compiles it whole and never
     * boxes a vector; {@link #mergeTile} then adds the tile into C.
     */
    private static void kernel(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c02 = z;
        FloatVector c10 = z, c11 = z, c12 = z;
        FloatVector c20 = z, c21 = z, c22 = z;
        FloatVector c30 = z, c31 = z, c32 = z;
        FloatVector c40 = z, c41 = z, c42 = z;
        FloatVector c50 = z, c51 = z, c52 = z;
        FloatVector c60 = z, c61 = z, c62 = z;
        FloatVector c70 = z, c71 = z, c72 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            int ai = aOff + p * MR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector b2 = FloatVector.fromArray(SPECIES, bp, bi + 2 * LANES);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, ap[ai + 0]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            c02 = a.fma(b2, c02);
            a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            c12 = a.fma(b2, c12);
            a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            c22 = a.fma(b2, c22);
            a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            c32 = a.fma(b2, c32);
            a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            c42 = a.fma(b2, c42);
            a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            c52 = a.fma(b2, c52);
            a = FloatVector.broadcast(SPECIES, ap[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            c62 = a.fma(b2, c62);
            a = FloatVector.broadcast(SPECIES, ap[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            c72 = a.fma(b2, c72);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + LANES);
        c02.intoArray(tile, 0 * NR + 2 * LANES);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + LANES);
        c12.intoArray(tile, 1 * NR + 2 * LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c22.intoArray(tile, 2 * NR + 2 * LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        c32.intoArray(tile, 3 * NR + 2 * LANES);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + LANES);
        c42.intoArray(tile, 4 * NR + 2 * LANES);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + LANES);
        c52.intoArray(tile, 5 * NR + 2 * LANES);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + LANES);
        c62.intoArray(tile, 6 * NR + 2 * LANES);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + LANES);
        c72.intoArray(tile, 7 * NR + 2 * LANES);
    }

    /** C[0..rows, 0..cols) (+)= tile[0..rows, 0..cols). */
    private static void mergeTile(float[] tile, MemorySegment cs, long cOff, int ldc, int rows, int cols, boolean addToC) {
        long rowBytes = (long) ldc * Float.BYTES;
        int bound = SPECIES.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            long off = cOff + r * rowBytes;
            int t = r * NR;
            int j = 0;
            for (; j < bound; j += LANES) {
                long o = off + (long) j * Float.BYTES;
                FloatVector v = FloatVector.fromArray(SPECIES, tile, t + j);
                if (addToC) {
                    v = v.add(FloatVector.fromMemorySegment(SPECIES, cs, o, ORDER));
                }
                v.intoMemorySegment(cs, o, ORDER);
            }
            for (; j < cols; j++) {
                long o = off + (long) j * Float.BYTES;
                float v = tile[t + j];
                cs.set(FLOAT, o, addToC ? cs.get(FLOAT, o) + v : v);
            }
        }
    }
}
