package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import java.util.List;
import java.util.Map;

/**
 * What {@link Trainer} needs from a model and its data: batches that fill gradients, a validation
 * measure, and what to save. Implementations own their buffers; none is thread-safe.
 */
public interface TrainingTask {

    /** Loss of one training batch and how many units (characters, tokens, sentences) it covered. */
    record BatchLoss(double loss, long units) {
    }

    /** Validation result: mean loss, and accuracy in [0, 1] or NaN when the task has none. */
    record Evaluation(double loss, double accuracy) {
        /** Larger is better: accuracy when there is one (ties broken by loss), else −loss. */
        public double score() {
            return Double.isNaN(accuracy) ? -loss : accuracy - 1e-9 * loss;
        }
    }

    /** The trainable parameters and their gradients, named as in the model file. */
    ParameterSet parameters();

    /** Batches in one pass over the training data. */
    int batchesPerEpoch();

    /** What a unit of {@link BatchLoss#units()} is, plural ("chars", "tokens", "sentences"). */
    String unit();

    /** Called before batch 0 of every epoch (epochs count from 0): shuffles with a generator seeded by the epoch. */
    void startEpoch(int epoch);

    /**
     * Forward and backward of batch {@code index} of the current epoch, adding into the gradients (the
     * trainer zeroes them first). {@code step}, the number of updates before this one, seeds dropout,
     * so a resumed run draws the same masks.
     */
    BatchLoss trainBatch(int index, long step);

    /** Loss and accuracy on the validation data, without dropout. */
    Evaluation evaluate();

    /** The model file's metadata: task, architecture, vocabularies, settings. */
    Map<String, String> metadata();

    /**
     * Whether the weights before training are worth keeping (a fitted start), so that a fresh run
     * validates them first and keeps them if no epoch does better; false by default.
     */
    default boolean validatesStart() {
        return false;
    }

    /**
     * Metadata that describes the weights just evaluated (a forecaster's validation error variances),
     * saved with them when they are the best so far; none by default.
     */
    default Map<String, String> evaluatedMetadata() {
        return Map.of();
    }

    /** State carried from batch to batch besides the parameters (a language model's hidden states), saved in checkpoints. */
    default List<Matrix> carriedState() {
        return List.of();
    }
}
