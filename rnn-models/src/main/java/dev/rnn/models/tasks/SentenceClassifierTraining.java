package dev.rnn.models.tasks;

import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.SoftmaxCrossEntropy;
import dev.rnn.models.training.TrainingTask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Trains a {@link SentenceClassifier}: shuffled, length-bucketed batches; validation loss and accuracy. */
public final class SentenceClassifierTraining implements TrainingTask {

    private final SentenceClassifier model;
    private final List<WordFeatures.Encoded> train = new ArrayList<>();
    private final int[] trainLabels;
    private final List<WordFeatures.Encoded> validation = new ArrayList<>();
    private final int[] validationLabels;
    private final int batch;
    private final long seed;
    private final int fingerprint;
    private List<int[]> plan;

    public SentenceClassifierTraining(SentenceClassifier model, List<LabelledSentence> train, List<LabelledSentence> validation,
                                      int batch, long seed) {
        if (train.isEmpty() || validation.isEmpty()) {
            throw new IllegalArgumentException("training needs examples to train on and to validate with, found " + train.size()
                    + " and " + validation.size());
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be ≥ 1, found " + batch);
        }
        this.model = model;
        this.batch = batch;
        this.seed = seed;
        this.trainLabels = encode(train, this.train);
        this.validationLabels = encode(validation, this.validation);
        this.fingerprint = 31 * train.hashCode() + validation.hashCode();
        List<WordFeatures.Encoded> all = new ArrayList<>(this.train);
        all.addAll(this.validation);
        model.runner(batch, all);
    }

    private int[] encode(List<LabelledSentence> examples, List<WordFeatures.Encoded> into) {
        int[] labels = new int[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            into.add(model.encode(examples.get(i).text()));
            labels[i] = model.labelId(examples.get(i).label());
        }
        return labels;
    }

    @Override
    public ParameterSet parameters() {
        return model.parameters();
    }

    @Override
    public int batchesPerEpoch() {
        return (train.size() + batch - 1) / batch;
    }

    @Override
    public String unit() {
        return "sentences";
    }

    @Override
    public void startEpoch(int epoch) {
        plan = SequenceBatch.plan(train, batch, seed, epoch);
    }

    @Override
    public BatchLoss trainBatch(int index, long step) {
        int[] members = plan.get(index);
        List<WordFeatures.Encoded> sentences = new ArrayList<>();
        int[] targets = new int[batch];
        Arrays.fill(targets, -1);
        for (int i = 0; i < members.length; i++) {
            sentences.add(train.get(members[i]));
            targets[i] = trainLabels[members[i]];
        }
        double loss = model.runner(batch, sentences).run(sentences, targets, true, seed * 0xBF58476D1CE4E5B9L + step, true,
                model.config().wordDropout());
        return new BatchLoss(loss, members.length);
    }

    @Override
    public Evaluation evaluate() {
        return evaluate(model, validation, validationLabels, batch);
    }

    static Evaluation evaluate(SentenceClassifier model, List<WordFeatures.Encoded> sentences, int[] labels, int batch) {
        double lossSum = 0;
        int right = 0;
        for (int from = 0; from < sentences.size(); from += batch) {
            int to = Math.min(sentences.size(), from + batch);
            List<WordFeatures.Encoded> part = sentences.subList(from, to);
            int[] targets = new int[batch];
            Arrays.fill(targets, -1);
            System.arraycopy(labels, from, targets, 0, to - from);
            SentenceClassifier.Runner r = model.runner(batch, part);
            lossSum += r.run(part, targets, false, 0, false, 0) * (to - from);
            right += Math.round(SoftmaxCrossEntropy.accuracy(r.logits(), targets) * (to - from));
        }
        return new Evaluation(lossSum / sentences.size(), (double) right / sentences.size());
    }

    @Override
    public Map<String, String> metadata() {
        return ModelMetadata.withTraining(model.metadata(), batch, seed, train.size() + "+" + validation.size() + ":"
                + Integer.toHexString(fingerprint));
    }
}
