package dev.rnn.models.tasks;

import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.training.SoftmaxCrossEntropy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trains a {@link SentenceClassifier}: shuffled, length-bucketed batches; validation loss and accuracy.
 * The data fingerprint hashes each example's text, then its label.
 */
public final class SentenceClassifierTraining extends TaskTraining {

    private final SentenceClassifier model;
    private final List<WordFeatures.Encoded> train = new ArrayList<>();
    private final int[] trainLabels;
    private final List<WordFeatures.Encoded> validation = new ArrayList<>();
    private final int[] validationLabels;

    public SentenceClassifierTraining(SentenceClassifier model, List<LabelledSentence> train, List<LabelledSentence> validation,
                                      int batch, long seed) {
        super(model, model.parameters(), "sentences", "examples", train.size(), validation.size(), batch, seed,
                DataFingerprint.of(train, validation, (f, e) -> f.text(e.text()).text(e.label())));
        this.model = model;
        this.trainLabels = encode(train, this.train);
        this.validationLabels = encode(validation, this.validation);
        batchByLength(WordFeatures.lengths(this.train));
        model.reserveRunner(batch, this.train, this.validation);
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
    public BatchLoss trainBatch(int index, long step) {
        int[] members = members(index);
        List<WordFeatures.Encoded> sentences = new ArrayList<>();
        int[] targets = new int[batch];
        Arrays.fill(targets, -1);
        for (int i = 0; i < members.length; i++) {
            sentences.add(train.get(members[i]));
            targets[i] = trainLabels[members[i]];
        }
        double loss = model.runner(batch, sentences).run(sentences, targets, true, stepSeed(TrainingSeeds.DROPOUT, step), true,
                model.config().wordDropout());
        return new BatchLoss(loss, members.length);
    }

    @Override
    public Evaluation evaluate() {
        Tally t = validateInBatches(validation.size(), (from, to, tally) -> {
            List<WordFeatures.Encoded> part = validation.subList(from, to);
            int[] targets = new int[batch];
            Arrays.fill(targets, -1);
            System.arraycopy(validationLabels, from, targets, 0, to - from);
            SentenceClassifier.Runner r = model.runner(batch, part);
            double loss = r.run(part, targets, false, 0, false, 0);
            tally.add(loss, to - from, Math.round(SoftmaxCrossEntropy.accuracy(r.logits(), targets) * (to - from)));
        });
        return new Evaluation(t.meanLoss(), t.accuracy());
    }
}
