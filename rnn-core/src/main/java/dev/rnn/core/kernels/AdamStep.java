package dev.rnn.core.kernels;

/**
 * The scalars of one Adam or AdamW step (see {@link Kernels#adamUpdate}): β1, β2, ε, the learning
 * rate lr, the decoupled weight-decay factor {@code decay} = 1 − lr·λ (1 for plain Adam), and the bias
 * corrections {@code correction1} = 1 − β1ᵗ and {@code correction2} = 1 − β2ᵗ of step t. Immutable.
 */
public record AdamStep(float beta1, float beta2, float eps, float learningRate, float decay, float correction1,
                       float correction2) {
}
