package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.Dropout;
import dev.rnn.models.layers.MergeMode;
import dev.rnn.models.layers.StackedLayers;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Token features → dropout → recurrent stack, over a {@link SequenceBatch} of B sentences of up to
 * {@code maxSteps} words, with backward. The output is (T·B)×D, zero past each sentence's end.
 * Buffers are allocated once; not thread-safe.
 */
final class SequenceEncoder implements AutoCloseable {

    private final WordFeatures features;
    private final RecurrentStack stack;
    private final Arena arena = Arena.ofShared();
    private final StackedLayers layers;
    private final Dropout inputDropout;
    private final Matrix input, dropped, dInput;
    final int batch;
    final int maxSteps;
    private int[] lastWords, lastGrams;

    SequenceEncoder(Kernels kernels, WordFeatures features, RecurrentStack stack, double dropout, int batch, int maxSteps) {
        this.features = features;
        this.stack = stack;
        this.batch = batch;
        this.maxSteps = maxSteps;
        int rows = batch * maxSteps;
        layers = new StackedLayers(kernels, stack.params(), MergeMode.CONCAT, dropout, false, maxSteps, batch, 0);
        inputDropout = new Dropout(kernels, arena, dropout, rows, features.width());
        input = Matrix.allocate(arena, rows, features.width());
        dropped = Matrix.allocate(arena, rows, features.width());
        dInput = Matrix.allocate(arena, rows, features.width());
    }

    /** Runs over the batch; dropout (seeded by {@code seed}) only when training. */
    Matrix forward(SequenceBatch b, boolean training, long seed) {
        if (b.batch != batch || b.steps > maxSteps) {
            throw new IllegalArgumentException("batch of " + b.batch + "×" + b.steps + " does not fit an encoder for "
                    + batch + "×" + maxSteps);
        }
        int rows = b.rows();
        lastWords = b.wordIds();
        lastGrams = b.gramIds();
        Matrix in = input.sliceRows(0, rows), drop = dropped.sliceRows(0, rows);
        features.forward(lastWords, lastGrams, in);
        SplittableRandom random = new SplittableRandom(seed);
        inputDropout.forward(in, drop, training, random);
        if (training) {
            layers.reseed(random.nextLong());
        }
        return layers.forward(drop, b.lengths.clone(), training);
    }

    /** Backward from dOutput ((T·B)×D) into the stack's and the features' gradients. */
    void backward(Matrix dOutput) {
        Matrix d = dInput.sliceRows(0, dOutput.rows());
        layers.backward(dOutput, stack.grads(), d);
        inputDropout.backward(d, d);
        features.backward(lastWords, lastGrams, d);
    }

    @Override
    public void close() {
        layers.close();
        arena.close();
    }
}
