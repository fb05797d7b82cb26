package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.decoding.SequenceDecoder;
import dev.rnn.models.decoding.TokenStepper;
import dev.rnn.models.layers.AttentionLayer;
import dev.rnn.models.layers.MergeMode;
import dev.rnn.models.layers.StackedLayers;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * Decoding for a {@link Seq2SeqModel}, one target step at a time over R rows: R sources side by side
 * (greedy), or R hypotheses of one source (beam search). Holds the encoder run for up to
 * {@code maxSource} steps of R rows, a one-step decoder over R rows, their states and attention
 * buffers. Not thread-safe: the model lends each decoder to one call at a time.
 */
final class Seq2SeqDecoder implements TokenStepper, RunnerPool.Lendable {

    static final int GREEDY_BATCH = 64;

    private final Seq2SeqModel m;
    private final int rows;
    final int maxSource;
    private final Arena arena = Arena.ofShared();
    private final StackedLayers encoder;
    private final StackedLayers decoder;
    private final AttentionLayer attention;
    private final int dirs, width, layers, hidden, embedding;
    private final Matrix srcIn, encH, encC, h, c, ctx, decIn, headIn, logits, swapH, swapC, encOut;
    private int[] lengths;
    private int sourceSteps;
    private List<float[]> attentionRows;

    Seq2SeqDecoder(Seq2SeqModel model, int rows, int maxSource) {
        this.m = model;
        this.rows = rows;
        this.maxSource = maxSource;
        Seq2SeqModel.Config c0 = model.config;
        dirs = c0.bidirectional() ? 2 : 1;
        width = c0.width();
        layers = c0.layers();
        hidden = c0.hidden();
        embedding = c0.embedding();
        encoder = new StackedLayers(model.kernels, model.encoder.params(), MergeMode.CONCAT, 0, false, maxSource, rows, 0);
        decoder = new StackedLayers(model.kernels, model.decoder.params(), MergeMode.CONCAT, 0, false, 1, rows, 0);
        attention = model.attention == null ? null : new AttentionLayer(model.kernels, model.attention, rows, maxSource, 1);
        boolean lstm = c0.cell().hasCellState();
        srcIn = Matrix.allocate(arena, maxSource * rows, embedding);
        encOut = Matrix.allocate(arena, maxSource * rows, width);
        encH = Matrix.allocate(arena, layers * dirs * rows, hidden);
        encC = lstm ? Matrix.allocate(arena, layers * dirs * rows, hidden) : null;
        h = Matrix.allocate(arena, layers * rows, width);
        c = lstm ? Matrix.allocate(arena, layers * rows, width) : null;
        swapH = Matrix.allocate(arena, layers * rows, width);
        swapC = lstm ? Matrix.allocate(arena, layers * rows, width) : null;
        ctx = Matrix.allocate(arena, rows, width);
        decIn = Matrix.allocate(arena, rows, embedding + (c0.peeky() ? width : 0));
        headIn = Matrix.allocate(arena, rows, c0.peeky() ? 2 * width : width);
        logits = Matrix.allocate(arena, rows, model.target.size());
    }

    /** Encodes sources (at most R; missing rows repeat the last source) and sets the decoder's start state. */
    private void start(List<int[]> sources) {
        int steps = 1;
        for (int[] s : sources) {
            steps = Math.max(steps, s.length);
        }
        if (steps > maxSource) {
            throw new IllegalArgumentException("a source of " + steps + " tokens is longer than this decoder's " + maxSource);
        }
        int[] ids = new int[steps * rows];
        lengths = new int[rows];
        for (int r = 0; r < rows; r++) {
            int[] s = sources.get(Math.min(r, sources.size() - 1));
            lengths[r] = s.length;
            for (int t = 0; t < s.length; t++) {
                ids[t * rows + r] = s[t];
            }
        }
        sourceSteps = steps;
        Matrix x = srcIn.sliceRows(0, steps * rows);
        m.sourceEmbedding.forward(ids, x);
        Matrix out = encoder.forward(x, lengths, false);
        encOut.sliceRows(0, steps * rows).copyFrom(out);
        encoder.finalStates(encH, encC);
        Seq2SeqBridge.toDecoder(encH, h, layers, dirs, rows, hidden);
        if (c != null) {
            Seq2SeqBridge.toDecoder(encC, c, layers, dirs, rows, hidden);
        }
        ctx.copyFrom(h.sliceRows((layers - 1) * rows, layers * rows));
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int batch() {
        return rows;
    }

    @Override
    public int steps() {
        return maxSource;
    }

    /** One decoder step for the given previous tokens (R); returns the logits, R×Vt. */
    @Override
    public Matrix step(int[] tokens) {
        Matrix emb = decIn.sliceCols(0, embedding);
        m.targetEmbedding.forward(tokens, emb);
        if (m.config.peeky()) {
            decIn.sliceCols(embedding, embedding + width).copyFrom(ctx);
        }
        Matrix out = decoder.forward(decIn, h, c, null, false);
        decoder.finalStates(h, c);
        Matrix feature = attention == null ? out : attention.forward(encOut.sliceRows(0, sourceSteps * rows), lengths, out);
        if (attentionRows != null && attention != null) {
            attentionRows.add(attention.weights(0).toArray());
        }
        headIn.sliceCols(0, width).copyFrom(feature);
        if (m.config.peeky()) {
            headIn.sliceCols(width, 2 * width).copyFrom(ctx);
        }
        m.head.forward(headIn, logits);
        return logits;
    }

    /**
     * Greedy outputs (without the end symbol) of up to R sources; with {@code attentionRows}, records
     * row 0's attention weights at every step.
     */
    List<int[]> greedy(List<int[]> sources, List<float[]> attentionRows) {
        start(sources);
        this.attentionRows = attentionRows;
        try {
            return SequenceDecoder.greedy(this, sources.size(), Seq2SeqModel.START, Seq2SeqModel.END, m.config.maxTargetLength());
        } finally {
            this.attentionRows = null;
        }
    }

    /** Beam search of width R for one source ({@link SequenceDecoder#beam}). */
    int[] beam(int[] source) {
        start(List.of(source));
        return SequenceDecoder.beam(this, Seq2SeqModel.START, Seq2SeqModel.END, m.config.maxTargetLength());
    }

    /** One sampled output for one source. */
    int[] sample(int[] source, Sampler sampler) {
        start(List.of(source));
        return SequenceDecoder.sample(this, sampler, Seq2SeqModel.START, Seq2SeqModel.END, m.config.maxTargetLength());
    }

    /** Row i of every state block becomes the former row parent[i], for i < kept. */
    @Override
    public void reorder(int[] parent, int kept) {
        StateRows.reorder(h, swapH, layers, rows, parent, kept);
        StateRows.reorder(c, swapC, layers, rows, parent, kept);
    }

    @Override
    public void close() {
        encoder.close();
        decoder.close();
        if (attention != null) {
            attention.close();
        }
        arena.close();
    }
}
