package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * A fully connected layer in PyTorch's {@code nn.Linear} layout: y (N×out) = x (N×in) · Wᵀ + b, with
 * {@code weight} out×in and {@code bias} 1×out (optional). Parameters and their gradients live in the
 * arena given at construction.
 */
public final class DenseLayer {

    private final Kernels kernels;
    private final Matrix weight;
    private final Matrix bias;
    private final Matrix weightGrad;
    private final Matrix biasGrad;

    public DenseLayer(Kernels kernels, Arena arena, int in, int out, boolean bias) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("dense layer sizes must be ≥ 1, found " + in + "→" + out);
        }
        this.kernels = kernels;
        this.weight = Matrix.allocate(arena, out, in);
        this.weightGrad = Matrix.allocate(arena, out, in);
        this.bias = bias ? Matrix.vector(arena, out) : null;
        this.biasGrad = bias ? Matrix.vector(arena, out) : null;
    }

    /**
     * A layer whose parameters come from {@code source} under {@code prefix + "weight"} (out×in) and
     * {@code prefix + "bias"} ([out]), with gradients if the source has them.
     */
    public DenseLayer(Kernels kernels, TensorSource source, String prefix, int in, int out, boolean bias) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("dense layer sizes must be ≥ 1, found " + in + "→" + out);
        }
        this.kernels = kernels;
        this.weight = source.tensor(prefix + "weight", out, in, false);
        this.weightGrad = source.gradient(prefix + "weight");
        this.bias = bias ? source.tensor(prefix + "bias", 1, out, true) : null;
        this.biasGrad = bias ? source.gradient(prefix + "bias") : null;
    }

    /** out×in. */
    public Matrix weight() {
        return weight;
    }

    /** 1×out, or null. */
    public Matrix bias() {
        return bias;
    }

    /** The parameters, weight first. */
    public List<Matrix> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }

    /** Their gradients, in the same order ({@link #backward} adds into them); IllegalStateException for an inference-only layer. */
    public List<Matrix> gradients() {
        if (weightGrad == null) {
            throw new IllegalStateException("this dense layer is for inference only: it has no gradients");
        }
        return biasGrad == null ? List.of(weightGrad) : List.of(weightGrad, biasGrad);
    }

    /** y = x·Wᵀ + b; x is N×in, y is N×out. */
    public void forward(Matrix x, Matrix y) {
        kernels.gemmTransB(x, weight, y, false);
        if (bias != null) {
            kernels.addRowVector(bias, y);
        }
    }

    /** Adds ∂loss/∂W and ∂loss/∂b for dy = ∂loss/∂y (N×out) and writes ∂loss/∂x into dx (N×in) unless null. */
    public void backward(Matrix x, Matrix dy, Matrix dx) {
        if (weightGrad == null) {
            throw new IllegalStateException("this dense layer is for inference only: it has no gradients");
        }
        kernels.gemmTransA(dy, x, weightGrad, true);
        if (biasGrad != null) {
            kernels.sumRows(dy, biasGrad, true);
        }
        if (dx != null) {
            kernels.gemm(dy, weight, dx, false);
        }
    }
}
