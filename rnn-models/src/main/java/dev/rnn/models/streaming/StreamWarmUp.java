package dev.rnn.models.streaming;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One run of synthetic steps through every path a {@link StreamingModel}'s callers use, on sessions and
 * batches of its own, so that the JIT has compiled those paths before real traffic: the work behind
 * {@link StreamingModel#warmUp(int)}. It owns every buffer it steps with, freed by {@link #close()}.
 *
 * <p>Sessions: one per output the model gives (hidden state, and logits and probabilities with an output
 * layer), stepped in turn, each step through another of the step's input forms (token ids, or feature
 * vectors as float[] and as 1×I matrices). Batches: one {@link StreamBatch} of maxBatch rows per output,
 * stepped in turn over a fixed cycle of row counts up to maxBatch, through the float[][], matrix and
 * output-less step forms. Every session restarts from zeros every {@link #RESET_EVERY} steps. Inputs
 * follow a fixed sequence, so two warm-ups do the same work.
 *
 * <p>Order: first one batch step of each form and output, at one row, then session and batch steps
 * alternately. The batch path loads classes (heap memory segments among them) that
 * invalidate what C2 assumed when it compiled the session's kernels; run after the session steps, it
 * threw their compiled code away, and the first real steps ran slow again until C2 compiled it anew.
 */
final class StreamWarmUp implements AutoCloseable {

    /**
     * Session steps in all, split across the outputs. C2 compiles a method after about 5,000 calls, or
     * sooner where its loops add back-edges: the kernels, whose loops run thousands of times per step,
     * within the first steps; the step and compute methods around them need their 5,000 calls (at 3,000
     * steps -XX:+PrintCompilation showed them compiled during the first real steps).
     */
    static final int SESSION_STEPS = 6_000;
    /**
     * Batch steps in all, split across the outputs, alternating with the session steps. Every method a
     * batch step spends its time in loops over rows, tiles or depth, so back-edges bring C2 within a few
     * hundred steps; the steps cost more than a session's (about 1 ms at the cycle's mean of 19 rows).
     */
    static final int BATCH_STEPS = 1_000;
    /**
     * Row counts the batches cycle through (those below maxBatch, then maxBatch): 1, part of a 12-row
     * micro-tile, one and two tiles and a part, parts of a row block (96 or 264 rows, see the SIMD GEMM). Mixed from
     * the start, so that C2 compiles the tile loops with every branch seen and no later batch size
     * deoptimizes them.
     */
    private static final int[] ROWS = {1, 2, 3, 5, 8, 12, 13, 24, 31, 47, 64, 96, 97, 128, 200, 256};
    /** Steps before a session goes back to zeros: keeps a ReLU model's states finite, as a stream's would be. */
    static final int RESET_EVERY = 64;
    /** The batch step's forms: the batcher's (float[][] outputs), the matrix one, and with no outputs. */
    private static final int FORMS = 3;

    private final StreamingModel model;
    private final StepOutput[] outputs;
    private final boolean tokens;
    private final int inputSize;          // V for a token model, else I
    private final Arena arena = Arena.ofConfined();
    // sessions stepped alone, one per output
    private final StreamSession[] alone;
    private final float[][] aloneOut;     // per output, its values
    private final Matrix[] aloneOutRow;   // per output, 1×its values
    private final float[] features;       // I, or null for a token model
    private final Matrix featureRow;      // 1×I, or null
    private int aloneSteps;
    // batches, one per output, over maxBatch sessions of their own (none when maxBatch is 0)
    private final int[] rowCycle;
    private final StreamSession[] batched;
    private final long[] batchedSteps;    // per batched session, steps since the start
    private final StreamBatch[] batches;
    private final float[][][] batchOuts;  // per output, maxBatch rows of its values
    private final Matrix[] batchOutRows;  // per output, maxBatch×its values
    private final int[] ids;              // maxBatch tokens, or null
    private final float[][] featureRows;  // maxBatch×I, or null
    private final Matrix featureMatrix;   // maxBatch×I, or null
    private int batchSteps;

    /** Sessions, batches and buffers for a warm-up up to maxBatch rows (0: sessions only). */
    StreamWarmUp(StreamingModel model, int maxBatch) {
        this.model = model;
        this.outputs = model.outputClasses() > 0 ? StepOutput.values() : new StepOutput[] {StepOutput.HIDDEN};
        this.tokens = model.takesTokens();
        this.inputSize = model.inputSize();
        int n = outputs.length;
        this.alone = new StreamSession[n];
        this.aloneOut = new float[n][];
        this.aloneOutRow = new Matrix[n];
        this.batches = new StreamBatch[n];
        this.batchOuts = new float[n][][];
        this.batchOutRows = new Matrix[n];
        this.batched = new StreamSession[maxBatch];
        this.batchedSteps = new long[maxBatch];
        this.rowCycle = maxBatch > 0 ? rowCycle(maxBatch) : new int[0];
        try {
            for (int o = 0; o < n; o++) {
                alone[o] = model.newSession(outputs[o]);
                aloneOut[o] = new float[alone[o].outputSize()];
                aloneOutRow[o] = Matrix.allocate(arena, 1, aloneOut[o].length);
            }
            for (int r = 0; r < maxBatch; r++) {
                batched[r] = model.newSession(StepOutput.HIDDEN);
            }
            for (int o = 0; maxBatch > 0 && o < n; o++) {
                batches[o] = model.newBatch(maxBatch, outputs[o]);
                batchOuts[o] = new float[maxBatch][batches[o].outputSize()];
                batchOutRows[o] = Matrix.allocate(arena, maxBatch, batches[o].outputSize());
            }
            this.features = tokens ? null : new float[inputSize];
            this.featureRow = tokens ? null : Matrix.allocate(arena, 1, inputSize);
            this.ids = tokens ? new int[maxBatch] : null;
            this.featureRows = tokens ? null : new float[maxBatch][inputSize];
            this.featureMatrix = tokens || maxBatch == 0 ? null : Matrix.allocate(arena, maxBatch, inputSize);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Runs the warm-up of {@link StreamingModel#warmUp(int)}; maxBatch 0 warms the sessions only. */
    static void run(StreamingModel model, int maxBatch) {
        try (StreamWarmUp w = new StreamWarmUp(model, maxBatch)) {
            w.prime();
            w.alternate(SESSION_STEPS, maxBatch > 0 ? BATCH_STEPS : 0);
        }
    }

    /** The row counts of a warm-up up to maxBatch: those of {@link #ROWS} below it, then maxBatch. */
    static int[] rowCycle(int maxBatch) {
        int n = 0;
        while (n < ROWS.length && ROWS[n] < maxBatch) {
            n++;
        }
        int[] cycle = new int[n + 1];
        System.arraycopy(ROWS, 0, cycle, 0, n);
        cycle[n] = maxBatch;
        return cycle;
    }

    /**
     * One batch step of every form and output, at one row: loads what the batch path needs before C2
     * compiles anything, at the least cost (a step of many rows takes seconds before its product is compiled).
     */
    void prime() {
        if (rowCycle.length == 0) {
            return;
        }
        for (int form = 0; form < FORMS; form++) {
            for (int o = 0; o < outputs.length; o++) {
                batchStep(o, 1, form);
            }
        }
    }

    /** sessionSteps session steps and batchSteps batch steps, taken alternately while both last. */
    void alternate(int sessionSteps, int batchSteps) {
        for (int i = 0; i < Math.max(sessionSteps, batchSteps); i++) {
            if (i < sessionSteps) {
                sessionStep();
            }
            if (i < batchSteps) {
                int o = i % outputs.length, b = i / outputs.length;   // b: this batch's step number
                // one form per pass over the row counts, so that each count meets every form
                batchStep(o, rowCycle[b % rowCycle.length], b / rowCycle.length % FORMS);
            }
        }
    }

    /** The next session in turn takes one step, through the next input form. */
    private void sessionStep() {
        int i = aloneSteps++;
        int o = i % outputs.length, t = i / outputs.length;   // t: this session's step number
        StreamSession s = alone[o];
        if (t % RESET_EVERY == 0) {
            s.reset();
        }
        if (tokens) {
            s.step(token(i), aloneOut[o]);
        } else {
            fill(features, i);
            if ((t & 1) == 0) {
                s.step(features, aloneOut[o]);
            } else {
                featureRow.copyFrom(features);
                s.step(featureRow, aloneOutRow[o]);
            }
        }
    }

    /** The batch of output o steps its first n sessions, through form 0 (float[][]), 1 (matrix) or 2 (no output). */
    private void batchStep(int o, int n, int form) {
        int i = batchSteps++;
        for (int r = 0; r < n; r++) {
            if (batchedSteps[r]++ % RESET_EVERY == 0) {
                batched[r].reset();
            }
            if (tokens) {
                ids[r] = token(i + r);
            } else {
                fill(featureRows[r], i + r);
            }
        }
        StreamBatch batch = batches[o];
        if (tokens) {
            switch (form) {
                case 0 -> batch.step(batched, n, ids, batchOuts[o]);
                case 1 -> batch.step(batched, n, ids, batchOutRows[o]);
                default -> batch.step(batched, n, ids, (float[][]) null);
            }
        } else {
            switch (form) {
                case 0 -> batch.step(batched, n, featureRows, batchOuts[o]);
                case 1 -> {
                    for (int r = 0; r < n; r++) {
                        MemorySegment.copy(featureRows[r], 0, featureMatrix.segment(), Matrix.FLOAT, featureMatrix.offset(r, 0), inputSize);
                    }
                    batch.step(batched, n, featureMatrix, batchOutRows[o]);
                }
                default -> batch.step(batched, n, featureRows, null);
            }
        }
    }

    /** Token i of a fixed sequence over the vocabulary: every token, in an order that is not cyclic. */
    private int token(int i) {
        return (int) ((i * 2_654_435_761L >>> 7) % inputSize);
    }

    /** Feature values in [−1, 1) for step i, from a fixed integer hash. */
    private static void fill(float[] x, int i) {
        int s = i * 0x9E3779B9 + 1;
        for (int j = 0; j < x.length; j++) {
            s ^= s << 13;
            s ^= s >>> 17;
            s ^= s << 5;
            x[j] = (s >>> 8) * 0x1p-23f - 1f;
        }
    }

    /** Frees every session, batch and buffer of the run. */
    @Override
    public void close() {
        for (StreamBatch b : batches) {
            if (b != null) {
                b.close();
            }
        }
        for (StreamSession s : alone) {
            if (s != null) {
                s.close();
            }
        }
        for (StreamSession s : batched) {
            if (s != null) {
                s.close();
            }
        }
        arena.close();
    }
}
