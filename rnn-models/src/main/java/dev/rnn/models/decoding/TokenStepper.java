package dev.rnn.models.decoding;

import dev.rnn.core.Matrix;

/**
 * A decoder that emits one token at a time over R rows (R sequences side by side, or R hypotheses of
 * one sequence), each row with its own recurrent state. What {@link SequenceDecoder} drives.
 */
public interface TokenStepper {

    /** Rows R. */
    int rows();

    /** Feeds tokens[r] (R entries) to row r and advances its state; returns the next-token logits, R×V. */
    Matrix step(int[] tokens);

    /** Row i's state becomes that of the former row parent[i], for {@code i < kept} (beam search's reordering). */
    void reorder(int[] parent, int kept);
}
