package dev.rnn.models.layers;

import static dev.rnn.models.TestMatrices.dot;
import static dev.rnn.models.TestMatrices.fill;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.Random;

/** A layer with random parameters, input and initial state, and a random linear loss on its results. */
final class LayerFixture implements AutoCloseable {

    final Arena arena = Arena.ofConfined();
    final CellKind kind;
    final int steps;
    final int batch;
    final int inputSize;
    final int hidden;
    final CellParameters params;
    final CellParameters grads;
    final Matrix input;
    final Matrix h0;
    final Matrix c0;
    final int[] lengths;
    final Matrix outWeights;   // loss = Σ output⊙outWeights + Σ h_T⊙hWeights + Σ c_T⊙cWeights
    final Matrix hWeights;
    final Matrix cWeights;
    final RecurrentLayer layer;

    LayerFixture(Kernels kernels, CellKind kind, int steps, int batch, int inputSize, int hidden, boolean bias,
                 boolean withLengths, long seed) {
        this.kind = kind;
        this.steps = steps;
        this.batch = batch;
        this.inputSize = inputSize;
        this.hidden = hidden;
        Random rnd = new Random(seed);
        params = CellParameters.allocate(arena, kind, inputSize, hidden, bias);
        for (Matrix m : params.tensors()) {
            fill(m, rnd, 0.6f);
        }
        grads = params.zerosLike(arena);
        input = fill(Matrix.allocate(arena, steps * batch, inputSize), rnd, 1f);
        h0 = fill(Matrix.allocate(arena, batch, hidden), rnd, 0.5f);
        c0 = kind.hasCellState() ? fill(Matrix.allocate(arena, batch, hidden), rnd, 0.5f) : null;
        if (withLengths) {
            lengths = new int[batch];
            for (int b = 0; b < batch; b++) {
                lengths[b] = b == 0 ? steps : 1 + rnd.nextInt(steps);
            }
        } else {
            lengths = null;
        }
        outWeights = fill(Matrix.allocate(arena, steps * batch, hidden), rnd, 1f);
        hWeights = fill(Matrix.allocate(arena, batch, hidden), rnd, 1f);
        cWeights = kind.hasCellState() ? fill(Matrix.allocate(arena, batch, hidden), rnd, 1f) : null;
        layer = new RecurrentLayer(kernels, kind.cell(inputSize, hidden), params, steps, batch);
    }

    /** The loss of a fresh forward pass, summed in double. */
    double loss() {
        Matrix out = layer.forward(input, h0, c0, lengths);
        double s = dot(out, outWeights) + dot(layer.finalHidden(), hWeights);
        if (cWeights != null) {
            s += dot(layer.finalCell(), cWeights);
        }
        return s;
    }

    /** Forward, then backward of the loss; gradients land in {@link #grads} and the returned ∂loss/∂input. */
    Matrix backward() {
        loss();
        grads.zero();
        Matrix dInput = Matrix.allocate(arena, steps * batch, inputSize);
        layer.backward(outWeights, hWeights, cWeights, grads, dInput);
        return dInput;
    }

    @Override
    public void close() {
        layer.close();
        arena.close();
    }
}
