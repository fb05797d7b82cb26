package dev.rnn.models.tasks;

import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.TrainingTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Trains a {@link SequenceTagger}: shuffled, length-bucketed batches; validation loss and word accuracy. */
public final class SequenceTaggerTraining implements TrainingTask {

    private final SequenceTagger model;
    private final List<WordFeatures.Encoded> train = new ArrayList<>();
    private final List<int[]> trainTags = new ArrayList<>();
    private final List<WordFeatures.Encoded> validation = new ArrayList<>();
    private final List<int[]> validationTags = new ArrayList<>();
    private final int batch;
    private final long seed;
    private final int fingerprint;
    private List<int[]> plan;

    public SequenceTaggerTraining(SequenceTagger model, List<TaggedSentence> train, List<TaggedSentence> validation, int batch,
                                  long seed) {
        if (train.isEmpty() || validation.isEmpty()) {
            throw new IllegalArgumentException("training needs sentences to train on and to validate with, found " + train.size()
                    + " and " + validation.size());
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be ≥ 1, found " + batch);
        }
        this.model = model;
        this.batch = batch;
        this.seed = seed;
        for (TaggedSentence s : train) {
            this.train.add(model.encode(s.words()));
            trainTags.add(model.tagIds(s));
        }
        for (TaggedSentence s : validation) {
            this.validation.add(model.encode(s.words()));
            validationTags.add(model.tagIds(s));
        }
        this.fingerprint = 31 * train.hashCode() + validation.hashCode();
        List<WordFeatures.Encoded> all = new ArrayList<>(this.train);
        all.addAll(this.validation);
        model.runner(batch, all);
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
        return "words";
    }

    @Override
    public void startEpoch(int epoch) {
        plan = SequenceBatch.plan(train, batch, seed, epoch);
    }

    @Override
    public BatchLoss trainBatch(int index, long step) {
        int[] members = plan.get(index);
        List<WordFeatures.Encoded> sentences = new ArrayList<>();
        List<int[]> gold = new ArrayList<>();
        long words = 0;
        for (int m : members) {
            sentences.add(train.get(m));
            gold.add(trainTags.get(m));
            words += train.get(m).length();
        }
        double loss = model.runner(batch, sentences).run(sentences, gold, true, seed * 0xBF58476D1CE4E5B9L + step, true,
                model.config().wordDropout());
        return new BatchLoss(loss, words);
    }

    @Override
    public Evaluation evaluate() {
        double lossSum = 0;
        long words = 0, right = 0;
        for (int from = 0; from < validation.size(); from += batch) {
            int to = Math.min(validation.size(), from + batch);
            List<WordFeatures.Encoded> part = validation.subList(from, to);
            List<int[]> gold = validationTags.subList(from, to);
            long n = 0;
            for (WordFeatures.Encoded s : part) {
                n += s.length();
            }
            SequenceTagger.Runner r = model.runner(batch, part);
            lossSum += r.run(part, gold, false, 0, false, 0) * n;
            right += r.correct();
            words += n;
        }
        return new Evaluation(lossSum / words, (double) right / words);
    }

    @Override
    public Map<String, String> metadata() {
        return ModelMetadata.withTraining(model.metadata(), batch, seed, train.size() + "+" + validation.size() + ":"
                + Integer.toHexString(fingerprint));
    }
}
