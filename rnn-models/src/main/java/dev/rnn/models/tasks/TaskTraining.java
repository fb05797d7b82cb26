package dev.rnn.models.tasks;

import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.TrainingTask;
import java.util.List;
import java.util.Map;

/**
 * What the task models' trainings share: the checks every constructor makes, the epoch's plan of
 * batches (shuffled, or shuffled and grouped by length), the seeds a step derives from the run's,
 * validation run in batches of B, and the metadata a resumed run must match: the model's, the batch,
 * the seed and a {@link DataFingerprint} of the data. Not thread-safe.
 */
abstract class TaskTraining implements TrainingTask {

    final int batch;
    final long seed;
    private final TaskModel model;
    private final ParameterSet parameters;
    private final String unit;
    private final String data;
    private final int examples;
    private int[] lengths;         // null: batches of the shuffled examples in turn
    private List<int[]> plan;

    /** Sums over the batches of a validation: loss times units, units, and units right. */
    static final class Tally {
        double lossSum;
        long units;
        long right;

        /** Adds a batch of {@code units} whose mean loss is {@code meanLoss}, {@code right} of them right. */
        void add(double meanLoss, long units, long right) {
            lossSum += meanLoss * units;
            this.units += units;
            this.right += right;
        }

        double meanLoss() {
            return lossSum / units;
        }

        double accuracy() {
            return (double) right / units;
        }
    }

    /** Scores validation examples [from, to), at most B of them. */
    interface ValidationBatch {
        void score(int from, int to, Tally tally);
    }

    /**
     * Checks that there are {@code examples} to train on and {@code validation} to validate with
     * ({@code what} they are: "sentences", "pairs"), and that B ≥ 1; {@code data} is the data's
     * fingerprint ({@link DataFingerprint#of}).
     */
    TaskTraining(TaskModel model, ParameterSet parameters, String unit, String what, int examples, int validation, int batch,
                 long seed, String data) {
        if (examples < 1 || validation < 1) {
            throw new IllegalArgumentException("training needs " + what + " to train on and to validate with, found " + examples
                    + " and " + validation);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be ≥ 1, found " + batch);
        }
        this.model = model;
        this.parameters = parameters;
        this.unit = unit;
        this.examples = examples;
        this.batch = batch;
        this.seed = seed;
        this.data = data;
    }

    /** Batches group examples of similar {@code lengths} (one per training example), so that a batch pads little. */
    final void batchByLength(int[] lengths) {
        this.lengths = lengths.clone();
    }

    @Override
    public final ParameterSet parameters() {
        return parameters;
    }

    @Override
    public int batchesPerEpoch() {
        return (examples + batch - 1) / batch;
    }

    @Override
    public final String unit() {
        return unit;
    }

    /** Plans the epoch's batches from a generator seeded by the run's seed and the epoch, then calls {@code epochStarted}. */
    @Override
    public void startEpoch(int epoch) {
        if (lengths != null) {
            plan = SequenceBatch.plan(lengths, batch, TrainingSeeds.random(seed, epoch));
        } else {
            int[] order = TrainingSeeds.shuffled(examples, seed, epoch);
            plan = new java.util.ArrayList<>();
            for (int from = 0; from < order.length; from += batch) {
                plan.add(java.util.Arrays.copyOfRange(order, from, Math.min(order.length, from + batch)));
            }
        }
        epochStarted(epoch);
    }

    /** Called after the epoch's batches are planned; nothing by default. */
    void epochStarted(int epoch) {
    }

    /** The training examples (indices) of batch {@code index} of the current epoch. */
    final int[] members(int index) {
        return plan.get(index);
    }

    /** The seed of a training step's dropout masks ({@code stream}: {@link TrainingSeeds#DROPOUT} or another). */
    final long stepSeed(long stream, long step) {
        return TrainingSeeds.seed(seed, stream, step);
    }

    /** Runs {@code part} over the {@code n} validation examples in batches of B, in order. */
    final Tally validateInBatches(int n, ValidationBatch part) {
        Tally tally = new Tally();
        for (int from = 0; from < n; from += batch) {
            part.score(from, Math.min(n, from + batch), tally);
        }
        return tally;
    }

    @Override
    public Map<String, String> metadata() {
        Map<String, String> m = ModelMetadata.withTraining(model.metadata(), batch, seed, data);
        putTrainingMetadata(m);
        return m;
    }

    /** Adds the task's own training settings a resumed run must share; none by default. */
    void putTrainingMetadata(Map<String, String> metadata) {
    }
}
