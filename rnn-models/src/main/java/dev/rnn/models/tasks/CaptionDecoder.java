package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.models.decoding.TokenStepper;
import dev.rnn.models.layers.MergeMode;
import dev.rnn.models.layers.StackedLayers;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * A {@link CaptionModel}'s decoder over R rows, one token at a time: R feature vectors side by side
 * (greedy), or R hypotheses of one (beam search). Holds the states and buffers. Not thread-safe: the
 * model lends each decoder to one call at a time.
 */
final class CaptionDecoder implements TokenStepper, RunnerPool.Lendable {

    static final int GREEDY_BATCH = 64;

    private final CaptionModel m;
    private final int rows, embedding, layers;
    private final Arena arena = Arena.ofShared();
    private final StackedLayers decoder;
    private final Matrix features, projected, h, c, swapH, swapC, stepIn, logits;

    CaptionDecoder(CaptionModel model, int rows) {
        this.m = model;
        this.rows = rows;
        CaptionModel.Config cfg = model.config;
        embedding = cfg.embedding();
        layers = cfg.layers();
        decoder = new StackedLayers(model.kernels, model.stack.params(), MergeMode.CONCAT, 0, false, 1, rows, 0);
        boolean lstm = cfg.cell().hasCellState();
        features = Matrix.allocate(arena, rows, cfg.features());
        projected = Matrix.allocate(arena, rows, layers * cfg.hidden());
        h = Matrix.allocate(arena, layers * rows, cfg.hidden());
        c = lstm ? Matrix.allocate(arena, layers * rows, cfg.hidden()) : null;
        swapH = Matrix.allocate(arena, layers * rows, cfg.hidden());
        swapC = lstm ? Matrix.allocate(arena, layers * rows, cfg.hidden()) : null;
        stepIn = Matrix.allocate(arena, rows, cfg.stepInput());
        logits = Matrix.allocate(arena, rows, model.words.size());
    }

    /** Sets the start states from up to R feature vectors (missing rows repeat the last). */
    void start(List<float[]> vectors) {
        if (vectors.isEmpty() || vectors.size() > rows) {
            throw new IllegalArgumentException("a decoder of " + rows + " rows starts from 1.." + rows + " feature vectors, found "
                    + vectors.size());
        }
        for (int r = 0; r < rows; r++) {
            features.row(r).copyFrom(vectors.get(Math.min(r, vectors.size() - 1)));
        }
        m.initialStates(features, projected, h);
        if (c != null) {
            c.fill(0f);
        }
        if (m.config.feedFeatures()) {
            stepIn.sliceCols(embedding, stepIn.cols()).copyFrom(features);
        }
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int batch() {
        return rows;
    }

    /** One: the decoder steps one token at a time. */
    @Override
    public int steps() {
        return 1;
    }

    @Override
    public Matrix step(int[] tokens) {
        m.embedding.forward(tokens, stepIn.sliceCols(0, embedding));
        Matrix out = decoder.forward(stepIn, h, c, null, false);
        decoder.finalStates(h, c);
        m.head.forward(out, logits);
        return logits;
    }

    @Override
    public void reorder(int[] parent, int kept) {
        StateRows.reorder(h, swapH, layers, rows, parent, kept);
        StateRows.reorder(c, swapC, layers, rows, parent, kept);
    }

    @Override
    public void close() {
        decoder.close();
        arena.close();
    }
}
