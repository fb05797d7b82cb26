package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * N recurrent levels, each one-directional or bidirectional, as PyTorch's {@code num_layers}: level
 * l reads level l−1's output. During training, dropout with probability p is applied to every level's
 * input except the first (PyTorch's placement); a residual connection, when enabled, adds each
 * level's input to its output from the second level on, which needs equal sizes. Layouts are those of
 * {@link RecurrentLayer}. Dropout masks come from a seeded generator, so runs repeat. Not thread-safe.
 */
public final class StackedLayers implements AutoCloseable {

    /** One level: a layer over one direction (backwardParams null) or both. */
    public record Level(CellParameters forwardParams, CellParameters backwardParams) {
        public boolean bidirectional() {
            return backwardParams != null;
        }
    }

    private final Kernels kernels;
    private final List<Level> levels;
    private final List<Object> layers = new ArrayList<>();   // RecurrentLayer or BidirectionalLayer
    private final double dropout;
    private final boolean residual;
    private final int batch;
    private final boolean inferenceOnly;
    private long dropoutSeed;      // the masks are the draws of new SplittableRandom(dropoutSeed) …
    private long draws;            // … from this one on (see DropoutMasks)
    private final Arena arena = Arena.ofShared();
    private final Matrix[] masks;       // per level ≥ 1: the dropout mask, values 0 or 1/(1−p)
    private final Matrix[] dropped;     // per level ≥ 1: the masked input
    private final Matrix[] summed;      // per level ≥ 1 with residual: output + input
    private final Matrix[] dInputs;     // per level ≥ 1: ∂loss/∂(level input)
    private final int[] firstState;     // per level: index of its first direction in h0 / h_n; then the total
    private boolean lastTraining;
    private int steps;

    public StackedLayers(Kernels kernels, List<Level> levels, MergeMode merge, double dropout, boolean residual,
                         int maxSteps, int batch, long seed) {
        this(kernels, levels, merge, dropout, residual, maxSteps, batch, seed, false);
    }

    /**
     * A stack for inference only, with no dropout and no residual connections: it keeps no activations
     * and allocates no gradient buffers (see {@link RecurrentLayer}), and {@code backward} throws.
     */
    public static StackedLayers forInference(Kernels kernels, List<Level> levels, MergeMode merge, int maxSteps, int batch) {
        return new StackedLayers(kernels, levels, merge, 0, false, maxSteps, batch, 0, true);
    }

    private StackedLayers(Kernels kernels, List<Level> levels, MergeMode merge, double dropout, boolean residual,
                          int maxSteps, int batch, long seed, boolean inferenceOnly) {
        if (levels.isEmpty()) {
            throw new IllegalArgumentException("a stack needs at least one level");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), found " + dropout);
        }
        this.kernels = kernels;
        this.levels = List.copyOf(levels);
        this.dropout = dropout;
        this.residual = residual;
        this.batch = batch;
        this.inferenceOnly = inferenceOnly;
        this.dropoutSeed = seed;
        int n = levels.size(), rows = maxSteps * batch;
        masks = new Matrix[n];
        dropped = new Matrix[n];
        summed = new Matrix[n];
        dInputs = new Matrix[n];
        firstState = new int[n + 1];
        int previousOut = -1;
        for (int l = 0; l < n; l++) {
            Level level = levels.get(l);
            CellParameters f = level.forwardParams();
            if (l > 0 && f.inputSize() != previousOut) {
                throw new IllegalArgumentException("level " + l + " reads " + f.inputSize() + " features but level " + (l - 1)
                        + " outputs " + previousOut);
            }
            int out = level.bidirectional() && merge == MergeMode.CONCAT ? 2 * f.hiddenSize() : f.hiddenSize();
            if (l > 0 && residual && out != f.inputSize()) {
                throw new IllegalArgumentException("a residual connection at level " + l + " needs output size " + out
                        + " to equal input size " + f.inputSize());
            }
            layers.add(level.bidirectional()
                    ? new BidirectionalLayer(kernels, f, level.backwardParams(), merge, maxSteps, batch, inferenceOnly)
                    : new RecurrentLayer(kernels, f.kind().cell(f.inputSize(), f.hiddenSize()), f, maxSteps, batch, inferenceOnly));
            if (l > 0 && !inferenceOnly) {
                masks[l] = Matrix.allocate(arena, rows, f.inputSize());
                dropped[l] = Matrix.allocate(arena, rows, f.inputSize());
                dInputs[l] = Matrix.allocate(arena, rows, f.inputSize());
                if (residual) {
                    summed[l] = Matrix.allocate(arena, rows, out);
                }
            }
            previousOut = out;
            firstState[l + 1] = firstState[l] + (level.bidirectional() ? 2 : 1);
        }
    }

    /** Runs every level over input ((T·B)×I) from zero states; dropout only when {@code training}. */
    public Matrix forward(Matrix input, int[] lengths, boolean training) {
        return forward(input, null, null, lengths, training);
    }

    /**
     * Runs every level from the initial states h0 and c0, each (S·B)×H with S = levels·directions in
     * PyTorch's order (level by level, forward direction first; PyTorch's (S, B, H) tensor flattened),
     * or null for zeros; c0 only for LSTM. States need every level to have the same hidden size H.
     */
    public Matrix forward(Matrix input, Matrix h0, Matrix c0, int[] lengths, boolean training) {
        checkStates("h0", h0);
        checkStates("c0", c0);
        steps = input.rows() / batch;
        int rows = steps * batch;
        lastTraining = training && dropout > 0;
        Matrix x = input;
        for (int l = 0; l < levels.size(); l++) {
            if (l > 0 && lastTraining) {
                Matrix mask = masks[l].sliceRows(0, rows), in = dropped[l].sliceRows(0, rows);
                draws = DropoutMasks.fill(mask, dropoutSeed, draws, dropout);
                kernels.mul(x, mask, in);
                x = in;
            }
            int s0 = firstState[l];
            Matrix out = layers.get(l) instanceof BidirectionalLayer bi
                    ? bi.forward(x, stateBlock(h0, s0), stateBlock(c0, s0), stateBlock(h0, s0 + 1), stateBlock(c0, s0 + 1), lengths)
                    : ((RecurrentLayer) layers.get(l)).forward(x, stateBlock(h0, s0), stateBlock(c0, s0), lengths);
            if (l > 0 && residual) {
                Matrix sum = summed[l].sliceRows(0, rows);
                kernels.add(out, x, sum);
                out = sum;
            }
            x = out;
        }
        return x;
    }

    /** Restarts the dropout generator from {@code seed} (trainers reseed per step so a resumed run draws the same masks). */
    public void reseed(long seed) {
        dropoutSeed = seed;
        draws = 0;
    }

    /** S·B, the rows of h0, c0 and the final states: S = Σ directions over the levels. */
    public int stateRows() {
        return firstState[levels.size()] * batch;
    }

    /**
     * Copies the states after the last forward into hN (and cN for LSTM, unless null), each
     * (S·B)×H in the order of h0: PyTorch's h_n and c_n. A sequence's state is taken at its own last
     * valid step; the backward direction's at step 0.
     */
    public void finalStates(Matrix hN, Matrix cN) {
        checkStates("h_n", hN);
        checkStates("c_n", cN);
        for (int l = 0; l < layers.size(); l++) {
            int s0 = firstState[l];
            RecurrentLayer[] dirs = layers.get(l) instanceof BidirectionalLayer bi
                    ? new RecurrentLayer[] {bi.forwardLayer(), bi.backwardLayer()}
                    : new RecurrentLayer[] {(RecurrentLayer) layers.get(l)};
            for (int d = 0; d < dirs.length; d++) {
                stateBlock(hN, s0 + d).copyFrom(dirs[d].finalHidden());
                if (cN != null) {
                    stateBlock(cN, s0 + d).copyFrom(dirs[d].finalCell());
                }
            }
        }
    }

    private Matrix stateBlock(Matrix states, int index) {
        return states == null ? null : states.sliceRows(index * batch, (index + 1) * batch);
    }

    private void checkStates(String name, Matrix states) {
        if (states == null) {
            return;
        }
        int hidden = levels.get(0).forwardParams().hiddenSize();
        for (Level level : levels) {
            if (level.forwardParams().hiddenSize() != hidden) {
                throw new IllegalArgumentException(name + " needs every level to have the same hidden size");
            }
        }
        if (states.rows() != stateRows() || states.cols() != hidden) {
            throw new IllegalArgumentException(name + " must be " + stateRows() + "×" + hidden + " (levels·directions·batch × hidden), found "
                    + states.shape());
        }
        if ((name.startsWith("c") || name.startsWith("dc")) && !levels.get(0).forwardParams().kind().hasCellState()) {
            throw new IllegalArgumentException(name + " given for " + levels.get(0).forwardParams().kind()
                    + " levels, which have no cell state");
        }
    }

    /**
     * Backpropagation through every level: {@code grads} holds one gradient set per level in the
     * shape of {@link Level} (backward gradients null for one-directional levels); dInput ((T·B)×I) is
     * written unless null.
     */
    public void backward(Matrix dOutput, List<Level> grads, Matrix dInput) {
        backward(dOutput, null, null, grads, dInput);
    }

    /**
     * As {@link #backward(Matrix, List, Matrix)}, also given ∂loss/∂h_n and ∂loss/∂c_n ((S·B)×H in the
     * order of {@link #finalStates}, or null): the gradient of whatever used the final states. After it,
     * {@link #initialStateGradients} gives ∂loss/∂h0 and ∂loss/∂c0.
     */
    public void backward(Matrix dOutput, Matrix dhN, Matrix dcN, List<Level> grads, Matrix dInput) {
        backward(dOutput, dhN, dcN, grads, dInput, Integer.MAX_VALUE);
    }

    /**
     * As {@link #backward(Matrix, Matrix, Matrix, List, Matrix)} through at most the last
     * {@code stepsBack} steps of every level (truncated BPTT, see {@link RecurrentLayer}): outputs of
     * earlier steps are constants of the graph, and the gradient stops at the states before the first
     * step taken. Bidirectional levels take every step.
     */
    public void backward(Matrix dOutput, Matrix dhN, Matrix dcN, List<Level> grads, Matrix dInput, int stepsBack) {
        if (inferenceOnly) {
            throw new IllegalStateException("an inference-only stack keeps no activations: it has no backward and no gradients");
        }
        if (stepsBack < steps && anyBidirectional()) {
            throw new IllegalArgumentException("truncated backpropagation needs one-directional levels: a backward"
                    + " direction reads the future");
        }
        checkStates("dh_n", dhN);
        checkStates("dc_n", dcN);
        int rows = steps * batch;
        Matrix d = dOutput;
        for (int l = levels.size() - 1; l >= 0; l--) {
            Matrix dIn = l == 0 ? dInput : dInputs[l].sliceRows(0, rows);
            Level g = grads.get(l);
            int s0 = firstState[l];
            if (layers.get(l) instanceof BidirectionalLayer bi) {
                bi.backward(d, g.forwardParams(), g.backwardParams(), dIn, stateBlock(dhN, s0), stateBlock(dcN, s0),
                        stateBlock(dhN, s0 + 1), stateBlock(dcN, s0 + 1));
            } else {
                ((RecurrentLayer) layers.get(l)).backward(d, stateBlock(dhN, s0), stateBlock(dcN, s0), g.forwardParams(), dIn,
                        null, stepsBack);
            }
            if (l == 0) {
                break;
            }
            if (residual) {
                kernels.add(dIn, d, dIn);      // the input also reached the output directly
            }
            if (lastTraining) {
                kernels.mul(dIn, masks[l].sliceRows(0, rows), dIn);
            }
            d = dIn;
        }
    }

    /**
     * ∂loss/∂h0 and ∂loss/∂c0 (c only for LSTM; either may be null) after {@link #backward}, (S·B)×H in
     * the order of h0.
     */
    public void initialStateGradients(Matrix dh0, Matrix dc0) {
        checkStates("dh0", dh0);
        checkStates("dc0", dc0);
        for (int l = 0; l < layers.size(); l++) {
            int s0 = firstState[l];
            RecurrentLayer[] dirs = layers.get(l) instanceof BidirectionalLayer bi
                    ? new RecurrentLayer[] {bi.forwardLayer(), bi.backwardLayer()}
                    : new RecurrentLayer[] {(RecurrentLayer) layers.get(l)};
            for (int d = 0; d < dirs.length; d++) {
                if (dh0 != null) {
                    stateBlock(dh0, s0 + d).copyFrom(dirs[d].initialHiddenGradient());
                }
                if (dc0 != null) {
                    stateBlock(dc0, s0 + d).copyFrom(dirs[d].initialCellGradient());
                }
            }
        }
    }

    private boolean anyBidirectional() {
        for (Level level : levels) {
            if (level.bidirectional()) {
                return true;
            }
        }
        return false;
    }

    /** The dropout mask applied to level l's input in the last training forward (for tests). */
    Matrix lastMask(int level) {
        return masks[level].sliceRows(0, steps * batch);
    }

    @Override
    public void close() {
        for (Object layer : layers) {
            if (layer instanceof RecurrentLayer r) {
                r.close();
            } else if (layer instanceof BidirectionalLayer b) {
                b.close();
            }
        }
        arena.close();
    }
}
