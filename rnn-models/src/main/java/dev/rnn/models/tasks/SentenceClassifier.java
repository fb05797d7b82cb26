package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.layers.Dropout;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.text.WordTokenizer;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A sentence classifier (many-to-one): {@link WordTokenizer} tokens → word embedding beside
 * character n-gram features → (bi)directional recurrent stack → max and mean pooling over the
 * sentence's steps → dropout → linear layer → softmax over the labels.
 *
 * <p>Tensors: {@code words.weight} (V×Ew), {@code chars.weight} (buckets×Ec), {@code rnn.*} in
 * PyTorch's layout, {@code head.weight} (C×2D), {@code head.bias} [C], with D the stack's output
 * width. Vocabulary, labels and architecture are in the metadata.
 *
 * <p>Thread safety: inference ({@link #predict}, {@link #accuracy}) may run on any number of threads
 * at once on one model; each call borrows layers and buffers of its own, and a call of n inputs runs
 * at batch n (up to the model's batch size), never padded. Training changes the weights and must not
 * run beside it.
 *
 * <pre>{@code
 * try (SentenceClassifier c = SentenceClassifier.load(Kernels.preferred(), Path.of("sentiment.safetensors"))) {
 *     SentenceClassifier.Prediction p = c.predict("The food was great.");   // label "1", probability 0.97
 * }
 * }</pre>
 */
public final class SentenceClassifier extends WordSequenceModel<SentenceClassifier.Config, SentenceClassifier.Runner> implements TaskModel {

    public static final String TASK = "sentence-classifier";

    /** Architecture; {@code wordDropout} is α in α/(α + count) (see {@link WordFeatures}). */
    public record Config(CellKind cell, int wordDim, int charDim, int buckets, int hidden, int layers, boolean bidirectional,
                         double dropout, double wordDropout) implements WordConfig {
        public Config {
            WordConfig.check(wordDim, charDim, buckets, hidden, layers, dropout, wordDropout);
        }
    }

    /** A predicted label and its probability. */
    public record Prediction(String label, double probability) {
    }

    private final Vocabulary labels;

    private SentenceClassifier(Kernels kernels, Config config, Vocabulary words, Vocabulary labels, Arena arena, ParameterSet parameters) {
        if (labels.size() < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 labels, found " + labels.tokens());
        }
        super(TASK, kernels, config, arena, parameters, words, false, config.bidirectional(), true, labels.size());
        this.labels = labels;
    }

    /**
     * A new classifier for {@code examples}: their words (all of them, counted for word dropout) and
     * labels (sorted) make the vocabularies; weights are seeded.
     */
    public static SentenceClassifier create(Kernels kernels, Config config, List<LabelledSentence> examples, long seed) {
        return create(kernels, config, examples, seed, null);
    }

    /**
     * As {@link #create(Kernels, Config, List, long)}, with word vectors started from
     * {@code pretrained} (null for none), whose file also adds words to the vocabulary.
     */
    public static SentenceClassifier create(Kernels kernels, Config config, List<LabelledSentence> examples, long seed,
                                            PretrainedEmbeddings pretrained) {
        List<String> tokens = new ArrayList<>(), labelList = new ArrayList<>();
        for (LabelledSentence e : examples) {
            tokens.addAll(WordTokenizer.tokenize(e.text()));
            labelList.add(e.label());
        }
        Vocabulary labels = Vocabulary.build(List.of(), labelList, 1);
        return create(tokens, false, seed, pretrained, (words, arena, params) -> new SentenceClassifier(kernels, config, words, labels, arena, params));
    }

    /** The classifier saved in {@code file}. */
    public static SentenceClassifier load(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, false);
    }

    /**
     * The model saved in {@code file}, for inference only: no gradients, F32 tensors used in place from
     * the file's mapping. Training it is an {@link IllegalStateException}.
     */
    public static SentenceClassifier open(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, true);
    }

    private static SentenceClassifier read(Kernels kernels, Path file, boolean inference) throws SafetensorsException {
        return ModelMetadata.load(file, TASK, inference, (m, arena, params) -> fromMetadata(kernels, m, arena, params));
    }

    /** The model its file's metadata describes, after checking the tensors' shapes against it. */
    private static SentenceClassifier fromMetadata(Kernels kernels, ModelMetadata m, Arena arena, ParameterSet params)
            throws SafetensorsException {
        Config config = new Config(m.cell("cell"), m.integer("wordDim", 1), m.integer("charDim", 1), m.integer("buckets", 1),
            m.integer("hidden", 1), m.integer("layers", 1), m.flag("bidirectional"), m.decimal("dropout"),
            m.decimal("wordDropout"));
        Vocabulary words = m.vocabulary("words"), classes = m.vocabulary("labels");
        WordFeatures.requireTensors(m, words, config.cell(), config.wordDim(), config.buckets(), config.charDim(), config.hidden(),
                config.layers());
        m.requireTensor("head.weight", classes.size(), 2L * (config.bidirectional() ? 2 : 1) * config.hidden());
        return new SentenceClassifier(kernels, config, words, classes, arena, params);
    }

    /** The labels, in the order of the output layer's rows. */
    public Vocabulary labels() {
        return labels;
    }

    @Override
    public Map<String, String> metadata() {
        Map<String, String> m = taskMetadata();
        features.putMetadata(m, config.cell(), config.hidden(), config.layers(), config.dropout(), config.wordDropout());
        m.put("bidirectional", Boolean.toString(config.bidirectional()));
        m.put("labels", labels.toJson());
        return m;
    }

    /** A sentence's ids; a text without any token is an error. */
    WordFeatures.Encoded encode(String text) {
        List<String> tokens = WordTokenizer.tokenize(text);
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("the text '" + text + "' has no words to classify");
        }
        return features.encode(tokens);
    }

    /** The label id of {@code label}, or an error naming the labels this model knows. */
    int labelId(String label) {
        int id = labels.id(label);
        if (id < 0) {
            throw new IllegalArgumentException("label '" + label + "' is not one of the model's labels " + labels.tokens());
        }
        return id;
    }

    /** The most probable label of {@code text}. */
    public Prediction predict(String text) {
        return predict(List.of(text)).get(0);
    }

    /** The most probable label of each text, computed in batches. */
    public List<Prediction> predict(List<String> texts) {
        float[][] rows = probabilities(texts);
        List<Prediction> out = new ArrayList<>(rows.length);
        for (float[] p : rows) {
            int best = 0;
            for (int c = 1; c < p.length; c++) {
                if (p[c] > p[best]) {
                    best = c;
                }
            }
            out.add(new Prediction(labels.token(best), p[best]));
        }
        return out;
    }

    /** Every label with its probability for {@code text}, most probable first (ties in label order). */
    public List<Prediction> labelProbabilities(String text) {
        float[] p = probabilities(List.of(text))[0];
        List<Prediction> out = new ArrayList<>(p.length);
        for (int c = 0; c < p.length; c++) {
            out.add(new Prediction(labels.token(c), p[c]));
        }
        out.sort((a, b) -> Double.compare(b.probability(), a.probability()));
        return out;
    }

    /** Per text, the probability of every label (in label id order), computed in batches. */
    private float[][] probabilities(List<String> texts) {
        runners.checkOpen();
        List<WordFeatures.Encoded> enc = new ArrayList<>();
        for (String t : texts) {
            enc.add(encode(t));
        }
        float[][] out = new float[enc.size()][];
        inBatches(enc, (r, part, from) -> {
            Matrix probs = r.probabilities(part);
            for (int b = 0; b < part.size(); b++) {
                float[] row = new float[labels.size()];
                for (int c = 0; c < row.length; c++) {
                    row[c] = probs.get(b, c);
                }
                out[from + b] = row;
            }
        });
        return out;
    }

    /** Fraction of {@code examples} whose predicted label is theirs. */
    public double accuracy(List<LabelledSentence> examples) {
        List<String> texts = new ArrayList<>();
        for (LabelledSentence e : examples) {
            texts.add(e.text());
            labelId(e.label());
        }
        List<Prediction> p = predict(texts);
        int right = 0;
        for (int i = 0; i < p.size(); i++) {
            if (p.get(i).label().equals(examples.get(i).label())) {
                right++;
            }
        }
        return (double) right / examples.size();
    }

    @Override
    Runner newRunnerOf(int batch, int maxSteps) {
        return new Runner(batch, maxSteps);
    }

    /** Forward (and backward) over a batch of B sentences, pooled per sentence; one thread at a time. */
    final class Runner extends WordRunner {
        private final int width;
        private final Matrix pooled, droppedPool, logits, dLogits, dPooled, dOut;
        private final int[] argmax;
        private final Dropout poolDropout;
        private final SoftmaxCrossEntropy loss;

        Runner(int batch, int maxSteps) {
            super(kernels, SentenceClassifier.this, batch, maxSteps);
            width = stack.outputSize();
            pooled = Matrix.allocate(runArena, batch, 2 * width);
            droppedPool = Matrix.allocate(runArena, batch, 2 * width);
            logits = Matrix.allocate(runArena, batch, labels.size());
            dLogits = Matrix.allocate(runArena, batch, labels.size());
            dPooled = Matrix.allocate(runArena, batch, 2 * width);
            dOut = Matrix.allocate(runArena, batch * maxSteps, width);
            argmax = new int[batch * width];
            poolDropout = new Dropout(kernels, runArena, config.dropout(), batch, 2 * width);
            loss = new SoftmaxCrossEntropy(kernels, batch);
        }

        /**
         * Mean loss over the present sentences for {@code targets} (label ids, B entries, −1 for
         * absent slots); with {@code backward}, adds the gradients.
         */
        double run(List<WordFeatures.Encoded> sentences, int[] targets, boolean training, long seed, boolean backward,
                   double wordDropout) {
            SplittableRandom random = training ? new SplittableRandom(seed) : null;
            pool(encode(sentences, wordDropout, random));
            poolDropout.forward(pooled, droppedPool, training, training ? random : null);
            head.forward(droppedPool, logits);
            if (!backward) {
                return loss.loss(logits, targets);
            }
            double mean = loss.lossAndGradient(logits, targets, dLogits);
            head.backward(droppedPool, dLogits, dPooled);
            poolDropout.backward(dPooled, dPooled);
            Matrix d = dOut.sliceRows(0, layout.rows());
            unpool(d);
            encoder.backward(d);
            return mean;
        }

        /** The logits (B×C) of the last {@link #run}. */
        Matrix logits() {
            return logits;
        }

        /** Softmax probabilities (B×C) of the sentences, without dropout. */
        Matrix probabilities(List<WordFeatures.Encoded> sentences) {
            pool(encode(sentences, 0, null));
            head.forward(pooled, logits);
            kernels.softmax(logits, logits);
            return logits;
        }

        private void pool(Matrix out) {
            for (int b = 0; b < batch; b++) {
                int len = layout.lengths[b];
                for (int j = 0; j < width; j++) {
                    float max = Float.NEGATIVE_INFINITY, sum = 0;
                    int at = 0;
                    for (int t = 0; t < len; t++) {
                        float v = out.get(t * batch + b, j);
                        sum += v;
                        if (v > max) {
                            max = v;
                            at = t;
                        }
                    }
                    pooled.set(b, j, max);
                    pooled.set(b, width + j, sum / len);
                    argmax[b * width + j] = at;
                }
            }
        }

        private void unpool(Matrix d) {
            d.fill(0f);
            for (int b = 0; b < batch; b++) {
                int len = layout.lengths[b];
                for (int j = 0; j < width; j++) {
                    float mean = dPooled.get(b, width + j) / len;
                    for (int t = 0; t < len; t++) {
                        d.set(t * batch + b, j, mean);
                    }
                    int row = argmax[b * width + j] * batch + b;
                    d.set(row, j, d.get(row, j) + dPooled.get(b, j));
                }
            }
        }
    }
}
