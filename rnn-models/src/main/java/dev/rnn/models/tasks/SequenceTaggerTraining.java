package dev.rnn.models.tasks;

import dev.rnn.models.text.TaggedSentence;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains a {@link SequenceTagger}: shuffled, length-bucketed batches; validation loss and word accuracy.
 * The data fingerprint hashes each sentence's words, then its tags.
 */
public final class SequenceTaggerTraining extends TaskTraining {

    private final SequenceTagger model;
    private final List<WordFeatures.Encoded> train = new ArrayList<>();
    private final List<int[]> trainTags = new ArrayList<>();
    private final List<WordFeatures.Encoded> validation = new ArrayList<>();
    private final List<int[]> validationTags = new ArrayList<>();

    public SequenceTaggerTraining(SequenceTagger model, List<TaggedSentence> train, List<TaggedSentence> validation, int batch,
                                  long seed) {
        super(model, model.parameters(), "words", "sentences", train.size(), validation.size(), batch, seed,
                DataFingerprint.of(train, validation, (f, s) -> f.texts(s.words()).texts(s.tags())));
        this.model = model;
        encode(train, this.train, trainTags);
        encode(validation, this.validation, validationTags);
        batchByLength(WordFeatures.lengths(this.train));
        model.reserveRunner(batch, this.train, this.validation);
    }

    private void encode(List<TaggedSentence> sentences, List<WordFeatures.Encoded> words, List<int[]> tags) {
        for (TaggedSentence s : sentences) {
            words.add(model.encode(s.words()));
            tags.add(model.tagIds(s));
        }
    }

    @Override
    public BatchLoss trainBatch(int index, long step) {
        List<WordFeatures.Encoded> sentences = new ArrayList<>();
        List<int[]> gold = new ArrayList<>();
        long words = 0;
        for (int m : members(index)) {
            sentences.add(train.get(m));
            gold.add(trainTags.get(m));
            words += train.get(m).length();
        }
        double loss = model.runner(batch, sentences).run(sentences, gold, true, stepSeed(TrainingSeeds.DROPOUT, step), true,
                model.config().wordDropout());
        return new BatchLoss(loss, words);
    }

    @Override
    public Evaluation evaluate() {
        Tally t = validateInBatches(validation.size(), (from, to, tally) -> {
            List<WordFeatures.Encoded> part = validation.subList(from, to);
            long n = 0;
            for (WordFeatures.Encoded s : part) {
                n += s.length();
            }
            SequenceTagger.Runner r = model.runner(batch, part);
            double loss = r.run(part, validationTags.subList(from, to), false, 0, false, 0);
            tally.add(loss, n, r.correct());
        });
        return new Evaluation(t.meanLoss(), t.accuracy());
    }
}
