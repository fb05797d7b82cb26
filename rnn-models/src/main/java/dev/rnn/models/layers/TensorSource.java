package dev.rnn.models.layers;

import dev.rnn.core.Matrix;

/**
 * Where a layer's parameters come from as it is built: for training, fresh zeroed tensors with
 * gradients of the same shape; for inference, a model file's tensors used in place, without
 * gradients. Each parameter is asked for once, under the name it has in the model file.
 */
public interface TensorSource {

    /**
     * Parameter {@code name}, rows×cols ({@code vector}: stored in files as a 1-D tensor of cols values,
     * rows being 1).
     */
    Matrix tensor(String name, int rows, int cols, boolean vector);

    /** The gradient of parameter {@code name}, same shape, or null when the parameters are for inference only. */
    Matrix gradient(String name);
}
