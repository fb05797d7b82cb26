package dev.rnn.simd;

import static dev.rnn.core.Matrix.FLOAT;
import static dev.rnn.simd.SimdConstants.LANES;
import static dev.rnn.simd.SimdConstants.ORDER;
import static dev.rnn.simd.SimdConstants.SPECIES;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.GemmOperand;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Matrix products C (m×n) = op(A) (m×k) · op(B) (k×n) on the Vector API, where op transposes A
 * ({@code transA}: A is stored k×m) or B ({@code transB}: B is stored n×k).
 *
 * <p>The structure is the classic one (Goto and van de Geijn): B is packed in blocks of KC×NC into
 * panels NR columns wide, A in blocks of MC×KC into panels MR rows high, and a register-blocked
 * micro-kernel computes one MR×NR tile of C from one panel of each into a small array, which
 * {@code mergeTile} adds into C. Packing makes every transposition look the same to the
 * micro-kernel, reads the panels sequentially and pads edges with zeros, so the micro-kernel has no
 * edge cases.
 *
 * <p>Within a packed block the loops run over B's panels outermost and, inside them, over slices of
 * KS depths: one slice of a B panel stays in L1 while the kernel runs it against every A panel of
 * the block, which sits in L2.
 */
final class SimdGemm {

    /**
     * Rows of the micro-tile: 12 rows × 2 vectors = 24 accumulators. C2 keeps them, the two B vectors and
     * the broadcasts of A in AVX-512's 32 registers; 8 × 3 also has 24 accumulators but C2 hoists more
     * broadcasts there and spills two accumulators to the stack on every step.
     */
    static final int MR = 12;
    /** Columns of the micro-tile: two vectors. */
    static final int NR = 2 * LANES;
    /**
     * Row blocks of at most this many rows skip packing A and run {@link #kernel1x4} or {@link #kernel2x4}:
     * one row in a 4-row panel spent three quarters of kernel4's FMAs on padding rows. A batch of one
     * stream of the character LM (LSTM 2×512) took about 185 µs of CPU per step instead of 285.
     */
    static final int FEW_ROWS = 2;
    /**
     * Column panels that {@link #kernel1x4} and {@link #kernel2x4} run at once: one row against one panel
     * has two accumulators, each FMA waiting on the last; four panels give eight independent chains,
     * what two FMA pipes of four cycles' latency need.
     */
    static final int PANEL_GROUP = 4;
    /** Depth of a packed block: A and B are packed once per block for k ≤ 512. */
    static final int KC = 512;
    /**
     * Depths per micro-kernel call, a divisor of KC. A B panel slice of KS×NR floats (32 KiB with
     * 16 lanes) stays in L1 across a block's A panels; the tile is merged into C once per slice.
     */
    static final int KS = 256;
    /**
     * Rows of a packed A block (MC×KC = 192 KiB, in L2), a multiple of MR; the best of 48, 96, 144, 240 at 512³
     * (Sapphire Rapids VM, 2 MiB L2, 2026-11-23).
     */
    static final int MC = 96;
    /**
     * Rows of a packed A block against a prepared B, a multiple of MR, chosen once from the L2 size. Prepared
     * operands are weights, used step after step, and often larger than L2 (the gates of H = 512: 4–8 MiB); a
     * product streams them from L3 once per row block. 264 rows (528 KiB at KC = 512) hold a batch of 256 in
     * one block: a batched step of 256 streams of the character LM took 10.1–10.8 ms against 11.0–11.4 with 96
     * rows, and 11.2 with 384 (Zen 5 VM, 1 MiB L2, which the VM does not report; 2026-12-05). Where the L2 is
     * known to be smaller than 1 MiB, {@link #MC}.
     */
    static final int PREPARED_MC = L2CacheSize.BYTES > 0 && L2CacheSize.BYTES < (1 << 20) ? MC : 264;
    /** Depths of B transposed into a panel at a time by {@link #packB}: 128 × NR floats = 16 KiB at 16 lanes. */
    static final int TRANSPOSE_RUN = 128;
    /** Columns of a packed B block: KC×NC floats = 1 MiB, within a 2 MiB L2; a multiple of NR at every width. */
    static final int NC = 512;

    static {
        // preparedBlocks deals column panels out across column blocks by their global index
        if (NC % NR != 0) {
            throw new AssertionError("NC = " + NC + " is not a multiple of NR = " + NR);
        }
    }

    /**
     * Products of at least this many multiply-adds (about 40 µs on one core) are split across
     * {@link GemmThreads}; below it, handing work to another thread costs more than it saves.
     */
    static final long PARALLEL_MIN_MACS = 1L << 22;

    // packing buffers are reused across calls and threads, so steady-state products allocate nothing
    private static final ScratchPool A_BUFFERS = new ScratchPool(Math.max(MC, PREPARED_MC) * KC);
    // one line more than a block, so that its panels can start on a cache line (see CacheLineOffset)
    private static final ScratchPool B_BUFFERS = new ScratchPool(KC * NC + CacheLineOffset.LINE_FLOATS);
    private static final ScratchPool TILE_BUFFERS = new ScratchPool(MR * NR);
    // the largest line: MR rows of A, KC apart (packRowsOfA); packB's runs are shorter
    private static final ScratchPool LINE_BUFFERS = new ScratchPool(MR * KC);

    /**
     * Where the gathers of {@link #packA} read: MR rows of A copied KC apart, taken in the packed
     * order (depth-major, MR rows side by side). The order repeats every lcm(MR, LANES) floats,
     * which are {@link #GATHER_DEPTHS} depths and {@link #GATHER_VECTORS} vectors.
     */
    private static final int[] GATHER_INDEX;
    private static final int GATHER_DEPTHS;
    private static final int GATHER_VECTORS;

    static {
        int period = MR / gcd(MR, LANES) * LANES;
        GATHER_DEPTHS = period / MR;
        GATHER_VECTORS = period / LANES;
        GATHER_INDEX = new int[period];
        for (int t = 0; t < period; t++) {
            GATHER_INDEX[t] = t % MR * KC + t / MR;
        }
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private SimdGemm() {
    }

    /**
     * op(B) packed once: one KC×NC block per (column block, depth block), in the layout
     * {@link #packB} writes, so that products skip packing. blocks[jb · depthBlocks + pb], whose
     * panels start at element starts[jb · depthBlocks + pb]: a cache line, where that could be learnt
     * when the block was packed.
     */
    static final class Prepared implements GemmOperand {
        final int k, n, depthBlocks;
        final float[][] blocks;
        final int[] starts;
        Matrix source;      // B itself, for products with a single row (a matrix-vector product needs no packing)
        boolean transposed;

        Prepared(int k, int n) {
            this.k = k;
            this.n = n;
            this.depthBlocks = (k + KC - 1) / KC;
            int columnBlocks = (n + NC - 1) / NC;
            this.blocks = new float[Math.max(1, columnBlocks * depthBlocks)][];
            this.starts = new int[blocks.length];
            for (int jb = 0; jb < columnBlocks; jb++) {
                int nc = Math.min(NC, n - jb * NC), padded = (nc + NR - 1) / NR * NR;
                for (int pb = 0; pb < depthBlocks; pb++) {
                    blocks[jb * depthBlocks + pb] = new float[Math.min(KC, k - pb * KC) * padded + CacheLineOffset.LINE_FLOATS];
                }
            }
        }

        @Override
        public int rows() {
            return k;
        }

        @Override
        public int cols() {
            return n;
        }
    }

    static Prepared prepare(Matrix b, boolean transB, GemmOperand reuse) {
        int k = transB ? b.cols() : b.rows(), n = transB ? b.rows() : b.cols();
        Prepared p = reuse instanceof Prepared q && q.k == k && q.n == n ? q : new Prepared(k, n);
        p.source = b;
        p.transposed = transB;
        int blocks = p.blocks.length;
        // a recurrent weight is packed before every sequence, forward and backward: its blocks are independent
        int parts = (long) k * n >= SimdSplits.MIN_ARITHMETIC_FLOATS && blocks > 1 && GemmThreads.THREADS > 1
                && GemmThreads.shareable(b.segment()) ? Math.min(GemmThreads.THREADS, blocks) : 1;
        if (parts == 1) {
            packBlocks(b, transB, p, 0, 1);
        } else {
            GemmThreads.run((part, count) -> packBlocks(b, transB, p, part, count), parts);
        }
        return p;
    }

    /** Packs the blocks of a prepared operand whose index is {@code part} modulo {@code parts}. */
    private static void packBlocks(Matrix b, boolean transB, Prepared p, int part, int parts) {
        int k = p.k, n = p.n;
        float[] line = LINE_BUFFERS.take();
        try {
            for (int jc = 0, jb = 0; jc < n; jc += NC, jb++) {
                for (int pc = 0, pb = 0; pc < k; pc += KC, pb++) {
                    int i = jb * p.depthBlocks + pb;
                    if (i % parts != part) {
                        continue;
                    }
                    p.starts[i] = CacheLineOffset.floatsToLine(p.blocks[i]);
                    packB(b, transB, pc, jc, Math.min(KC, k - pc), Math.min(NC, n - jc), p.blocks[i], p.starts[i], line);
                }
            }
        } finally {
            LINE_BUFFERS.give(line);
        }
    }

    /** C (+)= A·op(B) for a prepared op(B). */
    static void multiply(Matrix a, Prepared b, Matrix c, boolean accumulate) {
        int m = c.rows(), n = c.cols(), k = b.k;
        if (empty(m, n, k, c, accumulate)) {
            return;
        }
        if (m == 1) {
            // one row (a batch of one sequence): packed panels of MR rows would compute MR − 1 rows of zeros
            Matrix src = b.source;
            if (b.transposed) {
                SimdGemv.gemv(src.segment(), 0, src.stride(), n, k, a.segment(), 0, c.segment(), 0, accumulate);
            } else {
                SimdGemv.gemvTrans(src.segment(), 0, src.stride(), k, n, a.segment(), 0, c.segment(), 0, accumulate);
            }
            return;
        }
        runPrepared(a, b, c, accumulate, threads(a, c, m, n, k));
    }

    /** The packed path against a prepared B with up to {@code threads} threads (package-private for tests). */
    static void multiply(Matrix a, Prepared b, Matrix c, boolean accumulate, int threads) {
        runPrepared(a, b, c, accumulate, threads);
    }

    /**
     * The blocked product against a prepared B, whose blocks all exist already: each thread packs a
     * block of A once and runs it against every column block of B, where {@link #run} packs B block by
     * block and so packs each block of A once per column block (four times at n = 2048, the gates of
     * H = 512: 9 % of a training step went to packing A). Every element of C still sums its depth blocks
     * and slices in the same order, so the bits are those of {@link #run}.
     */
    private static void runPrepared(Matrix a, Prepared b, Matrix c, boolean accumulate, int threads) {
        int m = c.rows(), n = c.cols();
        int rowBlocks = (m + PREPARED_MC - 1) / PREPARED_MC;
        boolean byColumns = rowBlocks < threads;
        int parts = byColumns ? Math.min(threads, (n + NR - 1) / NR) : threads;
        if (parts == 1) {
            // one thread: a direct call, since C2 does not always scalar-replace the lambda below
            preparedBlocks(a, b, c, accumulate, byColumns, 0, 1);
            return;
        }
        GemmThreads.run((part, count) -> preparedBlocks(a, b, c, accumulate, byColumns, part, count), parts);
    }

    /**
     * One thread's share of C against a prepared B: row blocks part, part + parts, … or, by columns,
     * every row block but only the column panels part, part + parts, … of C (counted across column blocks).
     */
    private static void preparedBlocks(Matrix a, Prepared b, Matrix c, boolean accumulate, boolean byColumns, int part, int parts) {
        int m = c.rows(), n = c.cols(), k = b.k;
        float[] ap = A_BUFFERS.take();
        float[] tile = TILE_BUFFERS.take();
        float[] line = LINE_BUFFERS.take();
        try {
            int firstRow = byColumns ? 0 : part * PREPARED_MC, rowStep = byColumns ? PREPARED_MC : parts * PREPARED_MC;
            for (int pc = 0, pb = 0; pc < k; pc += KC, pb++) {
                int kc = Math.min(KC, k - pc);
                boolean addToC = accumulate || pc > 0;
                for (int ic = firstRow; ic < m; ic += rowStep) {
                    int mc = Math.min(PREPARED_MC, m - ic);
                    if (mc <= FEW_ROWS) {
                        fewRows(a, b, c, ic, mc, pc, pb, kc, addToC, byColumns, part, parts, ap, tile);
                        continue;
                    }
                    packA(a, false, ic, pc, mc, kc, ap, line);
                    for (int jc = 0, jb = 0; jc < n; jc += NC, jb++) {
                        int nc = Math.min(NC, n - jc);
                        int block = jb * b.depthBlocks + pb;
                        // panels are dealt out across the whole width, so that both threads get work at any n
                        int firstPanel = byColumns ? Math.floorMod(part - jc / NR, parts) * NR : 0;
                        int panelStep = byColumns ? parts * NR : NR;
                        panels(ap, mc, b.blocks[block], b.starts[block], kc, c, ic, jc, nc, firstPanel, panelStep, addToC, tile);
                    }
                }
            }
        } finally {
            A_BUFFERS.give(ap);
            TILE_BUFFERS.give(tile);
            LINE_BUFFERS.give(line);
        }
    }

    /**
     * A row block of at most {@link #FEW_ROWS} rows against a prepared B: its rows are copied as they are
     * (KC apart in {@code ap}, no panel of MR rows to pack and pad), and {@link #kernel1x4} or
     * {@link #kernel2x4} runs them against {@link #PANEL_GROUP} column panels at once. Every element of C
     * gets the sums of {@link #panels}, in the same order: from zero over each KS slice of depths, one
     * FMA per depth, each slice then added into C in turn.
     */
    private static void fewRows(Matrix a, Prepared b, Matrix c, int ic, int mc, int pc, int pb, int kc, boolean addToC,
                                boolean byColumns, int part, int parts, float[] ap, float[] tile) {
        MemorySegment as = a.segment(), cs = c.segment();
        for (int r = 0; r < mc; r++) {
            MemorySegment.copy(as, FLOAT, a.offset(ic + r, pc), ap, r * KC, kc);
        }
        int n = c.cols(), group = PANEL_GROUP * NR, panelFloats = NR * kc;
        for (int jc = 0, jb = 0; jc < n; jc += NC, jb++) {
            int nc = Math.min(NC, n - jc), block = jb * b.depthBlocks + pb;
            float[] bp = b.blocks[block];
            int bAt = b.starts[block];
            // groups of panels are dealt out across the whole width, as panels are in preparedBlocks
            int first = byColumns ? Math.floorMod(part - jc / group, parts) * group : 0;
            int step = byColumns ? parts * group : group;
            for (int jr = first; jr < nc; jr += step) {
                int panels = Math.min(PANEL_GROUP, (nc - jr + NR - 1) / NR);
                // a group short of panels runs its last panel again in the missing places and keeps nothing of it
                int b0 = bAt + jr * kc, last = b0 + (panels - 1) * panelFloats;
                int b1 = Math.min(b0 + panelFloats, last), b2 = Math.min(b0 + 2 * panelFloats, last);
                int b3 = Math.min(b0 + 3 * panelFloats, last);
                for (int ps = 0; ps < kc; ps += KS) {
                    int ks = Math.min(KS, kc - ps), slice = ps * NR;
                    if (mc == 1) {
                        kernel1x4(ap, ps, bp, b0 + slice, b1 + slice, b2 + slice, b3 + slice, ks, tile);
                    } else {
                        kernel2x4(ap, ps, bp, b0 + slice, b1 + slice, b2 + slice, b3 + slice, ks, tile);
                    }
                    boolean add = addToC || ps > 0;
                    for (int q = 0; q < panels; q++) {
                        int col = jr + q * NR;
                        mergeTile(tile, q * mc * NR, cs, c.offset(ic, jc + col), c.stride(), mc, Math.min(NR, nc - col), add);
                    }
                }
            }
        }
    }

    /**
     * C (+)= A·op(B) for a prepared op(B), on the packed path whatever m, without reading B itself. Row i
     * of C then depends only on row i of A: the column and depth blocks (NC, KC, KS) do not depend on m,
     * each element is one accumulator of a micro-tile, summed from zero over each KS slice and added into
     * C slice after slice, and rows past m in a panel are zeros that touch no other row; the thread split
     * hands out whole row blocks or column panels, never a part of a sum.
     */
    static void multiplyPacked(Matrix a, Prepared b, Matrix c, boolean accumulate) {
        int m = c.rows(), n = c.cols(), k = b.k;
        if (empty(m, n, k, c, accumulate)) {
            return;
        }
        runPrepared(a, b, c, accumulate, threads(a, c, m, n, k));
    }

    /** C (+)= op(A)·op(B). Shapes are checked by the caller; C must not overlap A or B. */
    static void multiply(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, boolean accumulate) {
        int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
        if (empty(m, n, k, c, accumulate)) {
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
        multiply(a, transA, b, transB, c, accumulate, threads(a, c, m, n, k));
    }

    /** Handles a product with no work (an empty C, or k = 0, which leaves C or zeroes it); true when done. */
    private static boolean empty(int m, int n, int k, Matrix c, boolean accumulate) {
        if (m == 0 || n == 0) {
            return true;
        }
        if (k == 0) {
            if (!accumulate) {
                c.fill(0f);
            }
            return true;
        }
        return false;
    }

    /** Threads for an m×n×k product: all of them when it is large and other threads may touch A and C. */
    private static int threads(Matrix a, Matrix c, int m, int n, int k) {
        // other threads read A and write C (B is packed by the caller); confined memory stays on this thread
        boolean parallel = (long) m * n * k >= PARALLEL_MIN_MACS && GemmThreads.THREADS > 1
                && GemmThreads.shareable(a.segment()) && GemmThreads.shareable(c.segment());
        return parallel ? GemmThreads.THREADS : 1;
    }

    /** The packed path with up to {@code threads} threads (package-private so tests can compare thread counts). */
    static void multiply(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, boolean accumulate, int threads) {
        run(a, transA, b, transB, c, accumulate, threads);
    }

    /** The blocked product, packing B block by block (a prepared B goes through {@link #runPrepared}). */
    private static void run(Matrix a, boolean transA, Matrix b, boolean transB, Matrix c, boolean accumulate, int threads) {
        int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
        float[] bp = B_BUFFERS.take();
        // packed B's panels start on a cache line where its address can be learnt: split vector loads cost 3–6 %
        int bAt = CacheLineOffset.floatsToLine(bp);
        float[] line = LINE_BUFFERS.take();
        try {
            int rowBlocks = (m + MC - 1) / MC;
            // split C's row blocks; with fewer blocks than threads (a batch of sequences times a weight),
            // split its column panels instead
            boolean byColumns = rowBlocks < threads;
            int parts = byColumns ? Math.min(threads, (Math.min(n, NC) + NR - 1) / NR) : threads;
            for (int jc = 0; jc < n; jc += NC) {
                int nc = Math.min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    packB(b, transB, pc, jc, kc, nc, bp, bAt, line);
                    boolean addToC = accumulate || pc > 0;
                    if (parts == 1) {
                        // one thread: a direct call, since C2 does not always scalar-replace the lambda below (one
                        // allocation per block, 17 per batched step of the character LM)
                        blocks(a, transA, c, bp, bAt, jc, nc, pc, kc, addToC, byColumns, 0, 1);
                        continue;
                    }
                    int jc0 = jc, pc0 = pc;
                    // each thread takes every parts-th row block (or column panel) of C: no element is
                    // touched by two threads, and each is computed in the same order as with one thread
                    GemmThreads.run((part, count) -> blocks(a, transA, c, bp, bAt, jc0, nc, pc0, kc, addToC, byColumns, part, count),
                            parts);
                }
            }
        } finally {
            B_BUFFERS.give(bp);
            LINE_BUFFERS.give(line);
        }
    }

    /**
     * One thread's share of C against one packed block of B: row blocks part, part + parts, … or, by
     * columns, every row block but only column panels part, part + parts, ….
     */
    private static void blocks(Matrix a, boolean transA, Matrix c, float[] bp, int bAt, int jc, int nc, int pc, int kc,
                               boolean addToC, boolean byColumns, int part, int parts) {
        int m = c.rows();
        float[] ap = A_BUFFERS.take();
        float[] tile = TILE_BUFFERS.take();
        float[] line = LINE_BUFFERS.take();
        try {
            int firstRow = byColumns ? 0 : part * MC, rowStep = byColumns ? MC : parts * MC;
            int firstPanel = byColumns ? part * NR : 0, panelStep = byColumns ? parts * NR : NR;
            for (int ic = firstRow; ic < m; ic += rowStep) {
                int mc = Math.min(MC, m - ic);
                packA(a, transA, ic, pc, mc, kc, ap, line);
                panels(ap, mc, bp, bAt, kc, c, ic, jc, nc, firstPanel, panelStep, addToC, tile);
            }
        } finally {
            A_BUFFERS.give(ap);
            TILE_BUFFERS.give(tile);
            LINE_BUFFERS.give(line);
        }
    }

    /**
     * C[ic.., jc + jr..] (+)= packed A block (mc×kc) · packed B block's panels jr = firstPanel,
     * firstPanel + panelStep, … below nc.
     */
    private static void panels(float[] ap, int mc, float[] bp, int bAt, int kc, Matrix c, int ic, int jc, int nc,
                               int firstPanel, int panelStep, boolean addToC, float[] tile) {
        for (int jr = firstPanel; jr < nc; jr += panelStep) {
            int cols = Math.min(NR, nc - jr);
            for (int ps = 0; ps < kc; ps += KS) {
                int ks = Math.min(KS, kc - ps);
                boolean add = addToC || ps > 0;
                // one KS-deep slice of this B panel stays in L1 while every A panel runs against it
                for (int ir = 0; ir < mc; ir += MR) {
                    int rows = Math.min(MR, mc - ir), aAt = ir * KC + ps * MR, bAtPanel = bAt + jr * kc + ps * NR;
                    // a last panel of a few rows (a batch of 64 leaves 4 of 12) gets a narrower kernel
                    // rather than multiplying padding: 11 % of the product's FMAs at m = 64
                    if (rows > 8) {
                        kernel(ap, aAt, bp, bAtPanel, ks, tile);
                    } else if (rows > 4) {
                        kernel8(ap, aAt, bp, bAtPanel, ks, tile);
                    } else {
                        kernel4(ap, aAt, bp, bAtPanel, ks, tile);
                    }
                    mergeTile(tile, 0, c.segment(), c.offset(ic + ir, jc + jr), c.stride(), rows, cols, add);
                }
            }
        }
    }

    /**
     * Packs op(A)[ic..ic+mc, pc..pc+kc) into panels of MR rows, each panel KC·MR floats apart
     * whatever kc is, with the MR values of one depth p side by side: ap[q·KC + p·MR + r] for the
     * panel starting at row q. Rows past mc are zero. The micro-kernel then reads one 48-byte run
     * per step instead of MR lines: 82–84 % of the FMA peak on panels in L1, against 74–80 % with
     * rows KC apart. {@code rows} is scratch of MR·KC floats, used only when A is stored m×k.
     */
    static void packA(Matrix a, boolean transA, int ic, int pc, int mc, int kc, float[] ap, float[] rows) {
        if (!transA) {
            packRowsOfA(a, ic, pc, mc, kc, ap, rows);
            return;
        }
        MemorySegment as = a.segment();
        int padded = (mc + MR - 1) / MR * MR, whole = mc / MR * MR;
        // A is k×m: each p gives a run of mc values, MR of them per panel, moved as vectors straight from A (a bulk
        // copy of the run, then a 12-float arraycopy per panel, took 5.5 % of training)
        for (int p = 0; p < kc; p++) {
            long from = a.offset(pc + p, ic);
            int to = p * MR;
            for (int q = 0; q < whole; q += MR) {
                copyPanelSlice(as, from + (long) q * Float.BYTES, ap, q * KC + to);
            }
            for (int i = whole; i < mc; i++) {
                ap[whole * KC + to + i - whole] = as.get(FLOAT, from + (long) i * Float.BYTES);
            }
        }
        for (int i = mc; i < padded; i++) {
            int q = i / MR * MR, dst = q * KC + (i - q);
            for (int p = 0; p < kc; p++) {
                ap[dst + p * MR] = 0f;
            }
        }
    }

    /**
     * Copies MR consecutive floats of A at byte offset {@code o} to {@code ap[dst..]}: as an 8- and a 4-lane
     * vector where the kernels' species has 8 lanes or more, else as three of 4 (no wider vector than the
     * kernels', so {@code -Drnn.vectorBits=128} and 128-bit CPUs stay on hardware vectors).
     */
    private static void copyPanelSlice(MemorySegment as, long o, float[] ap, int dst) {
        if (LANES >= 8) {
            FloatVector.fromMemorySegment(FloatVector.SPECIES_256, as, o, ORDER).intoArray(ap, dst);
            FloatVector.fromMemorySegment(FloatVector.SPECIES_128, as, o + 8L * Float.BYTES, ORDER).intoArray(ap, dst + 8);
        } else {
            for (int v = 0; v < MR; v += 4) {
                FloatVector.fromMemorySegment(FloatVector.SPECIES_128, as, o + (long) v * Float.BYTES, ORDER).intoArray(ap, dst + v);
            }
        }
    }

    /**
     * {@link #packA} for A stored m×k: per panel, MR rows are copied in bulk into {@code rows}, KC
     * apart, and gathered from there in the packed order, since writing them MR apart one float at a
     * time cost several times the gathers.
     */
    private static void packRowsOfA(Matrix a, int ic, int pc, int mc, int kc, float[] ap, float[] rows) {
        MemorySegment as = a.segment();
        int whole = kc / GATHER_DEPTHS * GATHER_DEPTHS;
        for (int q = 0; q < mc; q += MR) {
            int valid = Math.min(MR, mc - q);
            for (int r = 0; r < MR; r++) {
                if (r < valid) {
                    MemorySegment.copy(as, FLOAT, a.offset(ic + q + r, pc), rows, r * KC, kc);
                } else {
                    Arrays.fill(rows, r * KC, r * KC + kc, 0f);
                }
            }
            int dst = q * KC;
            for (int p = 0; p < whole; p += GATHER_DEPTHS) {
                int o = dst + p * MR;
                for (int v = 0; v < GATHER_VECTORS; v++) {
                    FloatVector.fromArray(SPECIES, rows, p, GATHER_INDEX, v * LANES).intoArray(ap, o + v * LANES);
                }
            }
            for (int p = whole; p < kc; p++) {
                for (int r = 0; r < MR; r++) {
                    ap[dst + p * MR + r] = rows[r * KC + p];
                }
            }
        }
    }

    /** Packs op(B)[pc..pc+kc, jc..jc+nc) into panels of NR columns: bp[at + q·kc + p·NR + j], zero-padded. */
    static void packB(Matrix b, boolean transB, int pc, int jc, int kc, int nc, float[] bp, int at, float[] line) {
        MemorySegment bs = b.segment();
        if (transB) {
            // B is n×k: each column of a panel is a row of B, copied out in bulk, TRANSPOSE_RUN depths at a time:
            // the panel's lines those depths fill (16 KiB) then stay in L1 while all NR rows are dealt into them;
            // whole rows dealt into a 64 KiB panel evicted its lines between rows (preparing 2048×577: 0.74 ms,
            // now 0.53; Zen 5 VM, 2026-12-05)
            for (int q = 0; q < nc; q += NR) {
                int base = at + q * kc, cols = Math.min(NR, nc - q);
                for (int p0 = 0; p0 < kc; p0 += TRANSPOSE_RUN) {
                    int run = Math.min(TRANSPOSE_RUN, kc - p0), first = base + p0 * NR;
                    for (int j = 0; j < NR; j++) {
                        if (j < cols) {
                            MemorySegment.copy(bs, FLOAT, b.offset(jc + q + j, pc + p0), line, 0, run);
                            for (int p = 0; p < run; p++) {
                                bp[first + p * NR + j] = line[p];
                            }
                        } else {
                            for (int p = 0; p < run; p++) {
                                bp[first + p * NR + j] = 0f;
                            }
                        }
                    }
                }
            }
            return;
        }
        // B is k×n: each row is read once, front to back, and dealt out to the whole panels, two vector
        // copies each (a bulk copy call costs more than the 128 bytes it moves); going panel by panel
        // instead read B down 2 KiB strides, about 1 % slower at 512³
        int whole = nc / NR * NR;
        for (int p = 0; p < kc; p++) {
            long off = b.offset(pc + p, jc);
            for (int q = 0; q < whole; q += NR) {
                long o = off + (long) q * Float.BYTES;
                int dst = at + q * kc + p * NR;
                FloatVector.fromMemorySegment(SPECIES, bs, o, ORDER).intoArray(bp, dst);
                FloatVector.fromMemorySegment(SPECIES, bs, o + (long) LANES * Float.BYTES, ORDER).intoArray(bp, dst + LANES);
            }
        }
        if (whole < nc) {
            int cols = nc - whole;
            for (int p = 0; p < kc; p++) {
                int dst = at + whole * kc + p * NR;
                MemorySegment.copy(bs, FLOAT, b.offset(pc + p, jc + whole), bp, dst, cols);
                Arrays.fill(bp, dst + cols, dst + NR, 0f);
            }
        }
    }

    /**
     * One MR×NR tile: tile (MR×NR, row-major) = Apanel (MR×kc, stored depth-major) · Bpanel (kc×NR). The
     * accumulators stay in registers for the whole depth and are written out once. The method is
     * kept to straight-line code that calls nothing taking a vector, so that the JIT compiles it whole
     * and never boxes a vector; {@link #mergeTile} then adds the tile into C. At about 1,900 bytecodes
     * it is within what C1 compiles (checked with {@code -XX:TieredStopAtLevel=1}).
     */
    private static void kernel(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        FloatVector c80 = z, c81 = z;
        FloatVector c90 = z, c91 = z;
        FloatVector c100 = z, c101 = z;
        FloatVector c110 = z, c111 = z;
        // two depths per pass, the offsets stepped rather than computed from the depth: fewer integer
        // instructions competing with the FMAs for their ports (4-5 % faster at 512³); each accumulator
        // still adds the depths in order, so the bits are those of one depth per pass
        int bi = bOff, ai = aOff;
        for (int end = bOff + (kc & ~1) * NR; bi < end; bi += 2 * NR, ai += 2 * MR) {
            {
                FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
                FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
                FloatVector a;
                a = FloatVector.broadcast(SPECIES, ap[ai]);
                c00 = a.fma(b0, c00);
                c01 = a.fma(b1, c01);
                a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
                c10 = a.fma(b0, c10);
                c11 = a.fma(b1, c11);
                a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
                c20 = a.fma(b0, c20);
                c21 = a.fma(b1, c21);
                a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
                c30 = a.fma(b0, c30);
                c31 = a.fma(b1, c31);
                a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
                c40 = a.fma(b0, c40);
                c41 = a.fma(b1, c41);
                a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
                c50 = a.fma(b0, c50);
                c51 = a.fma(b1, c51);
                a = FloatVector.broadcast(SPECIES, ap[ai + 6]);
                c60 = a.fma(b0, c60);
                c61 = a.fma(b1, c61);
                a = FloatVector.broadcast(SPECIES, ap[ai + 7]);
                c70 = a.fma(b0, c70);
                c71 = a.fma(b1, c71);
                a = FloatVector.broadcast(SPECIES, ap[ai + 8]);
                c80 = a.fma(b0, c80);
                c81 = a.fma(b1, c81);
                a = FloatVector.broadcast(SPECIES, ap[ai + 9]);
                c90 = a.fma(b0, c90);
                c91 = a.fma(b1, c91);
                a = FloatVector.broadcast(SPECIES, ap[ai + 10]);
                c100 = a.fma(b0, c100);
                c101 = a.fma(b1, c101);
                a = FloatVector.broadcast(SPECIES, ap[ai + 11]);
                c110 = a.fma(b0, c110);
                c111 = a.fma(b1, c111);
            }
            {
                FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi + NR);
                FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + NR + LANES);
                FloatVector a;
                a = FloatVector.broadcast(SPECIES, ap[ai + MR]);
                c00 = a.fma(b0, c00);
                c01 = a.fma(b1, c01);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 1]);
                c10 = a.fma(b0, c10);
                c11 = a.fma(b1, c11);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 2]);
                c20 = a.fma(b0, c20);
                c21 = a.fma(b1, c21);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 3]);
                c30 = a.fma(b0, c30);
                c31 = a.fma(b1, c31);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 4]);
                c40 = a.fma(b0, c40);
                c41 = a.fma(b1, c41);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 5]);
                c50 = a.fma(b0, c50);
                c51 = a.fma(b1, c51);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 6]);
                c60 = a.fma(b0, c60);
                c61 = a.fma(b1, c61);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 7]);
                c70 = a.fma(b0, c70);
                c71 = a.fma(b1, c71);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 8]);
                c80 = a.fma(b0, c80);
                c81 = a.fma(b1, c81);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 9]);
                c90 = a.fma(b0, c90);
                c91 = a.fma(b1, c91);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 10]);
                c100 = a.fma(b0, c100);
                c101 = a.fma(b1, c101);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 11]);
                c110 = a.fma(b0, c110);
                c111 = a.fma(b1, c111);
            }
        }
        // an odd last depth: a copy of the pass, since a test between the loop's two depths kept C2 from
        // compiling it as a counted loop (18 % slower)
        if ((kc & 1) != 0) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SPECIES, ap[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SPECIES, ap[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(SPECIES, ap[ai + 8]);
            c80 = a.fma(b0, c80);
            c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(SPECIES, ap[ai + 9]);
            c90 = a.fma(b0, c90);
            c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(SPECIES, ap[ai + 10]);
            c100 = a.fma(b0, c100);
            c101 = a.fma(b1, c101);
            a = FloatVector.broadcast(SPECIES, ap[ai + 11]);
            c110 = a.fma(b0, c110);
            c111 = a.fma(b1, c111);
        }

        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + LANES);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + LANES);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + LANES);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + LANES);
        c80.intoArray(tile, 8 * NR);
        c81.intoArray(tile, 8 * NR + LANES);
        c90.intoArray(tile, 9 * NR);
        c91.intoArray(tile, 9 * NR + LANES);
        c100.intoArray(tile, 10 * NR);
        c101.intoArray(tile, 10 * NR + LANES);
        c110.intoArray(tile, 11 * NR);
        c111.intoArray(tile, 11 * NR + LANES);
    }

    // kernel8 and kernel4 repeat kernel's structure on purpose: each accumulator must be a local of its own
    // for C2 to keep it in a register, so a tile's height cannot be a loop bound or a parameter

    /** {@link #kernel} for a last panel with at most 8 valid rows: the same sums, in the same order, for rows 0..7. */
    private static void kernel8(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        int bi = bOff, ai = aOff;
        for (int end = bOff + (kc & ~1) * NR; bi < end; bi += 2 * NR, ai += 2 * MR) {
            {
                FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
                FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
                FloatVector a;
                a = FloatVector.broadcast(SPECIES, ap[ai]);
                c00 = a.fma(b0, c00);
                c01 = a.fma(b1, c01);
                a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
                c10 = a.fma(b0, c10);
                c11 = a.fma(b1, c11);
                a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
                c20 = a.fma(b0, c20);
                c21 = a.fma(b1, c21);
                a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
                c30 = a.fma(b0, c30);
                c31 = a.fma(b1, c31);
                a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
                c40 = a.fma(b0, c40);
                c41 = a.fma(b1, c41);
                a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
                c50 = a.fma(b0, c50);
                c51 = a.fma(b1, c51);
                a = FloatVector.broadcast(SPECIES, ap[ai + 6]);
                c60 = a.fma(b0, c60);
                c61 = a.fma(b1, c61);
                a = FloatVector.broadcast(SPECIES, ap[ai + 7]);
                c70 = a.fma(b0, c70);
                c71 = a.fma(b1, c71);
            }
            {
                FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi + NR);
                FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + NR + LANES);
                FloatVector a;
                a = FloatVector.broadcast(SPECIES, ap[ai + MR]);
                c00 = a.fma(b0, c00);
                c01 = a.fma(b1, c01);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 1]);
                c10 = a.fma(b0, c10);
                c11 = a.fma(b1, c11);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 2]);
                c20 = a.fma(b0, c20);
                c21 = a.fma(b1, c21);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 3]);
                c30 = a.fma(b0, c30);
                c31 = a.fma(b1, c31);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 4]);
                c40 = a.fma(b0, c40);
                c41 = a.fma(b1, c41);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 5]);
                c50 = a.fma(b0, c50);
                c51 = a.fma(b1, c51);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 6]);
                c60 = a.fma(b0, c60);
                c61 = a.fma(b1, c61);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 7]);
                c70 = a.fma(b0, c70);
                c71 = a.fma(b1, c71);
            }
        }
        if ((kc & 1) != 0) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SPECIES, ap[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SPECIES, ap[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + LANES);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + LANES);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + LANES);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + LANES);
    }

    /** {@link #kernel} for a last panel with at most 4 valid rows: the same sums, in the same order, for rows 0..3. */
    private static void kernel4(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        int bi = bOff, ai = aOff;
        for (int end = bOff + (kc & ~1) * NR; bi < end; bi += 2 * NR, ai += 2 * MR) {
            {
                FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
                FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
                FloatVector a;
                a = FloatVector.broadcast(SPECIES, ap[ai]);
                c00 = a.fma(b0, c00);
                c01 = a.fma(b1, c01);
                a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
                c10 = a.fma(b0, c10);
                c11 = a.fma(b1, c11);
                a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
                c20 = a.fma(b0, c20);
                c21 = a.fma(b1, c21);
                a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
                c30 = a.fma(b0, c30);
                c31 = a.fma(b1, c31);
            }
            {
                FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi + NR);
                FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + NR + LANES);
                FloatVector a;
                a = FloatVector.broadcast(SPECIES, ap[ai + MR]);
                c00 = a.fma(b0, c00);
                c01 = a.fma(b1, c01);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 1]);
                c10 = a.fma(b0, c10);
                c11 = a.fma(b1, c11);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 2]);
                c20 = a.fma(b0, c20);
                c21 = a.fma(b1, c21);
                a = FloatVector.broadcast(SPECIES, ap[ai + MR + 3]);
                c30 = a.fma(b0, c30);
                c31 = a.fma(b1, c31);
            }
        }
        if ((kc & 1) != 0) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + LANES);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
    }

    /**
     * One row of A (ap[aOff + p]) against four B panels, whose depth-p rows of NR floats start at
     * b0 + p·NR, …, b3 + p·NR: tile[q·NR + j] for panel q. Each element is {@link #kernel}'s sum, one FMA
     * per depth in order from zero, so a row gets the same bits here as in a panel of MR rows.
     */
    private static void kernel1x4(float[] ap, int aOff, float[] bp, int b0, int b1, int b2, int b3, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        for (int p = 0, o = 0; p < kc; p++, o += NR) {
            FloatVector a = FloatVector.broadcast(SPECIES, ap[aOff + p]);
            c00 = a.fma(FloatVector.fromArray(SPECIES, bp, b0 + o), c00);
            c01 = a.fma(FloatVector.fromArray(SPECIES, bp, b0 + o + LANES), c01);
            c10 = a.fma(FloatVector.fromArray(SPECIES, bp, b1 + o), c10);
            c11 = a.fma(FloatVector.fromArray(SPECIES, bp, b1 + o + LANES), c11);
            c20 = a.fma(FloatVector.fromArray(SPECIES, bp, b2 + o), c20);
            c21 = a.fma(FloatVector.fromArray(SPECIES, bp, b2 + o + LANES), c21);
            c30 = a.fma(FloatVector.fromArray(SPECIES, bp, b3 + o), c30);
            c31 = a.fma(FloatVector.fromArray(SPECIES, bp, b3 + o + LANES), c31);
        }
        c00.intoArray(tile, 0 * NR);
        c01.intoArray(tile, 0 * NR + LANES);
        c10.intoArray(tile, 1 * NR);
        c11.intoArray(tile, 1 * NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
    }

    /**
     * {@link #kernel1x4} for two rows of A, KC apart in {@code ap}: tile[(2q + r)·NR + j] for panel q, row r.
     */
    private static void kernel2x4(float[] ap, int aOff, float[] bp, int b0, int b1, int b2, int b3, int kc, float[] tile) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector r000 = z, r001 = z, r010 = z, r011 = z, r020 = z, r021 = z, r030 = z, r031 = z;
        FloatVector r100 = z, r101 = z, r110 = z, r111 = z, r120 = z, r121 = z, r130 = z, r131 = z;
        for (int p = 0, o = 0; p < kc; p++, o += NR) {
            FloatVector a0 = FloatVector.broadcast(SPECIES, ap[aOff + p]);
            FloatVector a1 = FloatVector.broadcast(SPECIES, ap[aOff + KC + p]);
            FloatVector v0, v1;
            v0 = FloatVector.fromArray(SPECIES, bp, b0 + o);
            v1 = FloatVector.fromArray(SPECIES, bp, b0 + o + LANES);
            r000 = a0.fma(v0, r000);
            r001 = a0.fma(v1, r001);
            r100 = a1.fma(v0, r100);
            r101 = a1.fma(v1, r101);
            v0 = FloatVector.fromArray(SPECIES, bp, b1 + o);
            v1 = FloatVector.fromArray(SPECIES, bp, b1 + o + LANES);
            r010 = a0.fma(v0, r010);
            r011 = a0.fma(v1, r011);
            r110 = a1.fma(v0, r110);
            r111 = a1.fma(v1, r111);
            v0 = FloatVector.fromArray(SPECIES, bp, b2 + o);
            v1 = FloatVector.fromArray(SPECIES, bp, b2 + o + LANES);
            r020 = a0.fma(v0, r020);
            r021 = a0.fma(v1, r021);
            r120 = a1.fma(v0, r120);
            r121 = a1.fma(v1, r121);
            v0 = FloatVector.fromArray(SPECIES, bp, b3 + o);
            v1 = FloatVector.fromArray(SPECIES, bp, b3 + o + LANES);
            r030 = a0.fma(v0, r030);
            r031 = a0.fma(v1, r031);
            r130 = a1.fma(v0, r130);
            r131 = a1.fma(v1, r131);
        }
        r000.intoArray(tile, 0 * NR);
        r001.intoArray(tile, 0 * NR + LANES);
        r100.intoArray(tile, 1 * NR);
        r101.intoArray(tile, 1 * NR + LANES);
        r010.intoArray(tile, 2 * NR);
        r011.intoArray(tile, 2 * NR + LANES);
        r110.intoArray(tile, 3 * NR);
        r111.intoArray(tile, 3 * NR + LANES);
        r020.intoArray(tile, 4 * NR);
        r021.intoArray(tile, 4 * NR + LANES);
        r120.intoArray(tile, 5 * NR);
        r121.intoArray(tile, 5 * NR + LANES);
        r030.intoArray(tile, 6 * NR);
        r031.intoArray(tile, 6 * NR + LANES);
        r130.intoArray(tile, 7 * NR);
        r131.intoArray(tile, 7 * NR + LANES);
    }

    /** C[0..rows, 0..cols) (+)= tile[at + (0..rows)·NR + (0..cols)]. */
    private static void mergeTile(float[] tile, int at, MemorySegment cs, long cOff, int ldc, int rows, int cols, boolean addToC) {
        long rowBytes = (long) ldc * Float.BYTES;
        if (rows == MR && cols == NR) {
            // a whole tile, the common case: straight-line code with the branch outside the loop ran
            // several times faster than the general loop below
            if (addToC) {
                for (int r = 0; r < MR; r++) {
                    long o = cOff + r * rowBytes, o1 = o + (long) LANES * Float.BYTES;
                    FloatVector.fromArray(SPECIES, tile, at + r * NR).add(FloatVector.fromMemorySegment(SPECIES, cs, o, ORDER))
                            .intoMemorySegment(cs, o, ORDER);
                    FloatVector.fromArray(SPECIES, tile, at + r * NR + LANES).add(FloatVector.fromMemorySegment(SPECIES, cs, o1, ORDER))
                            .intoMemorySegment(cs, o1, ORDER);
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    long o = cOff + r * rowBytes;
                    FloatVector.fromArray(SPECIES, tile, at + r * NR).intoMemorySegment(cs, o, ORDER);
                    FloatVector.fromArray(SPECIES, tile, at + r * NR + LANES).intoMemorySegment(cs, o + (long) LANES * Float.BYTES, ORDER);
                }
            }
            return;
        }
        int bound = SPECIES.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            long off = cOff + r * rowBytes;
            int t = at + r * NR;
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
