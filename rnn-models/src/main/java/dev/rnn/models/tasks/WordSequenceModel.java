package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.DenseLayer;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Initializers;
import dev.rnn.models.training.ParameterSet;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the models over sentences of words ({@link SentenceClassifier}, {@link SequenceTagger}) share:
 * {@link WordFeatures} → recurrent stack ({@code rnn.*}) → linear layer ({@code head.*}); a new
 * model's vocabulary and initial weights (optionally from pretrained word vectors); runners over a
 * batch of B encoded sentences; and inference over sentences in batches of up to 32, each at as many
 * rows as sentences. Thread safety as {@link PooledTaskModel}.
 */
abstract class WordSequenceModel<C extends WordSequenceModel.WordConfig, R extends WordSequenceModel.WordRunner>
        extends PooledTaskModel<C, R> {

    /** The architecture both models' configurations state; {@code wordDropout} is α in α/(α + count). */
    interface WordConfig {
        CellKind cell();

        int wordDim();

        int charDim();

        int buckets();

        int hidden();

        int layers();

        double dropout();

        double wordDropout();

        /** The checks of a configuration's constructor. */
        static void check(int wordDim, int charDim, int buckets, int hidden, int layers, double dropout, double wordDropout) {
            if (wordDim < 1 || charDim < 1 || buckets < 1 || hidden < 1 || layers < 1) {
                throw new IllegalArgumentException("sizes must be ≥ 1: word " + wordDim + ", char " + charDim + ", buckets "
                        + buckets + ", hidden " + hidden + ", layers " + layers);
            }
            if (!(dropout >= 0 && dropout < 1) || !(wordDropout >= 0)) {
                throw new IllegalArgumentException("dropout must be in [0, 1) and word dropout ≥ 0, found " + dropout + " and " + wordDropout);
            }
        }
    }

    /** Makes the model for a new vocabulary of {@code words} in {@code arena}. */
    interface Maker<M> {
        M make(Vocabulary words, Arena arena, ParameterSet parameters);
    }

    /** What one batch of an inference call does with its runner: sentences [from, from + part.size()). */
    interface SentencesCall<R> {
        void run(R runner, List<WordFeatures.Encoded> part, int from);
    }

    /** Sentences run side by side at most. */
    private static final int PREDICT_BATCH = 32;

    final WordFeatures features;
    final RecurrentStack stack;
    final DenseLayer head;
    private PretrainedEmbeddings.Report pretrained;

    /**
     * The layers for {@code words} ({@code lowercase}: the words are lower-cased) and {@code outputs}
     * output rows; the head reads the stack's output at each step, or, {@code pooled}, its max and mean
     * over the steps side by side.
     */
    WordSequenceModel(String task, Kernels kernels, C config, Arena arena, ParameterSet parameters, Vocabulary words,
                      boolean lowercase, boolean bidirectional, boolean pooled, int outputs) {
        super(task, kernels, config, arena, parameters);
        features = new WordFeatures(parameters, words, lowercase, config.wordDim(), config.buckets(), config.charDim());
        stack = RecurrentStack.of(parameters, "rnn.", config.cell(), features.width(), config.hidden(), config.layers(), bidirectional);
        head = new DenseLayer(kernels, parameters, "head.", (pooled ? 2 : 1) * stack.outputSize(), outputs, true);
    }

    /**
     * A new model whose vocabulary is {@code tokens} (counted, for word dropout), extended with the
     * words of {@code pretrained}'s file when given (null for none), whose vectors start those words;
     * the other weights are seeded.
     */
    static <M extends WordSequenceModel<?, ?>> M create(List<String> tokens, boolean lowercase, long seed, PretrainedEmbeddings pretrained,
                                          Maker<M> maker) {
        Vocabulary trained = Vocabulary.build(WordFeatures.SPECIALS, tokens, 1);
        Vocabulary words = WordFeatures.vocabulary(trained, pretrained, lowercase);
        M model = ModelMetadata.allocate((arena, params) -> maker.make(words, arena, params));
        model.initialise(seed, pretrained, trained.size());
        return model;
    }

    /** Seeds the weights of a new model, then starts its word vectors from {@code pretrained} (null for none). */
    final void initialise(long seed, PretrainedEmbeddings pretrained, int trainedWords) {
        Initializers init = new Initializers(seed);
        features.initialise(init);
        stack.initialise(init);
        init.xavierUniform(head.weight());
        this.pretrained = features.startFrom(pretrained, trainedWords, parameters);
    }

    /** What starting from pretrained vectors did, or null when the model did not. */
    public final PretrainedEmbeddings.Report pretrainedReport() {
        return pretrained;
    }

    /** Writes the learned word vectors (all vocabulary words, lower-cased for a tagger) in the word2vec text format; returns how many. */
    public final int writeWordVectors(Path file) throws java.io.IOException {
        return features.writeWordVectors(file);
    }

    /** A runner for {@code batch} sentences of up to {@code maxSteps} words. */
    abstract R newRunnerOf(int batch, int maxSteps);

    @Override
    final R newRunner(int batch, int steps) {
        return newRunnerOf(batch, SequenceBatch.roundedSteps(steps));
    }

    @Override
    final R newTrainingRunner(int batch, int steps) {
        return newRunnerOf(batch, steps);
    }

    /** The training runner, for B sentences, that fits these (package use: the model's training, one thread). */
    final R runner(int batch, List<WordFeatures.Encoded> sentences) {
        return trainingRunner(batch, SequenceBatch.longest(sentences));
    }

    /** Makes the training runner fit every training and validation sentence before training starts. */
    final void reserveRunner(int batch, List<WordFeatures.Encoded> train, List<WordFeatures.Encoded> validation) {
        List<WordFeatures.Encoded> all = new ArrayList<>(train);
        all.addAll(validation);
        runner(batch, all);
    }

    /** Runs {@code call} over {@code sentences} in batches of up to 32, in order, each on a runner lent to it. */
    final void inBatches(List<WordFeatures.Encoded> sentences, SentencesCall<R> call) {
        runners.checkOpen();
        for (int from = 0; from < sentences.size(); from += PREDICT_BATCH) {
            List<WordFeatures.Encoded> part = sentences.subList(from, Math.min(sentences.size(), from + PREDICT_BATCH));
            int first = from;
            // a batch of as many rows as sentences: a padding row costs as much as a sentence
            withRunner(part.size(), SequenceBatch.longest(part), r -> {
                call.run(r, part, first);
                return null;
            });
        }
    }

    /** Forward (and backward) over a batch of B sentences; owns its layers and buffers, one thread at a time. */
    abstract static class WordRunner implements RunnerPool.Lendable {
        final int batch;
        final SequenceEncoder encoder;
        final Arena runArena = Arena.ofShared();
        final SequenceBatch layout;
        private final WordFeatures features;

        WordRunner(Kernels kernels, WordSequenceModel<?, ?> model, int batch, int maxSteps) {
            this.batch = batch;
            this.features = model.features;
            encoder = new SequenceEncoder(kernels, model.features, model.stack, model.config.dropout(), batch, maxSteps);
            layout = new SequenceBatch(batch);
        }

        @Override
        public final int batch() {
            return batch;
        }

        @Override
        public final int steps() {
            return encoder.maxSteps;
        }

        /**
         * Lays out the sentences (dropping words by {@code wordDropout} when training) and runs the
         * stack: training when {@code random} is given, which then seeds the word dropout and the
         * stack's masks. Returns the stack's output, one row per step and sentence (t·B + b).
         */
        final Matrix encode(List<WordFeatures.Encoded> sentences, double wordDropout, SplittableRandom random) {
            boolean training = random != null;
            layout.fill(sentences, features, wordDropout, random);
            return encoder.forward(layout, training, training ? random.nextLong() : 0);
        }

        @Override
        public final void close() {
            encoder.close();
            runArena.close();
        }
    }
}
