package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Two recurrent layers over the same sequences, one forward in time and one backward, each with its
 * own parameters, their outputs merged ({@link MergeMode}). The backward direction reads each
 * sequence from its own last valid step, as PyTorch's packed sequences do, so padding never reaches
 * it. Layouts are those of {@link RecurrentLayer}: (T·B)×F matrices, row t·B + b.
 *
 * <p>Final states: {@link #forwardLayer()} holds the forward direction's h_n (at each sequence's last
 * step) and {@link #backwardLayer()} the backward direction's (at step 0). Not thread-safe.
 */
public final class BidirectionalLayer implements AutoCloseable {

    private final Kernels kernels;
    private final RecurrentLayer forward;
    private final RecurrentLayer backward;
    private final MergeMode merge;
    private final int batch;
    private final int hidden;
    private final Arena arena = Arena.ofShared();

    private final Matrix reversedInput;   // (maxSteps·B)×I
    private final Matrix backwardOut;     // (maxSteps·B)×H, in forward time order
    private final Matrix merged;          // (maxSteps·B)×(2H or H)
    private final Matrix dForward;        // (maxSteps·B)×H
    private final Matrix dBackward;       // (maxSteps·B)×H, reversed
    private final Matrix dInputBackward;  // (maxSteps·B)×I, reversed
    private final Matrix dInputScratch;   // (maxSteps·B)×I

    private Matrix forwardOut;
    private int steps;
    private int[] lengths;

    public BidirectionalLayer(Kernels kernels, CellParameters forwardParams, CellParameters backwardParams,
                              MergeMode merge, int maxSteps, int batch) {
        this(kernels, forwardParams, backwardParams, merge, maxSteps, batch, false);
    }

    /** Both directions inference-only when {@code inferenceOnly} (see {@link RecurrentLayer}): backward then throws. */
    public BidirectionalLayer(Kernels kernels, CellParameters forwardParams, CellParameters backwardParams,
                              MergeMode merge, int maxSteps, int batch, boolean inferenceOnly) {
        if (forwardParams.kind() != backwardParams.kind() || forwardParams.inputSize() != backwardParams.inputSize()
                || forwardParams.hiddenSize() != backwardParams.hiddenSize()) {
            throw new IllegalArgumentException("the two directions need the same cell kind and sizes");
        }
        this.kernels = kernels;
        this.merge = merge;
        this.batch = batch;
        this.hidden = forwardParams.hiddenSize();
        int in = forwardParams.inputSize(), rows = maxSteps * batch;
        this.forward = new RecurrentLayer(kernels, forwardParams.kind().cell(in, hidden), forwardParams, maxSteps, batch,
                inferenceOnly);
        this.backward = new RecurrentLayer(kernels, backwardParams.kind().cell(in, hidden), backwardParams, maxSteps, batch,
                inferenceOnly);
        reversedInput = Matrix.allocate(arena, rows, in);
        backwardOut = Matrix.allocate(arena, rows, hidden);
        merged = Matrix.allocate(arena, rows, outputSize());
        dForward = inferenceOnly ? null : Matrix.allocate(arena, rows, hidden);
        dBackward = inferenceOnly ? null : Matrix.allocate(arena, rows, hidden);
        dInputBackward = inferenceOnly ? null : Matrix.allocate(arena, rows, in);
        dInputScratch = inferenceOnly ? null : Matrix.allocate(arena, rows, in);
    }

    /** 2H for CONCAT, otherwise H. */
    public int outputSize() {
        return merge == MergeMode.CONCAT ? 2 * hidden : hidden;
    }

    public RecurrentLayer forwardLayer() {
        return forward;
    }

    public RecurrentLayer backwardLayer() {
        return backward;
    }

    /**
     * Runs both directions over input ((T·B)×I) from zero states and returns the merged output,
     * (T·B)×outputSize(), zero past each sequence's length; valid until the next call.
     */
    public Matrix forward(Matrix input, int[] lengths) {
        return forward(input, null, null, null, null, lengths);
    }

    /**
     * As {@link #forward(Matrix, int[])} from given initial states (B×H each, null for zeros; c only
     * for LSTM). The backward direction starts from its state at each sequence's last valid step.
     */
    public Matrix forward(Matrix input, Matrix h0Forward, Matrix c0Forward, Matrix h0Backward, Matrix c0Backward,
                          int[] lengths) {
        int t1 = input.rows() / batch;
        forwardOut = forward.forward(input, h0Forward, c0Forward, lengths);
        reverse(input, reversedInput, t1, lengths);
        Matrix revOut = backward.forward(reversedInput.sliceRows(0, t1 * batch), h0Backward, c0Backward, lengths);
        Matrix bOut = backwardOut.sliceRows(0, t1 * batch);
        reverse(revOut, bOut, t1, lengths);
        this.steps = t1;
        this.lengths = lengths;
        Matrix out = merged.sliceRows(0, t1 * batch);
        switch (merge) {
            case CONCAT -> {
                out.sliceCols(0, hidden).copyFrom(forwardOut);
                out.sliceCols(hidden, 2 * hidden).copyFrom(bOut);
            }
            case SUM -> kernels.add(forwardOut, bOut, out);
            case MEAN -> {
                kernels.add(forwardOut, bOut, out);
                kernels.scale(0.5f, out, out);
            }
            case PRODUCT -> kernels.mul(forwardOut, bOut, out);
        }
        return out;
    }

    /**
     * Backpropagation through both directions for dOutput = ∂loss/∂output ((T·B)×outputSize()), adding
     * parameter gradients into the two gradient sets and writing ∂loss/∂input into dInput ((T·B)×I)
     * unless it is null.
     */
    public void backward(Matrix dOutput, CellParameters forwardGrads, CellParameters backwardGrads, Matrix dInput) {
        backward(dOutput, forwardGrads, backwardGrads, dInput, null, null, null, null);
    }

    /**
     * As {@link #backward(Matrix, CellParameters, CellParameters, Matrix)}, also given ∂loss/∂(final
     * state) of each direction (B×H each, null for none): the forward direction's at each sequence's
     * last valid step, the backward direction's at step 0, as {@link #forwardLayer()} and
     * {@link #backwardLayer()} report them. Each direction's layer then holds ∂loss/∂(its initial state).
     */
    public void backward(Matrix dOutput, CellParameters forwardGrads, CellParameters backwardGrads, Matrix dInput,
                         Matrix dhForward, Matrix dcForward, Matrix dhBackward, Matrix dcBackward) {
        forward.requireGradients();
        int t1 = steps, rows = t1 * batch;
        Matrix dF = dForward.sliceRows(0, rows), dB = dBackward.sliceRows(0, rows);
        Matrix bOut = backwardOut.sliceRows(0, rows);
        // dB holds ∂loss/∂(backward output) in forward time order; it is reversed below
        switch (merge) {
            case CONCAT -> {
                dF.copyFrom(dOutput.sliceCols(0, hidden));
                dB.copyFrom(dOutput.sliceCols(hidden, 2 * hidden));
            }
            case SUM -> {
                dF.copyFrom(dOutput);
                dB.copyFrom(dOutput);
            }
            case MEAN -> {
                kernels.scale(0.5f, dOutput, dF);
                kernels.scale(0.5f, dOutput, dB);
            }
            case PRODUCT -> {
                kernels.mul(dOutput, bOut, dF);
                kernels.mul(dOutput, forwardOut, dB);
            }
        }
        forward.backward(dF, dhForward, dcForward, forwardGrads, dInput);
        // dForward is free again: reverse dB into it and run the backward direction
        Matrix reversedD = dForward.sliceRows(0, rows);
        reverse(dB, reversedD, t1, lengths);
        Matrix dInRev = dInputBackward.sliceRows(0, rows);
        backward.backward(reversedD, dhBackward, dcBackward, backwardGrads, dInput == null ? null : dInRev);
        if (dInput != null) {
            Matrix dInFwd = dInputScratch.sliceRows(0, rows);
            reverse(dInRev, dInFwd, t1, lengths);
            kernels.add(dInput, dInFwd, dInput);
        }
    }

    /**
     * to[t, b] = from[len_b − 1 − t, b] for t &lt; len_b and 0 beyond (len_b = T without lengths). The
     * same map undoes itself.
     */
    private void reverse(Matrix from, Matrix to, int t1, int[] len) {
        long rowBytes = (long) from.cols() * Float.BYTES;
        for (int b = 0; b < batch; b++) {
            int n = len == null ? t1 : len[b];
            for (int t = 0; t < t1; t++) {
                long dst = to.offset(t * batch + b, 0);
                if (t < n) {
                    MemorySegment.copy(from.segment(), from.offset((n - 1 - t) * batch + b, 0), to.segment(), dst, rowBytes);
                } else {
                    for (int c = 0; c < to.cols(); c++) {
                        to.segment().set(Matrix.FLOAT, dst + (long) c * Float.BYTES, 0f);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        forward.close();
        backward.close();
        arena.close();
    }
}
