package dev.rnn.models.training;

/** Training cannot go on: a non-finite loss or gradient, or a checkpoint that does not fit the run. One-line message. */
public final class TrainingException extends RuntimeException {

    public TrainingException(String message) {
        super(message);
    }
}
