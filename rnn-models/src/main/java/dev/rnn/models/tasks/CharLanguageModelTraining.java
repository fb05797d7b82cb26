package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.models.training.TruncatedBptt;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link CharLanguageModel} as char-rnn does: the training text is cut into B equal
 * streams read side by side, each batch is the next {@code seqLen} characters of every stream, the
 * state carried from batch to batch (reset at each epoch), and gradients flow back through the
 * batch's steps only (truncated BPTT with k1 = seqLen and k2 = seqLen unless given less). Validation is
 * {@link CharLanguageModel#loss(int[])} on the held-out text. The data fingerprint hashes the
 * training text's character ids, then the validation text's.
 */
public final class CharLanguageModelTraining extends TaskTraining implements AutoCloseable {

    private final CharLanguageModel model;
    private final int[] train;
    private final int[] validation;
    private final int seqLen;
    private final int stepsBack;
    private final int streamLength;
    private final CharLanguageModel.Runner runner;
    private final int[] in;
    private final int[] target;

    /** {@code train} needs at least batch·seqLen + 1 characters; {@code validation} at least 2. */
    public CharLanguageModelTraining(CharLanguageModel model, int[] train, int[] validation, int batch, int seqLen, long seed) {
        this(model, train, validation, batch, TruncatedBptt.Lengths.of(seqLen), seed);
    }

    /** As above with batches of k1 steps, each back-propagated through its last k2. */
    public CharLanguageModelTraining(CharLanguageModel model, int[] train, int[] validation, int batch, TruncatedBptt.Lengths bptt,
                                     long seed) {
        int seqLen = bptt.k1();
        super(model, model.parameters(), "chars", "text", train.length, validation.length, batch, seed, train.length + "+"
                + validation.length + ":" + new DataFingerprint().ints(train).ints(validation).hex());
        if (batch < 1 || seqLen < 1) {
            throw new IllegalArgumentException("batch and sequence length must be ≥ 1, found " + batch + " and " + seqLen);
        }
        if (train.length < (long) batch * seqLen + 1) {
            throw new IllegalArgumentException("the training text has " + train.length + " characters; batch " + batch
                    + " × sequence length " + seqLen + " needs at least " + ((long) batch * seqLen + 1));
        }
        if (validation.length < 2) {
            throw new IllegalArgumentException("the validation text needs at least 2 characters, found " + validation.length);
        }
        this.model = model;
        this.train = train.clone();
        this.validation = validation.clone();
        this.seqLen = seqLen;
        this.stepsBack = bptt.k2();
        this.streamLength = (train.length - 1) / batch;
        this.runner = model.runner(batch, seqLen);
        this.in = new int[batch * seqLen];
        this.target = new int[batch * seqLen];
    }

    @Override
    public int batchesPerEpoch() {
        return streamLength / seqLen;
    }

    @Override
    public void startEpoch(int epoch) {
        runner.resetState();
    }

    @Override
    public BatchLoss trainBatch(int index, long step) {
        for (int t = 0; t < seqLen; t++) {
            for (int b = 0; b < batch; b++) {
                int pos = b * streamLength + index * seqLen + t;
                in[t * batch + b] = train[pos];
                target[t * batch + b] = train[pos + 1];
            }
        }
        double loss = runner.forward(in, target, seqLen, true, stepSeed(TrainingSeeds.ORDER, step), stepsBack);
        return new BatchLoss(loss, (long) batch * seqLen);
    }

    @Override
    public Evaluation evaluate() {
        return new Evaluation(model.loss(validation), Double.NaN);
    }

    @Override
    void putTrainingMetadata(Map<String, String> metadata) {
        metadata.put("training.seqLen", Integer.toString(seqLen));
        if (stepsBack < seqLen) {
            metadata.put("training.bpttBack", Integer.toString(stepsBack));   // absent when whole, as files made before it
        }
    }

    @Override
    public List<Matrix> carriedState() {
        return runner.state();
    }

    @Override
    public void close() {
        runner.close();
    }
}
