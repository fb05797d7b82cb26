package dev.rnn.models.layers;

/** How a bidirectional layer combines its two directions' outputs (each (T·B)×H). */
public enum MergeMode {
    /** [forward, backward], (T·B)×2H: PyTorch's layout for bidirectional=True. */
    CONCAT,
    /** forward + backward, (T·B)×H. */
    SUM,
    /** (forward + backward) / 2, (T·B)×H. */
    MEAN,
    /** forward ⊙ backward, (T·B)×H. */
    PRODUCT
}
