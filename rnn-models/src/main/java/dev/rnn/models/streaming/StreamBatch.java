package dev.rnn.models.streaming;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steps many {@link StreamSession}s of one {@link StreamingModel} together, the step a continuous
 * batcher runs: each call takes any {@code count ≤ maxBatch} sessions of the model, in any combination,
 * and advances each by one input. Made by {@link StreamingModel#newBatch}.
 *
 * <p>Computation: the sessions' states are gathered into one count×(I + ΣH) buffer laid out
 * [x | h_0 | h_1 | …], so that level l multiplies its contiguous columns [x_l | h_l] (count×(I_l+H_l),
 * x_l being level l−1's new h) by the prepared [W_ih | W_hh]ᵀ ({@link Kernels#gemmBatchInvariant}), adds
 * the bias and runs the cell update over the count×G·H gate rows; GRU levels multiply the candidate's
 * input and recurrent parts apart, since r scales only the latter. The output layer is one more product,
 * count×H by Wᵀ (H×V). The new states are then copied back into the sessions, so a session may
 * alternate between batched steps and its own {@link StreamSession#step}.
 *
 * <p>Batch invariance: a session's outputs and new state are the same bits whatever other sessions share
 * its step and whatever their number, one included, and whatever maxBatch is: every product sums each
 * row in one order fixed by the model's sizes, and every other operation works row by row. They differ
 * from {@link StreamSession#step}'s only by the rounding of sums taken in another order. The output kind
 * is the batch's ({@link #output()}), not the sessions'.
 *
 * <p>Threads and memory: a batch is confined to the thread that created it (checked at every step);
 * run one batch per worker thread. Its buffers live in a shared arena nonetheless: every access to
 * confined memory checks the owning thread, which C2 did not hoist out of the product's tile loops,
 * and large products may then use the threads {@code -Drnn.threads} allows. It owns every buffer a
 * step needs, allocated at creation, and with one product thread (the default) steady-state steps
 * allocate nothing; more threads allocate a little per product to hand work out. Its sessions must not
 * be stepped elsewhere during its step. {@link #close()} frees the buffers.
 */
public final class StreamBatch implements AutoCloseable {

    /** Marks each step uniquely across all batches, so a session given twice in one step is noticed. */
    private static final AtomicLong STEPS = new AtomicLong();

    /** Views of one level's buffers over the first n rows. */
    private record LevelRows(Matrix in, Matrix x, Matrix h, Matrix gates, Matrix c, Matrix rz, Matrix nx, Matrix nh) {
    }

    private final StreamingModel model;
    private final Kernels kernels;
    private final BatchOperands operands;
    private final List<StreamingModel.Level> levels;
    private final StepOutput output;
    private final int maxBatch;
    private final int inputSize;       // I of level 0 (the embedding width for a token model)
    private final int outputSize;      // H of the top level, or V
    private final int[] hiddenStart;   // column of level l's h in the state rows
    private final Thread owner;        // the one thread that may step it, or null for any (one at a time)
    private final Arena arena = Arena.ofShared();
    private final Matrix states;       // maxBatch×(I + ΣH): [x | h_0 | h_1 | …], one row per session
    private final Matrix[] cells;      // per LSTM level maxBatch×H, else null
    private final Matrix logits;       // maxBatch×V, or null for HIDDEN
    private final LevelRows[][] rows;  // rows[n][l]: level l's views over the first n rows
    private final Matrix[] logitRows;  // logitRows[n]: the first n rows of logits
    private final Matrix[] topRows;    // topRows[n]: the top level's h over the first n rows
    private boolean closed;

    StreamBatch(StreamingModel model, BatchOperands operands, int maxBatch, StepOutput output, boolean confined) {
        this.model = model;
        this.kernels = model.kernels();
        this.operands = operands;
        this.levels = model.levels();
        this.output = output;
        this.maxBatch = maxBatch;
        this.owner = confined ? Thread.currentThread() : null;
        int depth = levels.size();
        this.inputSize = levels.get(0).inputSize();
        this.hiddenStart = new int[depth];
        int width = inputSize;
        for (int l = 0; l < depth; l++) {
            hiddenStart[l] = width;
            width = Math.addExact(width, levels.get(l).hidden());
        }
        StreamingModel.Level top = levels.get(depth - 1);
        this.outputSize = output == StepOutput.HIDDEN ? top.hidden() : model.outputClasses();
        try {
            this.states = Matrix.allocate(arena, maxBatch, width);
            this.cells = new Matrix[depth];
            Matrix[] gates = new Matrix[depth], rz = new Matrix[depth], nx = new Matrix[depth], nh = new Matrix[depth];
            for (int l = 0; l < depth; l++) {
                StreamingModel.Level lv = levels.get(l);
                int h = lv.hidden();
                if (lv.kind() == CellKind.GRU) {
                    rz[l] = Matrix.allocate(arena, maxBatch, 2 * h);
                    nx[l] = Matrix.allocate(arena, maxBatch, h);
                    nh[l] = Matrix.allocate(arena, maxBatch, h);
                } else {
                    gates[l] = Matrix.allocate(arena, maxBatch, lv.kind().gates() * h);
                }
                if (lv.kind().hasCellState()) {
                    cells[l] = Matrix.allocate(arena, maxBatch, h);
                }
            }
            this.logits = output == StepOutput.HIDDEN ? null : Matrix.allocate(arena, maxBatch, outputSize);
            // every view a step uses, for every row count: a slice made during a step would allocate
            this.rows = new LevelRows[maxBatch + 1][depth];
            this.logitRows = new Matrix[maxBatch + 1];
            this.topRows = new Matrix[maxBatch + 1];
            for (int n = 1; n <= maxBatch; n++) {
                Matrix all = states.sliceRows(0, n);
                for (int l = 0; l < depth; l++) {
                    StreamingModel.Level lv = levels.get(l);
                    int from = l == 0 ? 0 : hiddenStart[l - 1], mid = hiddenStart[l], to = mid + lv.hidden();
                    rows[n][l] = new LevelRows(all.sliceCols(from, to), all.sliceCols(from, mid), all.sliceCols(mid, to),
                            first(gates[l], n), first(cells[l], n), first(rz[l], n), first(nx[l], n), first(nh[l], n));
                }
                topRows[n] = rows[n][depth - 1].h();
                logitRows[n] = first(logits, n);
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static Matrix first(Matrix m, int n) {
        return m == null ? null : m.sliceRows(0, n);
    }

    /** What each step writes for each session. */
    public StepOutput output() {
        return output;
    }

    /** The most sessions one step takes. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Values written per session and step: H of the top level for {@link StepOutput#HIDDEN}, else V. */
    public int outputSize() {
        return outputSize;
    }

    /**
     * Advances {@code sessions[0..count)} by {@code tokens[0..count)} (the model must have an embedding)
     * and writes session i's output into {@code outs[i]} ({@link #outputSize()} floats each). With
     * {@code outs} null ({@code (float[][]) null}, since the Matrix overload takes null too) only the
     * states advance, and the output layer is skipped (feeding a prompt).
     * Arguments are checked before any state changes.
     *
     * @throws IllegalArgumentException for a count outside 0..maxBatch or beyond the arrays, a null, foreign
     *                                  or repeated session, a token outside the vocabulary, or a buffer of
     *                                  the wrong length
     * @throws IllegalStateException    when the model takes feature vectors, or the batch, its model or a
     *                                  session is closed
     * @throws WrongThreadException     when called from a thread other than the batch's creator
     */
    public void step(StreamSession[] sessions, int count, int[] tokens, float[][] outs) {
        checkSessions(sessions, count);
        checkTokens(tokens, count);
        checkOuts(outs, count);
        run(sessions, count, tokens, null, null, outs, null);
    }

    /**
     * As {@link #step(StreamSession[], int, int[], float[][])} with off-heap outputs: row i of
     * {@code out} (at least count rows × {@link #outputSize()}) receives session i's output; rows past
     * count are left alone. {@code out} may be null.
     */
    public void step(StreamSession[] sessions, int count, int[] tokens, Matrix out) {
        checkSessions(sessions, count);
        checkTokens(tokens, count);
        checkOut(out, count);
        run(sessions, count, tokens, null, null, null, out);
    }

    /**
     * Advances {@code sessions[0..count)} by the feature vectors {@code features[0..count)} (I values
     * each; the model must not have an embedding) and writes session i's output into {@code outs[i]}, or
     * only advances the states when {@code outs} is null. Exceptions as for the token step.
     */
    public void step(StreamSession[] sessions, int count, float[][] features, float[][] outs) {
        checkSessions(sessions, count);
        checkFeatures();
        if (features == null || features.length < count) {
            throw new IllegalArgumentException("features has " + (features == null ? "no" : features.length)
                    + " rows for " + count + " sessions");
        }
        for (int i = 0; i < count; i++) {
            if (features[i] == null || features[i].length != inputSize) {
                throw new IllegalArgumentException("features of session " + i + " have "
                        + (features[i] == null ? "no" : features[i].length) + " values, expected " + inputSize);
            }
        }
        checkOuts(outs, count);
        run(sessions, count, null, features, null, outs, null);
    }

    /**
     * As {@link #step(StreamSession[], int, float[][], float[][])} with off-heap rows: row i of
     * {@code features} (at least count rows × I) is session i's input, row i of {@code out} its output.
     */
    public void step(StreamSession[] sessions, int count, Matrix features, Matrix out) {
        checkSessions(sessions, count);
        checkFeatures();
        if (features == null || features.rows() < count || features.cols() != inputSize) {
            throw new IllegalArgumentException("features must be at least " + count + "×" + inputSize + ", found "
                    + (features == null ? "null" : features.shape()));
        }
        checkOut(out, count);
        run(sessions, count, null, null, features, null, out);
    }

    // ---- checks, all before any state changes ----

    private void checkSessions(StreamSession[] sessions, int count) {
        if (owner != null && Thread.currentThread() != owner) {
            throw new WrongThreadException("a StreamBatch is used only by the thread that created it (" + owner.getName() + ")");
        }
        if (closed) {
            throw new IllegalStateException("this stream batch is closed");
        }
        if (model.isClosed()) {
            throw new IllegalStateException("the streaming model of this batch was closed");
        }
        if (sessions == null) {
            throw new IllegalArgumentException("sessions is null");
        }
        if (count < 0 || count > maxBatch) {
            throw new IllegalArgumentException("count " + count + " is outside 0.." + maxBatch + ", this batch's maxBatch");
        }
        if (count > sessions.length) {
            throw new IllegalArgumentException("count " + count + " exceeds the " + sessions.length + " sessions given");
        }
        long mark = STEPS.incrementAndGet();
        for (int i = 0; i < count; i++) {
            StreamSession s = sessions[i];
            if (s == null) {
                throw new IllegalArgumentException("session " + i + " is null");
            }
            if (s.model() != model) {
                throw new IllegalArgumentException("session " + i + " belongs to another streaming model");
            }
            if (s.isClosed()) {
                throw new IllegalStateException("session " + i + " is closed");
            }
            if (s.batchMark == mark) {
                throw new IllegalArgumentException("session " + i + " is also session " + firstIndex(sessions, s)
                        + ": a session takes one step at a time");
            }
            s.batchMark = mark;
        }
    }

    private static int firstIndex(StreamSession[] sessions, StreamSession s) {
        int i = 0;
        while (sessions[i] != s) {
            i++;
        }
        return i;
    }

    private void checkTokens(int[] tokens, int count) {
        Matrix table = model.embedding();
        if (table == null) {
            throw new IllegalStateException("this model takes feature vectors, not tokens");
        }
        if (tokens == null || tokens.length < count) {
            throw new IllegalArgumentException("tokens has " + (tokens == null ? "no" : tokens.length) + " entries for "
                    + count + " sessions");
        }
        for (int i = 0; i < count; i++) {
            if (tokens[i] < 0 || tokens[i] >= table.rows()) {
                throw new IllegalArgumentException("token " + tokens[i] + " of session " + i + " is outside the vocabulary 0.."
                        + (table.rows() - 1));
            }
        }
    }

    private void checkFeatures() {
        if (model.takesTokens()) {
            throw new IllegalStateException("this model takes tokens, not feature vectors");
        }
    }

    private void checkOuts(float[][] outs, int count) {
        if (outs == null) {
            return;
        }
        if (outs.length < count) {
            throw new IllegalArgumentException("outs has " + outs.length + " buffers for " + count + " sessions");
        }
        for (int i = 0; i < count; i++) {
            if (outs[i] == null || outs[i].length != outputSize) {
                throw new IllegalArgumentException("output buffer of session " + i + " has "
                        + (outs[i] == null ? "no" : outs[i].length) + " values, expected " + outputSize);
            }
        }
    }

    private void checkOut(Matrix out, int count) {
        if (out != null && (out.rows() < count || out.cols() != outputSize)) {
            throw new IllegalArgumentException("out must be at least " + count + "×" + outputSize + ", found " + out.shape());
        }
    }

    // ---- the step ----

    private void run(StreamSession[] sessions, int count, int[] tokens, float[][] featureRows, Matrix features,
                     float[][] outs, Matrix out) {
        if (count == 0) {
            return;
        }
        try {
            gather(sessions, count, tokens, featureRows, features);
            boolean head = output != StepOutput.HIDDEN && (outs != null || out != null);
            compute(count, head);
            scatter(sessions, count);
            Matrix result = output == StepOutput.HIDDEN ? topRows[count] : logitRows[count];
            if (outs != null) {
                MemorySegment rs = result.segment();
                for (int i = 0; i < count; i++) {
                    MemorySegment.copy(rs, Matrix.FLOAT, result.offset(i, 0), outs[i], 0, outputSize);
                }
            } else if (out != null) {
                long rowBytes = (long) outputSize * Float.BYTES;
                for (int i = 0; i < count; i++) {
                    MemorySegment.copy(result.segment(), result.offset(i, 0), out.segment(), out.offset(i, 0), rowBytes);
                }
            }
        } catch (IllegalStateException e) {
            // a closed arena: say whose, rather than the memory API's "Already closed"
            if (model.isClosed()) {
                throw new IllegalStateException("the streaming model of this batch was closed", e);
            }
            for (int i = 0; i < count; i++) {
                if (sessions[i].isClosed()) {
                    throw new IllegalStateException("session " + i + " was closed during the batch's step", e);
                }
            }
            throw e;
        }
    }

    /** Row i of the state buffer ← session i's input and the h (and c) of every level. */
    private void gather(StreamSession[] sessions, int count, int[] tokens, float[][] featureRows, Matrix features) {
        MemorySegment ss = states.segment();
        long inputBytes = (long) inputSize * Float.BYTES;
        Matrix table = model.embedding();
        for (int i = 0; i < count; i++) {
            long row = states.offset(i, 0);
            if (tokens != null) {
                MemorySegment.copy(table.segment(), table.offset(tokens[i], 0), ss, row, inputBytes);
            } else if (featureRows != null) {
                MemorySegment.copy(featureRows[i], 0, ss, Matrix.FLOAT, row, inputSize);
            } else {
                MemorySegment.copy(features.segment(), features.offset(i, 0), ss, row, inputBytes);
            }
            StreamSession s = sessions[i];
            for (int l = 0; l < hiddenStart.length; l++) {
                Matrix h = s.hidden(l);
                MemorySegment.copy(h.segment(), h.offset(0, 0), ss, states.offset(i, hiddenStart[l]), (long) h.cols() * Float.BYTES);
                if (cells[l] != null) {
                    Matrix c = s.cell(l);
                    MemorySegment.copy(c.segment(), c.offset(0, 0), cells[l].segment(), cells[l].offset(i, 0),
                            (long) c.cols() * Float.BYTES);
                }
            }
        }
    }

    /** Session i's h (and c) of every level ← row i of the state buffers. */
    private void scatter(StreamSession[] sessions, int count) {
        MemorySegment ss = states.segment();
        for (int i = 0; i < count; i++) {
            StreamSession s = sessions[i];
            for (int l = 0; l < hiddenStart.length; l++) {
                Matrix h = s.hidden(l);
                MemorySegment.copy(ss, states.offset(i, hiddenStart[l]), h.segment(), h.offset(0, 0), (long) h.cols() * Float.BYTES);
                if (cells[l] != null) {
                    Matrix c = s.cell(l);
                    MemorySegment.copy(cells[l].segment(), cells[l].offset(i, 0), c.segment(), c.offset(0, 0),
                            (long) c.cols() * Float.BYTES);
                }
            }
        }
    }

    /** Every level over the first n rows, then the output layer when {@code head}. */
    private void compute(int n, boolean head) {
        Kernels k = kernels;
        LevelRows[] views = rows[n];
        for (int l = 0; l < views.length; l++) {
            StreamingModel.Level lv = levels.get(l);
            LevelRows v = views[l];
            switch (lv.kind()) {
                case RNN_TANH -> {
                    k.gemmBatchInvariant(v.in(), operands.weights[l], v.gates(), false);
                    k.addRowVector(lv.bias(), v.gates());
                    k.tanh(v.gates(), v.h());
                }
                case RNN_RELU -> {
                    k.gemmBatchInvariant(v.in(), operands.weights[l], v.gates(), false);
                    k.addRowVector(lv.bias(), v.gates());
                    k.relu(v.gates(), v.h());
                }
                case LSTM -> {
                    k.gemmBatchInvariant(v.in(), operands.weights[l], v.gates(), false);
                    k.addRowVector(lv.bias(), v.gates());
                    k.lstmUpdate(v.gates(), v.c(), v.h());
                }
                case GRU -> {
                    // r and z from the summed products; n's input and recurrent parts apart, r scales only the latter
                    k.gemmBatchInvariant(v.in(), operands.weights[l], v.rz(), false);
                    k.addRowVector(lv.bias(), v.rz());
                    k.gemmBatchInvariant(v.x(), operands.candidateInput[l], v.nx(), false);
                    k.addRowVector(lv.candidateInputBias(), v.nx());
                    k.gemmBatchInvariant(v.h(), operands.candidateHidden[l], v.nh(), false);
                    k.addRowVector(lv.candidateHiddenBias(), v.nh());
                    k.gruUpdate(v.rz(), v.nx(), v.nh(), v.h());
                }
            }
        }
        if (head) {
            Matrix z = logitRows[n];
            k.gemmBatchInvariant(topRows[n], operands.head, z, false);
            if (model.headBias() != null) {
                k.addRowVector(model.headBias(), z);
            }
            if (output == StepOutput.PROBABILITIES) {
                k.softmax(z, z);
            }
        }
    }

    /** Frees the buffers; the sessions and the model stay open. Only the creating thread may close it. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
