package dev.rnn.models.streaming;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.TorchRecurrentWeights;
import dev.rnn.models.layers.StackedLayers;
import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A recurrent model prepared for streaming inference, one step at a time at batch 1: optional token
 * embedding (V×I), a stack of one-directional levels (RNN, LSTM or GRU), optional output layer
 * (logits = W·h + b, W V×H). Immutable and thread-safe once built: any number of threads may step
 * their own {@link StreamSession}s over one model, one at a time or many together through a
 * {@link StreamBatch} ({@link #newBatch}).
 *
 * <p>Weights are copied at build time into {@link PackedMatrix} layouts, F32 or BF16 (half the bytes
 * streamed per step; arithmetic stays in float32), in an arena this model owns: {@link #close()}
 * frees it, after which no session may step. Per level the input and recurrent weights are packed side
 * by side, [W_ih | W_hh], so one pass over memory computes every gate.
 */
public final class StreamingModel implements AutoCloseable {

    /**
     * One level's packed weights [W_ih | W_hh] and summed bias. GRU levels pack the rows of r and z
     * (bias summed) apart from those of the candidate n, whose input and recurrent parts, and
     * biases, stay apart because r scales only the recurrent part.
     */
    record Level(CellKind kind, int inputSize, int hidden, PackedMatrix weights, Matrix bias,
                 PackedMatrix resetUpdate, PackedMatrix candidate, Matrix candidateInputBias, Matrix candidateHiddenBias) {

        private PackedMatrix any() {
            return weights != null ? weights : resetUpdate;
        }

        /** Where h starts in the packed [x | h] vector. */
        int hiddenOffset() {
            return any().partOffset(1);
        }

        /** The length of the packed [x | h] vector. */
        int columns() {
            return any().paddedCols();
        }

        long bytes() {
            return weights != null ? weights.byteSize() : resetUpdate.byteSize() + candidate.byteSize();
        }
    }

    private final Kernels kernels;
    private final Arena arena;
    private final List<Level> levels;
    private final Matrix embedding;   // V×I or null
    private final PackedMatrix head;  // V×H or null
    private final Matrix headBias;    // 1×V or null
    private final PackedMatrix.Format format;
    private volatile boolean closed;
    private volatile BatchOperands batchOperands;   // prepared by the first newBatch, then shared

    private StreamingModel(Kernels kernels, Arena arena, List<Level> levels, Matrix embedding, PackedMatrix head,
                           Matrix headBias, PackedMatrix.Format format) {
        this.kernels = kernels;
        this.arena = arena;
        this.levels = List.copyOf(levels);
        this.embedding = embedding;
        this.head = head;
        this.headBias = headBias;
        this.format = format;
    }

    public static Builder builder(Kernels kernels) {
        return new Builder(kernels);
    }

    /** A model of the recurrent stack of a PyTorch module (no embedding, no output layer). */
    public static StreamingModel of(Kernels kernels, TorchRecurrentWeights weights, PackedMatrix.Format format) {
        Builder b = builder(kernels).format(format);
        for (StackedLayers.Level level : weights.levels()) {
            if (level.bidirectional()) {
                throw new IllegalArgumentException("a bidirectional module cannot run one step at a time: "
                        + "its backward direction needs the whole sequence");
            }
            b.level(level.forwardParams());
        }
        return b.build();
    }

    /** Collects the parts of a model; {@link #build()} copies and packs them. */
    public static final class Builder {
        private final Kernels kernels;
        private final List<CellParameters> levels = new ArrayList<>();
        private Matrix embedding, headWeight, headBias;
        private PackedMatrix.Format format = PackedMatrix.Format.F32;

        private Builder(Kernels kernels) {
            this.kernels = kernels;
        }

        /** Adds a level above the previous ones. */
        public Builder level(CellParameters params) {
            levels.add(params);
            return this;
        }

        /** Token input: row t of {@code table} (V×I) is the input for token t. */
        public Builder embedding(Matrix table) {
            this.embedding = table;
            return this;
        }

        /** An output layer: logits (1×V) = h·weightᵀ + bias, weight V×H, bias 1×V or null. */
        public Builder head(Matrix weight, Matrix bias) {
            this.headWeight = weight;
            this.headBias = bias;
            return this;
        }

        public Builder format(PackedMatrix.Format format) {
            this.format = format;
            return this;
        }

        public StreamingModel build() {
            if (levels.isEmpty()) {
                throw new IllegalArgumentException("a streaming model needs at least one recurrent level");
            }
            if (embedding != null && embedding.cols() != levels.get(0).inputSize()) {
                throw new IllegalArgumentException("embedding " + embedding.shape() + " does not feed level 0's "
                        + levels.get(0).inputSize() + " inputs");
            }
            for (int l = 1; l < levels.size(); l++) {
                if (levels.get(l).inputSize() != levels.get(l - 1).hiddenSize()) {
                    throw new IllegalArgumentException("level " + l + " reads " + levels.get(l).inputSize()
                            + " inputs but level " + (l - 1) + " outputs " + levels.get(l - 1).hiddenSize());
                }
            }
            int top = levels.get(levels.size() - 1).hiddenSize();
            if (headWeight != null && (headWeight.cols() != top
                    || headBias != null && (headBias.rows() != 1 || headBias.cols() != headWeight.rows()))) {
                throw new IllegalArgumentException("output layer " + headWeight.shape() + (headBias == null ? "" : " + " + headBias.shape())
                        + " does not fit hidden size " + top);
            }
            Arena arena = Arena.ofShared();
            try {
                List<Level> packed = new ArrayList<>();
                for (CellParameters p : levels) {
                    packed.add(pack(arena, p, format));
                }
                Matrix emb = embedding == null ? null : copy(arena, embedding);
                PackedMatrix head = headWeight == null ? null : PackedMatrix.pack(arena, format, headWeight);
                Matrix hb = headBias == null ? null : copy(arena, headBias);
                return new StreamingModel(kernels, arena, packed, emb, head, hb, format);
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
        }

        private static Matrix copy(Arena arena, Matrix m) {
            Matrix c = Matrix.allocate(arena, m.rows(), m.cols());
            c.copyFrom(m);
            return c;
        }

        private static Level pack(Arena arena, CellParameters p, PackedMatrix.Format format) {
            int h = p.hiddenSize(), g = p.kind().gates() * h;
            if (p.kind() != CellKind.GRU) {
                PackedMatrix w = PackedMatrix.pack(arena, format, p.weightIh(), p.weightHh());
                Matrix bias = Matrix.allocate(arena, 1, g);
                if (p.hasBias()) {
                    for (int j = 0; j < g; j++) {
                        bias.set(0, j, p.biasIh().get(0, j) + p.biasHh().get(0, j));
                    }
                }
                return new Level(p.kind(), p.inputSize(), h, w, bias, null, null, null, null);
            }
            // GRU: r and z sum both projections; n needs its input and recurrent parts apart (r scales only the latter)
            Matrix rz = Matrix.allocate(arena, 1, 2 * h), in = Matrix.allocate(arena, 1, h), hn = Matrix.allocate(arena, 1, h);
            if (p.hasBias()) {
                for (int j = 0; j < 2 * h; j++) {
                    rz.set(0, j, p.biasIh().get(0, j) + p.biasHh().get(0, j));
                }
                for (int j = 0; j < h; j++) {
                    in.set(0, j, p.biasIh().get(0, 2 * h + j));
                    hn.set(0, j, p.biasHh().get(0, 2 * h + j));
                }
            }
            PackedMatrix wRz = PackedMatrix.pack(arena, format, p.weightIh().sliceRows(0, 2 * h), p.weightHh().sliceRows(0, 2 * h));
            PackedMatrix wN = PackedMatrix.pack(arena, format, p.weightIh().sliceRows(2 * h, 3 * h), p.weightHh().sliceRows(2 * h, 3 * h));
            return new Level(p.kind(), p.inputSize(), h, null, rz, wRz, wN, in, hn);
        }
    }

    /** A new session in its initial state (zeros), writing {@code output} at each step. */
    public StreamSession newSession(StepOutput output) {
        if (closed) {
            throw new IllegalStateException("the streaming model is closed");
        }
        if (output != StepOutput.HIDDEN && head == null) {
            throw new IllegalArgumentException(output + " needs a model with an output layer");
        }
        return new StreamSession(this, output);
    }

    /**
     * A context for stepping up to {@code maxBatch} of this model's sessions together, writing
     * {@code output} (see {@link StreamBatch}). Create one per thread that runs batches.
     *
     * <p>The first call prepares the weights for batched products, once per model and thread-safely:
     * every weight in float32 in the kernels' product layout, about 4 bytes per weight whatever the
     * model's format (twice a BF16 model's packed bytes), on the Java heap, kept while the model or a
     * batch of it is reachable. A BF16 model's batches multiply by those F32 copies of its
     * bfloat16-rounded weights: the same values as its sessions, at twice the bytes read per product.
     * Each batch then allocates its own off-heap buffers, maxBatch × (I + ΣH + Σ gate widths + ΣH of
     * LSTM cell states + V) floats.
     *
     * @throws IllegalArgumentException when maxBatch is not positive, or output needs an output layer the
     *                                  model lacks
     * @throws IllegalStateException    when the model is closed
     */
    public StreamBatch newBatch(int maxBatch, StepOutput output) {
        return newBatch(maxBatch, output, true);
    }

    /**
     * As {@link #newBatch(int, StepOutput)}; a batch that is not {@code confined} may be stepped by any
     * thread, one at a time (its user serializes the steps: {@link StreamBatcher}'s steps run by callers).
     */
    StreamBatch newBatch(int maxBatch, StepOutput output, boolean confined) {
        if (closed) {
            throw new IllegalStateException("the streaming model is closed");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch is " + maxBatch + ", a batch holds at least one session");
        }
        if (output != StepOutput.HIDDEN && head == null) {
            throw new IllegalArgumentException(output + " needs a model with an output layer");
        }
        return new StreamBatch(this, batchOperands(), maxBatch, output, confined);
    }

    /**
     * Brings this model's step paths to compiled speed before real traffic: {@link #warmUp(int)} with
     * the default maxBatch of a {@link StreamBatcher} (64).
     */
    public Duration warmUp() {
        return warmUp(StreamBatcher.DEFAULT_MAX_BATCH);
    }

    /**
     * Brings this model's step paths to compiled speed before real traffic. A fresh JVM runs its first
     * few thousand steps interpreted or in C1-compiled code, the first hundreds of them many times
     * slower than steady state; this runs those steps on sessions and batches of its own, so that C2
     * has compiled the kernels and the code around them before the first real step.
     *
     * <p>What it runs, on the calling thread: 6,000 {@link StreamSession#step} calls, spread over a
     * session per output the model gives ({@link StepOutput#HIDDEN}, and {@link StepOutput#LOGITS} and
     * {@link StepOutput#PROBABILITIES} with an output layer) and over the step's input forms (token ids,
     * or feature vectors as arrays and as matrices); unless maxBatch is 0, 1,000 {@link StreamBatch#step}
     * calls alternate with them, a batch of maxBatch rows per output, over a fixed cycle of session counts
     * (those of 1, 2, 3, 5, 8, 12, 13, 24, 31, 47, 64, 96, 97, 128, 200, 256 below maxBatch, then maxBatch),
     * as a {@link StreamBatcher} of that maxBatch makes them, through each batch step form. Inputs are a
     * fixed synthetic sequence; states restart from zeros every 64 steps. The counts come from
     * measurement: with no warm-up, an LSTM 2×512 language model's steps reach steady-state latency within
     * about 2,000 steps; the step's own methods reach C2 at 5,000 calls (-XX:+PrintCompilation shows no
     * step method compiled after this warm-up).
     *
     * <p>What it costs: for an LSTM 2×512 language model (65 tokens, F32, maxBatch 64) on a 2-vCPU AMD
     * EPYC Zen 5 (2026-12-05, a host loaded by other work), 5.4–6.5 s of CPU on the calling thread, 7–14 s
     * of wall time; 2.6 s of CPU with maxBatch 0. Most of it goes to the first steps, before anything is
     * compiled, and it grows with the load, as the JIT's own threads get less time. Memory: the sessions'
     * and batches' buffers while it runs, all freed when it returns, and, when maxBatch is positive, the
     * weights prepared for batched products (see {@link #newBatch}), which the first batch would make
     * anyway and the model keeps.
     *
     * <p>It leaves every caller's session, batch and batcher alone, and the results of later steps are
     * the same bits as without it. Thread-safe: any thread may call it, also while others step this
     * model, and it runs on that thread only (its batch is confined to it). Calling it again runs it
     * again, harmlessly; the JIT state it leaves is shared by every model of the JVM with the same
     * kernels.
     *
     * @param maxBatch the largest batch to warm up, as the batcher's maxBatch; 0 warms sessions only
     * @return how long it took
     * @throws IllegalArgumentException when maxBatch is negative
     * @throws IllegalStateException    when the model is closed (or closed while it runs)
     */
    public Duration warmUp(int maxBatch) {
        if (maxBatch < 0) {
            throw new IllegalArgumentException("maxBatch is " + maxBatch + ", expected 0 (sessions only) or more");
        }
        if (closed) {
            throw new IllegalStateException("cannot warm up: the streaming model is closed");
        }
        long start = System.nanoTime();
        StreamWarmUp.run(this, maxBatch);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** The weights prepared for batched products, made by the first caller (double-checked under this lock). */
    private BatchOperands batchOperands() {
        BatchOperands ops = batchOperands;
        if (ops == null) {
            synchronized (this) {
                ops = batchOperands;
                if (ops == null) {
                    try {
                        ops = BatchOperands.prepare(kernels, levels, head);
                    } catch (IllegalStateException e) {
                        if (closed) {
                            throw new IllegalStateException("the streaming model is closed", e);
                        }
                        throw e;
                    }
                    batchOperands = ops;
                }
            }
        }
        return ops;
    }

    Kernels kernels() {
        return kernels;
    }

    List<Level> levels() {
        return levels;
    }

    Matrix embedding() {
        return embedding;
    }

    PackedMatrix head() {
        return head;
    }

    Matrix headBias() {
        return headBias;
    }

    public PackedMatrix.Format format() {
        return format;
    }

    /** Whether steps take token ids (the model has an embedding) rather than feature vectors. */
    public boolean takesTokens() {
        return embedding != null;
    }

    /** Features per step (I), or the vocabulary size V when {@link #takesTokens()}. */
    public int inputSize() {
        return embedding != null ? embedding.rows() : levels.get(0).inputSize();
    }

    /** The top level's hidden size H. */
    public int hiddenSize() {
        return levels.get(levels.size() - 1).hidden();
    }

    /** V, the number of logits, or 0 without an output layer. */
    public int outputClasses() {
        return head == null ? 0 : head.rows();
    }

    /** Bytes of packed weights streamed by one step (recurrent levels and output layer). */
    public long bytesPerStep() {
        long n = head == null ? 0 : head.byteSize();
        for (Level l : levels) {
            n += l.bytes();
        }
        return n;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Frees the packed weights. Sessions stepping at that moment, and later, fail with an
     * {@link IllegalStateException}; the arena guarantees that no step reads freed memory. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;   // idempotent
        }
        closed = true;
        batchOperands = null;
        arena.close();
    }
}
