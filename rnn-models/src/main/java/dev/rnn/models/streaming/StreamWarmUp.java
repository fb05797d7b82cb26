package dev.rnn.models.streaming;

import dev.rnn.core.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Synthetic steps through every path a {@link StreamingModel}'s callers use, on sessions and batches of
 * its own, so that the JIT has compiled those paths before real traffic: the work behind
 * {@link StreamingModel#warmUp(int)}.
 *
 * <p>Sessions: one per output the model gives (hidden state, and logits and probabilities with an output
 * layer), stepped in turn, each step through another of the step's input forms (token ids, or feature
 * vectors as float[] and as 1×I matrices). Batches: one {@link StreamBatch} of maxBatch rows per output,
 * stepped in turn over a fixed cycle of row counts up to maxBatch (one row, part of a micro-tile, whole
 * tiles, part of a row block, maxBatch), through the float[][], matrix and output-less step forms.
 * Every session restarts from zeros every {@link #RESET_EVERY} steps. Inputs follow a fixed sequence, so
 * two warm-ups do the same work.
 */
final class StreamWarmUp {

    /**
     * Session steps in all (split across the outputs). C2 compiles a method after about 5,000 calls, or
     * sooner where its loops add back-edges: the kernels, whose loops run thousands of times per step,
     * within the first steps; the per-step code around them (step, compute, the cell updates) near 5,000
     * calls; measured on an LSTM 2×512 language model, steps reached steady-state latency after about
     * 4,000 steps with no warm-up.
     */
    static final int SESSION_STEPS = 6_000;
    /** Batch steps in all (split across the outputs): the per-batch code is called once per step, as a session's. */
    static final int BATCH_STEPS = 6_000;
    /**
     * Row counts the batches cycle through (those up to maxBatch, then maxBatch): 1, part of a 12-row
     * micro-tile, one and two tiles and a part, part of a 96-row block, one block and a part. Mixed from
     * the start, so that C2 compiles the tile loops with every branch seen and no later batch size
     * deoptimizes them.
     */
    private static final int[] ROWS = {1, 2, 3, 5, 8, 12, 13, 24, 31, 47, 64, 96, 97, 128, 200, 256};
    /** Steps before a session goes back to zeros: keeps a ReLU model's states finite, as a stream's would be. */
    static final int RESET_EVERY = 64;

    private StreamWarmUp() {
    }

    /** Runs the warm-up; maxBatch 0 warms the sessions only. The caller has checked the arguments. */
    static void run(StreamingModel model, int maxBatch) {
        StepOutput[] outputs = model.outputClasses() > 0 ? StepOutput.values() : new StepOutput[] {StepOutput.HIDDEN};
        sessions(model, outputs, SESSION_STEPS);
        if (maxBatch > 0) {
            batches(model, outputs, maxBatch, BATCH_STEPS);
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

    private static void sessions(StreamingModel model, StepOutput[] outputs, int steps) {
        int in = model.inputSize();
        StreamSession[] sessions = new StreamSession[outputs.length];
        try (Arena arena = Arena.ofConfined()) {
            float[][] outs = new float[outputs.length][];
            Matrix[] outRows = new Matrix[outputs.length];
            for (int o = 0; o < outputs.length; o++) {
                sessions[o] = model.newSession(outputs[o]);
                outs[o] = new float[sessions[o].outputSize()];
                outRows[o] = Matrix.allocate(arena, 1, outs[o].length);
            }
            float[] features = model.takesTokens() ? null : new float[in];
            Matrix featureRow = features == null ? null : Matrix.allocate(arena, 1, in);
            for (int i = 0; i < steps; i++) {
                int o = i % outputs.length;
                StreamSession s = sessions[o];
                int t = i / outputs.length;   // this session's step number
                if (t % RESET_EVERY == 0) {
                    s.reset();
                }
                if (features == null) {
                    s.step(token(i, in), outs[o]);
                } else {
                    fill(features, i);
                    if ((t & 1) == 0) {
                        s.step(features, outs[o]);
                    } else {
                        featureRow.copyFrom(features);
                        s.step(featureRow, outRows[o]);
                    }
                }
            }
        } finally {
            closeAll(sessions);
        }
    }

    private static void batches(StreamingModel model, StepOutput[] outputs, int maxBatch, int steps) {
        int[] cycle = rowCycle(maxBatch);
        StreamSession[] sessions = new StreamSession[maxBatch];
        StreamBatch[] batches = new StreamBatch[outputs.length];
        try (Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < maxBatch; i++) {
                sessions[i] = model.newSession(StepOutput.HIDDEN);
            }
            float[][][] outs = new float[outputs.length][][];
            Matrix[] outRows = new Matrix[outputs.length];
            for (int o = 0; o < outputs.length; o++) {
                batches[o] = model.newBatch(maxBatch, outputs[o]);
                outs[o] = new float[maxBatch][batches[o].outputSize()];
                outRows[o] = Matrix.allocate(arena, maxBatch, batches[o].outputSize());
            }
            boolean tokens = model.takesTokens();
            int in = model.inputSize();
            int[] ids = tokens ? new int[maxBatch] : null;
            float[][] features = tokens ? null : new float[maxBatch][in];
            Matrix featureRows = tokens ? null : Matrix.allocate(arena, maxBatch, in);
            long[] taken = new long[maxBatch];   // steps each session has taken since its last reset
            for (int i = 0; i < steps; i++) {
                int o = i % outputs.length;
                int b = i / outputs.length;   // this batch's step number
                int n = cycle[b % cycle.length];
                for (int r = 0; r < n; r++) {
                    if (taken[r]++ % RESET_EVERY == 0) {
                        sessions[r].reset();
                    }
                    if (tokens) {
                        ids[r] = token(i + r, in);
                    } else {
                        fill(features[r], i + r);
                    }
                }
                // the batcher's form (float[][] outputs) most often, then the matrix and output-less forms:
                // one form per pass over the row counts, so that each count meets every form
                int form = b / cycle.length % 4;
                if (tokens) {
                    switch (form) {
                        case 0, 1 -> batches[o].step(sessions, n, ids, outs[o]);
                        case 2 -> batches[o].step(sessions, n, ids, outRows[o]);
                        default -> batches[o].step(sessions, n, ids, (float[][]) null);
                    }
                } else {
                    switch (form) {
                        case 0, 1 -> batches[o].step(sessions, n, features, outs[o]);
                        case 2 -> {
                            for (int r = 0; r < n; r++) {
                                MemorySegment.copy(features[r], 0, featureRows.segment(), Matrix.FLOAT, featureRows.offset(r, 0), in);
                            }
                            batches[o].step(sessions, n, featureRows, outRows[o]);
                        }
                        default -> batches[o].step(sessions, n, features, null);
                    }
                }
            }
        } finally {
            closeAll(batches);
            closeAll(sessions);
        }
    }

    /** Token i of a fixed sequence over a vocabulary of v: every token, in an order that is not cyclic. */
    private static int token(int i, int v) {
        return (int) ((i * 2_654_435_761L >>> 7) % v);
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

    private static void closeAll(StreamSession[] sessions) {
        for (StreamSession s : sessions) {
            if (s != null) {
                s.close();
            }
        }
    }

    private static void closeAll(StreamBatch[] batches) {
        for (StreamBatch b : batches) {
            if (b != null) {
                b.close();
            }
        }
    }
}
