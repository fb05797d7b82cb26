package dev.rnn.models.streaming;

/** What {@link StreamSession#step} writes into the caller's buffer. */
public enum StepOutput {
    /** The last level's new hidden state (H values). */
    HIDDEN,
    /** The output layer's logits (V values); needs a model with an output layer. */
    LOGITS,
    /** softmax of the logits (V values, summing to 1); needs a model with an output layer. */
    PROBABILITIES
}
