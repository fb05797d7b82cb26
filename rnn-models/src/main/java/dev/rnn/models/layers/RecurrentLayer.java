package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.cells.CellStep;
import dev.rnn.core.cells.RecurrentCell;
import dev.rnn.core.cells.StepBuffers;
import dev.rnn.core.kernels.GemmOperand;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One recurrent layer over time-major sequences, with backpropagation through time.
 *
 * <p>Layouts: a sequence batch of T steps, B sequences and F features is a (T·B)×F matrix whose row
 * t·B + b holds step t of sequence b (PyTorch's default time-major layout, flattened). The input is
 * (T·B)×I, the output (T·B)×H, states are B×H.
 *
 * <p>Forward computes the input projection of all T·B rows in one GEMM, then per step one GEMM for
 * the recurrent projection and the cell's gate arithmetic. With per-sequence lengths, the steps past
 * a sequence's end leave its state unchanged and output zeros, as PyTorch's packed sequences do;
 * the input rows there are never used by forward, but must be finite because the weight gradient
 * multiplies them by zero.
 *
 * <p>An inference-only layer ({@link #inferenceOnly}) keeps nothing for backward: what a step saves
 * for it lives in one step's buffer, and no gradient buffer exists. Its LSTM computes each step's
 * gates in one product of [x_t | h_{t−1} | 1] with [W_ih | W_hh | b_ih + b_hh] instead of projecting
 * the whole input first: the (T·B)×4H projection, written and read back from memory beyond the
 * caches, and the pass adding the two projections are gone, for the price of reading W_ih from cache
 * at every step. Its RNN and GRU add the blocks of b_hh that are simply added (all of it, or r and z)
 * to the projection once instead of to every step's product. Its results differ from a training
 * layer's only in the rounding of those sums.
 *
 * <p>Every buffer for up to {@code maxSteps} steps of {@code batch} sequences is allocated once, in
 * an arena this layer owns ({@link #close()} frees it); forward and backward allocate only a few
 * views per call, nothing per step. Not thread-safe: one layer object per thread.
 */
public final class RecurrentLayer implements AutoCloseable {

    private final Kernels kernels;
    private final RecurrentCell cell;
    private final CellParameters params;
    private final int maxSteps;
    private final int batch;
    private final int hidden;
    private final Arena arena = Arena.ofShared();
    private final boolean inferenceOnly;

    private final Matrix xProj;    // (maxSteps·B)×G·H: input projections (null when the gates come from one product)
    private final Matrix hProj;    // B×G·H: the current step's recurrent projection, or its whole gates
    private final Matrix joint;    // B×(I + H + 1): [x_t | h_{t−1} | 1] for the one-product LSTM step, else null
    private final Matrix jointH;   // its h columns
    private final Matrix jointWeights; // G·H×(I + H + 1): [W_ih | W_hh | b_ih + b_hh], else null
    private final Matrix foldedBias;   // 1×G·H: b_ih plus the blocks of b_hh that are simply added (inference RNN, GRU)
    private final int foldedCols;      // how many leading columns of b_hh foldedBias holds (0 without it)
    private final Matrix stepBias;     // the rest of b_hh, added to each step's recurrent projection (null if none)
    private final Matrix stepBiased;   // the columns of hProj it is added to
    private final Matrix states;   // ((maxSteps+1)·B)×H: h_0 … h_T
    private final Matrix cells;    // ((maxSteps+1)·B)×H: c_0 … c_T (LSTM; inference keeps two blocks, c_t in t mod 2), else null
    private final Matrix output;   // (maxSteps·B)×H: the output when lengths mask some steps
    private final Matrix dxProj;   // (maxSteps·B)×G·H
    private final Matrix dhProj;   // (maxSteps·B)×G·H (GRU only; RNN and LSTM use dxProj, which equals it)
    private final Matrix dh;       // B×H: ∂loss/∂h of the current step
    private final Matrix dc;       // B×H: ∂loss/∂c of the current step (LSTM)
    private final Matrix dhPrev;   // B×H
    private final Matrix carry;    // 2·B×H: dh and dc of masked rows, carried past the step
    private final Matrix[] hViews; // h_t, B×H each
    private final Matrix[] dxViews; // rows of dxProj for step t
    private final Matrix[] dhViews; // rows of dhProj (GRU) or dxProj for step t: ∂loss/∂(recurrent projection)
    private GemmOperand recurrentT;  // W_hhᵀ prepared for the forward steps
    private GemmOperand recurrent;   // W_hh prepared for the backward steps
    private GemmOperand jointT;      // jointWeightsᵀ prepared for the one-product steps
    private final CellStep[] cellSteps;

    private Matrix input;
    private int lastSteps;
    private int[] lengths;

    /** A layer for training: forward keeps what {@link #backward} needs. */
    public RecurrentLayer(Kernels kernels, RecurrentCell cell, CellParameters params, int maxSteps, int batch) {
        this(kernels, cell, params, maxSteps, batch, false);
    }

    /**
     * A layer for training, or for inference only when {@code inferenceOnly}: then {@link #backward}
     * throws, and the layer allocates neither the activations nor the gradients backward would need
     * (of the cell states it keeps two steps'). An inference-only LSTM keeps instead a copy of
     * [W_ih | W_hh | b_ih + b_hh] (4H×(I + H + 1) floats), refreshed and packed at every forward.
     */
    public RecurrentLayer(Kernels kernels, RecurrentCell cell, CellParameters params, int maxSteps, int batch,
                          boolean inferenceOnly) {
        if (cell.kind() != params.kind() || cell.inputSize() != params.inputSize() || cell.hiddenSize() != params.hiddenSize()) {
            throw new IllegalArgumentException("parameters " + params.kind() + " " + params.inputSize() + "→" + params.hiddenSize()
                    + " do not fit cell " + cell.kind() + " " + cell.inputSize() + "→" + cell.hiddenSize());
        }
        if (maxSteps < 1 || batch < 1) {
            throw new IllegalArgumentException("maxSteps and batch must be ≥ 1, found " + maxSteps + " and " + batch);
        }
        this.kernels = kernels;
        this.cell = cell;
        this.params = params;
        this.maxSteps = maxSteps;
        this.batch = batch;
        this.hidden = cell.hiddenSize();
        this.inferenceOnly = inferenceOnly;
        int gh = cell.kind().gates() * hidden;
        boolean lstm = cell.kind().hasCellState();
        boolean gru = cell.kind() == dev.rnn.core.cells.CellKind.GRU;
        boolean oneProduct = inferenceOnly && lstm;
        int jointWidth = cell.inputSize() + hidden + (params.hasBias() ? 1 : 0);
        xProj = oneProduct ? null : Matrix.allocate(arena, maxSteps * batch, gh);
        hProj = Matrix.allocate(arena, batch, gh);
        joint = oneProduct ? Matrix.allocate(arena, batch, jointWidth) : null;
        jointH = oneProduct ? joint.sliceCols(cell.inputSize(), cell.inputSize() + hidden) : null;
        jointWeights = oneProduct ? Matrix.allocate(arena, gh, jointWidth) : null;
        // inference adds b_hh's simply added blocks once, with b_ih, to the projection instead of at every step:
        // all of it for RNN, r and z for GRU (the n block is multiplied by r)
        foldedCols = !inferenceOnly || oneProduct || !params.hasBias() ? 0 : gru ? 2 * hidden : gh;
        foldedBias = foldedCols > 0 ? Matrix.allocate(arena, 1, gh) : null;
        stepBias = params.hasBias() && foldedCols < gh ? params.biasHh().sliceCols(foldedCols, gh) : null;
        stepBiased = stepBias != null ? hProj.sliceCols(foldedCols, gh) : null;
        if (oneProduct && params.hasBias()) {
            joint.sliceCols(jointWidth - 1, jointWidth).fill(1f);
        }
        states = Matrix.allocate(arena, (maxSteps + 1) * batch, hidden);
        cells = lstm ? Matrix.allocate(arena, (inferenceOnly ? 2 : maxSteps + 1) * batch, hidden) : null;
        output = Matrix.allocate(arena, maxSteps * batch, hidden);
        // inference keeps one step's saved values, which stay in cache, and no gradient buffers
        Matrix saved = Matrix.allocate(arena, (inferenceOnly ? 1 : maxSteps) * batch, cell.savedWidth());
        dxProj = inferenceOnly ? null : Matrix.allocate(arena, maxSteps * batch, gh);
        dhProj = gru && !inferenceOnly ? Matrix.allocate(arena, maxSteps * batch, gh) : null;
        dh = inferenceOnly ? null : Matrix.allocate(arena, batch, hidden);
        dc = lstm && !inferenceOnly ? Matrix.allocate(arena, batch, hidden) : null;
        dhPrev = inferenceOnly ? null : Matrix.allocate(arena, batch, hidden);
        carry = inferenceOnly ? null : Matrix.allocate(arena, 2 * batch, hidden);
        Matrix scratch = Matrix.allocate(arena, batch, hidden);
        hViews = new Matrix[maxSteps + 1];
        for (int t = 0; t <= maxSteps; t++) {
            hViews[t] = states.sliceRows(t * batch, (t + 1) * batch);
        }
        dxViews = new Matrix[maxSteps];
        dhViews = new Matrix[maxSteps];
        cellSteps = new CellStep[maxSteps];
        for (int t = 0; t < maxSteps; t++) {
            Matrix rows = oneProduct ? hProj : xProj.sliceRows(t * batch, (t + 1) * batch);
            Matrix stepSaved = inferenceOnly ? saved : saved.sliceRows(t * batch, (t + 1) * batch);
            if (!inferenceOnly) {
                dxViews[t] = dxProj.sliceRows(t * batch, (t + 1) * batch);
                dhViews[t] = gru ? dhProj.sliceRows(t * batch, (t + 1) * batch) : dxViews[t];
            }
            cellSteps[t] = cell.bind(new StepBuffers(rows, oneProduct ? null : hProj, hViews[t],
                    lstm ? cellBlock(t) : null, stepSaved, hViews[t + 1], lstm ? cellBlock(t + 1) : null,
                    dh, dc, dxViews[t], dhViews[t], dhPrev, scratch));
        }
    }

    /** True when this layer runs forward only: {@link #backward} throws. */
    public boolean inferenceOnly() {
        return inferenceOnly;
    }

    private Matrix block(Matrix m, int t) {
        return m.sliceRows(t * batch, (t + 1) * batch);
    }

    /** Row of c_t's sequence b in {@link #cells}. */
    private int cellRow(int t, int b) {
        return (inferenceOnly ? t % 2 : t) * batch + b;
    }

    /** c_t of the whole batch, B×H, in {@link #cells}. */
    private Matrix cellBlock(int t) {
        int first = cellRow(t, 0);
        return cells.sliceRows(first, first + batch);
    }

    public RecurrentCell cell() {
        return cell;
    }

    public CellParameters parameters() {
        return params;
    }

    /**
     * Runs the layer over {@code input} ((T·B)×I, T ≤ maxSteps) from the initial states h0 and c0
     * (B×H each; null means zeros; c0 only for LSTM). {@code lengths} (B entries in 1..T, or null for
     * all T) masks each sequence's tail. Returns the output, (T·B)×H, valid until the next forward.
     * The input must stay unchanged until {@link #backward} has run.
     */
    public Matrix forward(Matrix input, Matrix h0, Matrix c0, int[] lengths) {
        checkInput(input);
        int t1 = input.rows() / batch;
        checkState("h0", h0);
        checkState("c0", c0);
        if (c0 != null && cells == null) {
            throw new IllegalArgumentException("c0 given for a " + cell.kind() + " layer, which has no cell state");
        }
        checkLengths(lengths, t1);
        this.input = input;
        this.lastSteps = t1;
        this.lengths = lengths;
        Kernels k = kernels;
        if (joint != null) {
            // packed once for all T steps instead of inside every step's product
            jointT = k.prepareGemmOperand(jointWeights(), true, jointT);
        } else {
            Matrix xp = xProj.sliceRows(0, t1 * batch);
            k.gemmTransB(input, params.weightIh(), xp, false);
            if (foldedBias != null) {
                foldedBias.copyFrom(params.biasIh());
                Matrix folded = foldedBias.sliceCols(0, foldedCols);
                k.add(folded, params.biasHh().sliceCols(0, foldedCols), folded);
                k.addRowVector(foldedBias, xp);
            } else if (params.hasBias()) {
                k.addRowVector(params.biasIh(), xp);
            }
            recurrentT = k.prepareGemmOperand(params.weightHh(), true, recurrentT);
        }
        setOrZero(hViews[0], h0);
        if (cells != null) {
            setOrZero(cellBlock(0), c0);
        }
        for (int t = 0; t < t1; t++) {
            if (joint != null) {
                for (int b = 0; b < batch; b++) {
                    copyRow(input, t * batch + b, joint, b);     // x_t into the leading columns
                }
                jointH.copyFrom(hViews[t]);
                k.gemm(joint, jointT, hProj, false);
            } else {
                k.gemm(hViews[t], recurrentT, hProj, false);
                if (stepBias != null) {
                    k.addRowVector(stepBias, stepBiased);
                }
            }
            cellSteps[t].forward(k);
            if (lengths != null) {
                for (int b = 0; b < batch; b++) {
                    if (t >= lengths[b]) {
                        copyRow(states, t * batch + b, states, (t + 1) * batch + b);
                        if (cells != null) {
                            copyRow(cells, cellRow(t, b), cells, cellRow(t + 1, b));
                        }
                    }
                }
            }
        }
        Matrix out = states.sliceRows(batch, (t1 + 1) * batch);
        if (lengths == null) {
            return out;
        }
        Matrix masked = output.sliceRows(0, t1 * batch);
        masked.copyFrom(out);
        for (int t = 0; t < t1; t++) {
            for (int b = 0; b < batch; b++) {
                if (t >= lengths[b]) {
                    zeroRow(masked, t * batch + b);
                }
            }
        }
        return masked;
    }

    /** [W_ih | W_hh | b_ih + b_hh], copied from the parameters, which may have changed since the last call. */
    private Matrix jointWeights() {
        int in = cell.inputSize();
        jointWeights.sliceCols(0, in).copyFrom(params.weightIh());
        jointWeights.sliceCols(in, in + hidden).copyFrom(params.weightHh());
        if (params.hasBias()) {
            Matrix bih = params.biasIh(), bhh = params.biasHh();
            for (int j = 0; j < jointWeights.rows(); j++) {
                jointWeights.set(j, in + hidden, bih.get(0, j) + bhh.get(0, j));
            }
        }
        return jointWeights;
    }

    /** h after the last step, B×H: each sequence's state at its own last valid step. */
    public Matrix finalHidden() {
        return hViews[lastSteps];
    }

    /** c after the last step (LSTM), B×H. */
    public Matrix finalCell() {
        if (cells == null) {
            throw new IllegalStateException(cell.kind() + " has no cell state");
        }
        return cellBlock(lastSteps);
    }

    /**
     * Backpropagation through all steps of the last forward. Given ∂loss/∂output ((T·B)×H, or null),
     * ∂loss/∂h_T and ∂loss/∂c_T (B×H, or null), adds the parameter gradients into {@code grads} and
     * writes ∂loss/∂input into {@code dInput} ((T·B)×I) unless it is null. Afterwards
     * {@link #initialHiddenGradient()} and {@link #initialCellGradient()} hold ∂loss/∂h0 and ∂loss/∂c0.
     */
    public void backward(Matrix dOutput, Matrix dhLast, Matrix dcLast, CellParameters grads, Matrix dInput) {
        backward(dOutput, dhLast, dcLast, grads, dInput, null);
    }

    /**
     * {@link #backward(Matrix, Matrix, Matrix, CellParameters, Matrix)} that also records ‖∂loss/∂h_k‖
     * (the Frobenius norm over the batch) for k = 0 … T into {@code hiddenGradientNorms} (T + 1
     * entries) unless it is null: how far back in time the gradient reaches.
     */
    public void backward(Matrix dOutput, Matrix dhLast, Matrix dcLast, CellParameters grads, Matrix dInput,
                         double[] hiddenGradientNorms) {
        backward(dOutput, dhLast, dcLast, grads, dInput, hiddenGradientNorms, Integer.MAX_VALUE);
    }

    /**
     * Backpropagation through at most the last {@code stepsBack} steps (truncated BPTT): outputs of
     * earlier steps get no gradient, and the gradient stops at the state before the first step taken;
     * {@link #initialHiddenGradient()} is then ∂loss/∂h at that state, not at h0.
     */
    public void backward(Matrix dOutput, Matrix dhLast, Matrix dcLast, CellParameters grads, Matrix dInput,
                         double[] hiddenGradientNorms, int stepsBack) {
        if (stepsBack < 1) {
            throw new IllegalArgumentException("stepsBack must be ≥ 1, found " + stepsBack);
        }
        requireGradients();
        if (input == null) {
            throw new IllegalStateException("backward before forward");
        }
        int t1 = lastSteps;
        if (dOutput != null && (dOutput.rows() != t1 * batch || dOutput.cols() != hidden)) {
            throw new IllegalArgumentException("dOutput must be " + (t1 * batch) + "×" + hidden + ", found " + dOutput.shape());
        }
        checkState("dhLast", dhLast);
        checkState("dcLast", dcLast);
        if (grads.kind() != params.kind() || grads.inputSize() != params.inputSize()
                || grads.hiddenSize() != params.hiddenSize() || grads.hasBias() != params.hasBias()) {
            throw new IllegalArgumentException("gradients do not have the parameters' kind, sizes and bias");
        }
        if (dInput != null && (dInput.rows() != input.rows() || dInput.cols() != input.cols())) {
            throw new IllegalArgumentException("dInput must be " + input.shape() + ", found " + dInput.shape());
        }
        Kernels k = kernels;
        setOrZero(dh, dhLast);
        if (dc != null) {
            setOrZero(dc, dcLast);
        }
        if (hiddenGradientNorms != null && hiddenGradientNorms.length != t1 + 1) {
            throw new IllegalArgumentException("hiddenGradientNorms needs " + (t1 + 1) + " entries, found "
                    + hiddenGradientNorms.length);
        }
        int first = stepsBack >= t1 ? 0 : t1 - stepsBack;
        if (first > 0) {
            // steps before the window contribute nothing to the weight gradients
            dxProj.sliceRows(0, first * batch).fill(0f);
        }
        recurrent = k.prepareGemmOperand(params.weightHh(), false, recurrent);
        for (int t = t1 - 1; t >= first; t--) {
            boolean anyMasked = false;
            if (lengths != null) {
                for (int b = 0; b < batch; b++) {
                    if (t >= lengths[b]) {
                        // the step did not touch this sequence: its gradients pass straight through
                        anyMasked = true;
                        copyRow(dh, b, carry, b);
                        if (dc != null) {
                            copyRow(dc, b, carry, batch + b);
                            zeroRow(dc, b);
                        }
                    }
                }
            }
            if (dOutput != null) {
                k.add(dh, dOutput.sliceRows(t * batch, (t + 1) * batch), dh);
            }
            if (hiddenGradientNorms != null) {
                hiddenGradientNorms[t + 1] = Math.sqrt(k.sumOfSquares(dh));
            }
            if (anyMasked) {
                for (int b = 0; b < batch; b++) {
                    if (t >= lengths[b]) {
                        zeroRow(dh, b); // the output there is the constant 0: its gradient is ignored
                    }
                }
            }
            cellSteps[t].backward(k);
            Matrix dHp = dhViews[t];
            if (anyMasked) {
                for (int b = 0; b < batch; b++) {
                    if (t >= lengths[b]) {
                        zeroRow(dxViews[t], b); // also keeps NaN from unused padding out of the sums
                        if (dhProj != null) {
                            zeroRow(dHp, b);
                        }
                        zeroRow(dhPrev, b);
                    }
                }
            }
            k.gemm(dHp, recurrent, dh, false);
            k.add(dh, dhPrev, dh);
            if (anyMasked) {
                for (int b = 0; b < batch; b++) {
                    if (t >= lengths[b]) {
                        copyRow(carry, b, dh, b);
                        if (dc != null) {
                            copyRow(carry, batch + b, dc, b);
                        }
                    }
                }
            }
        }
        if (hiddenGradientNorms != null) {
            hiddenGradientNorms[first] = Math.sqrt(k.sumOfSquares(dh));
        }
        // the recurrent weight gradient of every step in one product: Σ_t dHp_tᵀ·h_t over the window
        Matrix dHpAll = (dhProj != null ? dhProj : dxProj).sliceRows(first * batch, t1 * batch);
        k.gemmTransA(dHpAll, states.sliceRows(first * batch, t1 * batch), grads.weightHh(), true);
        if (grads.hasBias()) {
            k.sumRows(dHpAll, grads.biasHh(), true);
        }
        Matrix dxp = dxProj.sliceRows(0, t1 * batch);
        k.gemmTransA(dxp, input, grads.weightIh(), true);
        if (grads.hasBias()) {
            k.sumRows(dxp, grads.biasIh(), true);
        }
        if (dInput != null) {
            k.gemm(dxp, params.weightIh(), dInput, false);
        }
    }

    /** ∂loss/∂h0 after {@link #backward}, B×H. */
    public Matrix initialHiddenGradient() {
        requireGradients();
        return dh;
    }

    /** ∂loss/∂c0 after {@link #backward} (LSTM), B×H. */
    public Matrix initialCellGradient() {
        requireGradients();
        if (dc == null) {
            throw new IllegalStateException(cell.kind() + " has no cell state");
        }
        return dc;
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Throws, naming the reason, when this layer is inference-only. */
    void requireGradients() {
        if (inferenceOnly) {
            throw new IllegalStateException("an inference-only layer keeps no activations: it has no backward and no gradients");
        }
    }

    private void checkInput(Matrix in) {
        if (in.cols() != cell.inputSize() || in.rows() % batch != 0 || in.rows() == 0 || in.rows() / batch > maxSteps) {
            throw new IllegalArgumentException("input must be (T·" + batch + ")×" + cell.inputSize() + " with 1 ≤ T ≤ "
                    + maxSteps + ", found " + in.shape());
        }
    }

    private void checkState(String name, Matrix m) {
        if (m != null && (m.rows() != batch || m.cols() != hidden)) {
            throw new IllegalArgumentException(name + " must be " + batch + "×" + hidden + ", found " + m.shape());
        }
    }

    private void checkLengths(int[] len, int t1) {
        if (len == null) {
            return;
        }
        if (len.length != batch) {
            throw new IllegalArgumentException(len.length + " lengths for a batch of " + batch);
        }
        for (int b = 0; b < batch; b++) {
            if (len[b] < 1 || len[b] > t1) {
                throw new IllegalArgumentException("length " + len[b] + " of sequence " + b + " is outside 1.." + t1);
            }
        }
    }

    private static void setOrZero(Matrix target, Matrix value) {
        if (value == null) {
            target.fill(0f);
        } else {
            target.copyFrom(value);
        }
    }

    private static void copyRow(Matrix from, int fromRow, Matrix to, int toRow) {
        MemorySegment.copy(from.segment(), from.offset(fromRow, 0), to.segment(), to.offset(toRow, 0),
                (long) from.cols() * Float.BYTES);
    }

    private static void zeroRow(Matrix m, int row) {
        long off = m.offset(row, 0);
        for (int c = 0; c < m.cols(); c++) {
            m.segment().set(Matrix.FLOAT, off + (long) c * Float.BYTES, 0f);
        }
    }
}
