package dev.rnn.models.streaming;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One stream's state over a shared {@link StreamingModel}: the recurrent state of every level and
 * every scratch buffer, allocated once. {@link #step} advances the state by one input and writes the
 * output into the caller's buffer; steady-state steps allocate nothing.
 *
 * <p>The state ({@link #stateSize()} floats) is, level by level, h then c for LSTM levels. It can be
 * saved, restored and copied from another session of the same model, to fork a stream or park and
 * resume it. A session is used by one thread at a time (it may move between threads); {@link #close()}
 * frees its buffers. A {@link StreamBatch} can also step it, together with other sessions of the model,
 * reading and writing this same state: batched and own steps may alternate.
 */
public final class StreamSession implements AutoCloseable {

    /** One level's buffers: [x | h] in the packed column positions, so one product reads both. */
    private record Buffers(Matrix xh, Matrix x, Matrix h, Matrix hPadded, Matrix c, Matrix gates, Matrix rz, Matrix nx,
                           Matrix nh) {
    }

    private final StreamingModel model;
    private final Kernels kernels;
    private final StepOutput output;
    private final Arena arena = Arena.ofShared();
    private final List<StreamingModel.Level> levels;
    private final Buffers[] buffers;
    private final Matrix logits;   // 1×V, or null
    private final Matrix result;   // what step() copies out
    private final int stateSize;
    private volatile boolean closed;
    private boolean lastRowsFirst;   // the weight order of the last step (see Kernels.packedGemv)
    long batchMark;                  // the last batch step that took this session (StreamBatch finds repeats with it)

    StreamSession(StreamingModel model, StepOutput output) {
        this.model = model;
        this.kernels = model.kernels();
        this.output = output;
        this.levels = model.levels();
        this.buffers = new Buffers[levels.size()];
        int state = 0;
        for (int l = 0; l < levels.size(); l++) {
            StreamingModel.Level lv = levels.get(l);
            int h = lv.hidden(), off = lv.hiddenOffset();
            Matrix xh = Matrix.allocate(arena, 1, lv.columns());
            boolean lstm = lv.kind() == CellKind.LSTM, gru = lv.kind() == CellKind.GRU;
            buffers[l] = new Buffers(xh, xh.sliceCols(0, lv.inputSize()), xh.sliceCols(off, off + h),
                    xh.sliceCols(off, lv.columns()),
                    lstm ? Matrix.allocate(arena, 1, h) : null,
                    gru ? null : Matrix.allocate(arena, 1, lv.kind().gates() * h),
                    gru ? Matrix.allocate(arena, 1, 2 * h) : null,
                    gru ? Matrix.allocate(arena, 1, h) : null,
                    gru ? Matrix.allocate(arena, 1, h) : null);
            state += lstm ? 2 * h : h;
        }
        this.stateSize = state;
        this.logits = model.head() == null ? null : Matrix.allocate(arena, 1, model.head().rows());
        this.result = output == StepOutput.HIDDEN ? buffers[levels.size() - 1].h() : logits;
    }

    StreamingModel model() {
        return model;
    }

    /** Level l's hidden state, 1×H (a view into its [x | h] buffer). */
    Matrix hidden(int level) {
        return buffers[level].h();
    }

    /** Level l's cell state, 1×H, or null for a level without one. */
    Matrix cell(int level) {
        return buffers[level].c();
    }

    boolean isClosed() {
        return closed;
    }

    public StepOutput output() {
        return output;
    }

    /** Values written per step: H for {@link StepOutput#HIDDEN}, else V. */
    public int outputSize() {
        return result.cols();
    }

    /** Advances by token {@code token} (the model must have an embedding) and writes the output into {@code out}. */
    public void step(int token, float[] out) {
        Matrix table = model.embedding();
        if (table == null) {
            throw new IllegalStateException("this model takes feature vectors, not tokens");
        }
        if (token < 0 || token >= table.rows()) {
            throw new IllegalArgumentException("token " + token + " is outside the vocabulary 0.." + (table.rows() - 1));
        }
        checkOut(out.length);
        Matrix x = buffers[0].x();
        MemorySegment.copy(table.segment(), table.offset(token, 0), x.segment(), x.offset(0, 0), (long) x.cols() * Float.BYTES);
        advance();
        MemorySegment.copy(result.segment(), Matrix.FLOAT, result.offset(0, 0), out, 0, result.cols());
    }

    /** Advances by the feature vector {@code input} (I values) and writes the output into {@code out}. */
    public void step(float[] input, float[] out) {
        Matrix x = buffers[0].x();
        if (model.takesTokens()) {
            throw new IllegalStateException("this model takes tokens, not feature vectors");
        }
        if (input.length != x.cols()) {
            throw new IllegalArgumentException("input has " + input.length + " values, expected " + x.cols());
        }
        checkOut(out.length);
        MemorySegment.copy(input, 0, x.segment(), Matrix.FLOAT, x.offset(0, 0), input.length);
        advance();
        MemorySegment.copy(result.segment(), Matrix.FLOAT, result.offset(0, 0), out, 0, result.cols());
    }

    /** As {@link #step(float[], float[])} with off-heap vectors: input 1×I, out 1×outputSize(). */
    public void step(Matrix input, Matrix out) {
        Matrix x = buffers[0].x();
        if (model.takesTokens()) {
            throw new IllegalStateException("this model takes tokens, not feature vectors");
        }
        if (input.rows() != 1 || input.cols() != x.cols() || out.rows() != 1 || out.cols() != result.cols()) {
            throw new IllegalArgumentException("step needs input 1×" + x.cols() + " and out 1×" + result.cols() + ", found "
                    + input.shape() + " and " + out.shape());
        }
        x.copyFrom(input);
        advance();
        out.copyFrom(result);
    }

    private void checkOut(int length) {
        if (length != result.cols()) {
            throw new IllegalArgumentException("output buffer has " + length + " values, expected " + result.cols());
        }
    }

    private void advance() {
        try {
            compute();
        } catch (IllegalStateException e) {
            // a closed arena: say whose, rather than the memory API's "Already closed"
            if (model.isClosed()) {
                throw new IllegalStateException("the streaming model of this session was closed", e);
            }
            if (closed) {
                throw new IllegalStateException("this stream session was closed", e);
            }
            throw e;
        }
    }

    private void compute() {
        Kernels k = kernels;
        // each step reads the weights in the opposite order to the last, starting where the cache is warm
        boolean back = lastRowsFirst = !lastRowsFirst;
        for (int l = 0; l < buffers.length; l++) {
            StreamingModel.Level lv = levels.get(l);
            Buffers b = buffers[l];
            if (l > 0) {
                b.x().copyFrom(buffers[l - 1].h());
            }
            int all = lv.columns();
            switch (lv.kind()) {
                case RNN_TANH -> {
                    k.packedGemv(lv.weights(), 0, all, b.xh(), lv.bias(), b.gates(), false, back);
                    k.tanh(b.gates(), b.h());
                }
                case RNN_RELU -> {
                    k.packedGemv(lv.weights(), 0, all, b.xh(), lv.bias(), b.gates(), false, back);
                    k.relu(b.gates(), b.h());
                }
                case LSTM -> {
                    k.packedGemv(lv.weights(), 0, all, b.xh(), lv.bias(), b.gates(), false, back);
                    k.lstmUpdate(b.gates(), b.c(), b.h());
                }
                case GRU -> {
                    int off = lv.hiddenOffset();
                    k.packedGemv(lv.resetUpdate(), 0, all, b.xh(), lv.bias(), b.rz(), false, back);
                    k.packedGemv(lv.candidate(), 0, off, b.xh(), lv.candidateInputBias(), b.nx(), false, back);
                    k.packedGemv(lv.candidate(), off, all, b.xh(), lv.candidateHiddenBias(), b.nh(), false, back);
                    k.gruUpdate(b.rz(), b.nx(), b.nh(), b.h());
                }
            }
        }
        if (logits != null && output != StepOutput.HIDDEN) {
            PackedMatrix head = model.head();
            k.packedGemv(head, 0, head.paddedCols(), buffers[buffers.length - 1].hPadded(), model.headBias(), logits, false, back);
            if (output == StepOutput.PROBABILITIES) {
                k.softmax(logits, logits);
            }
        }
    }

    /** Back to the initial state: every h and c zero. */
    public void reset() {
        for (Buffers b : buffers) {
            b.h().fill(0f);
            if (b.c() != null) {
                b.c().fill(0f);
            }
        }
    }

    /** Floats in the state: Σ over levels of H, 2H for LSTM. */
    public int stateSize() {
        return stateSize;
    }

    /** Copies the state into {@code dst} (at least {@link #stateSize()} floats). */
    public void saveState(float[] dst) {
        checkState(dst.length);
        int at = 0;
        for (Buffers b : buffers) {
            at = copyOut(b.h(), dst, at);
            if (b.c() != null) {
                at = copyOut(b.c(), dst, at);
            }
        }
    }

    /** Sets the state from {@code src}, as {@link #saveState} wrote it. */
    public void restoreState(float[] src) {
        checkState(src.length);
        int at = 0;
        for (Buffers b : buffers) {
            at = copyIn(src, at, b.h());
            if (b.c() != null) {
                at = copyIn(src, at, b.c());
            }
        }
    }

    /** Takes the state of {@code other}, a session of the same model (to fork a stream). */
    public void copyStateFrom(StreamSession other) {
        if (other.model != model) {
            throw new IllegalArgumentException("sessions of different models do not share a state layout");
        }
        for (int l = 0; l < buffers.length; l++) {
            buffers[l].h().copyFrom(other.buffers[l].h());
            if (buffers[l].c() != null) {
                buffers[l].c().copyFrom(other.buffers[l].c());
            }
        }
    }

    private void checkState(int length) {
        if (length < stateSize) {
            throw new IllegalArgumentException("state buffer has " + length + " floats, the state needs " + stateSize);
        }
    }

    private static int copyOut(Matrix m, float[] dst, int at) {
        MemorySegment.copy(m.segment(), Matrix.FLOAT, m.offset(0, 0), dst, at, m.cols());
        return at + m.cols();
    }

    private static int copyIn(float[] src, int at, Matrix m) {
        MemorySegment.copy(src, at, m.segment(), Matrix.FLOAT, m.offset(0, 0), m.cols());
        return at + m.cols();
    }

    /** Frees the session's memory. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        arena.close();
    }
}
