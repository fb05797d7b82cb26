package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.layers.Dropout;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A sequence tagger (aligned many-to-many): each word's lower-cased embedding beside character
 * n-gram features of its original spelling (affixes and shape, which carry case) → bidirectional
 * recurrent stack → dropout → linear layer → softmax over the tags, for every word.
 *
 * <p>Tensors: {@code words.weight}, {@code chars.weight}, {@code rnn.*} in PyTorch's layout,
 * {@code head.weight} (K×D), {@code head.bias} [K]. Vocabularies and architecture are in the metadata.
 *
 * <p>Thread safety: inference ({@link #tag}, {@link #tagAll}, {@link #accuracy}) may run on any number
 * of threads at once on one model; each call borrows layers and buffers of its own, and a call of n
 * inputs runs at batch n (up to the model's batch size), never padded. Training changes the weights
 * and must not run beside it.
 *
 * <pre>{@code
 * try (SequenceTagger t = SequenceTagger.load(Kernels.preferred(), Path.of("upos.safetensors"))) {
 *     List<String> tags = t.tag(List.of("The", "cat", "sat", "."));   // DET NOUN VERB PUNCT
 * }
 * }</pre>
 */
public final class SequenceTagger extends WordSequenceModel<SequenceTagger.Config, SequenceTagger.Runner> implements TaskModel {

    public static final String TASK = "sequence-tagger";

    /** Architecture; {@code wordDropout} is α in α/(α + count). The stack is always bidirectional. */
    public record Config(CellKind cell, int wordDim, int charDim, int buckets, int hidden, int layers, double dropout,
                         double wordDropout) implements WordConfig {
        public Config {
            WordConfig.check(wordDim, charDim, buckets, hidden, layers, dropout, wordDropout);
        }
    }

    private final Vocabulary tags;

    private SequenceTagger(Kernels kernels, Config config, Vocabulary words, Vocabulary tags, Arena arena, ParameterSet parameters) {
        if (tags.size() < 1) {
            throw new IllegalArgumentException("a tagger needs at least one tag");
        }
        super(TASK, kernels, config, arena, parameters, words, true, true, false, tags.size());
        this.tags = tags;
    }

    /** A new tagger whose vocabularies come from {@code sentences} (lower-cased words, counted; tags sorted). */
    public static SequenceTagger create(Kernels kernels, Config config, List<TaggedSentence> sentences, long seed) {
        return create(kernels, config, sentences, seed, null);
    }

    /**
     * As {@link #create(Kernels, Config, List, long)}, with word vectors started from
     * {@code pretrained} (null for none), whose file also adds (lower-cased) words to the vocabulary.
     */
    public static SequenceTagger create(Kernels kernels, Config config, List<TaggedSentence> sentences, long seed,
                                        PretrainedEmbeddings pretrained) {
        List<String> words = new ArrayList<>(), tagList = new ArrayList<>();
        for (TaggedSentence s : sentences) {
            for (String w : s.words()) {
                words.add(w.toLowerCase(Locale.ROOT));
            }
            tagList.addAll(s.tags());
        }
        Vocabulary tags = Vocabulary.build(List.of(), tagList, 1);
        return create(words, true, seed, pretrained, (vocabulary, arena, params) -> new SequenceTagger(kernels, config, vocabulary, tags, arena, params));
    }

    /** The tagger saved in {@code file}. */
    public static SequenceTagger load(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, false);
    }

    /**
     * The model saved in {@code file}, for inference only: no gradients, F32 tensors used in place from
     * the file's mapping. Training it is an {@link IllegalStateException}.
     */
    public static SequenceTagger open(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, true);
    }

    private static SequenceTagger read(Kernels kernels, Path file, boolean inference) throws SafetensorsException {
        return ModelMetadata.load(file, TASK, inference, (m, arena, params) -> fromMetadata(kernels, m, arena, params));
    }

    /** The model its file's metadata describes, after checking the tensors' shapes against it. */
    private static SequenceTagger fromMetadata(Kernels kernels, ModelMetadata m, Arena arena, ParameterSet params)
            throws SafetensorsException {
        Config config = new Config(m.cell("cell"), m.integer("wordDim", 1), m.integer("charDim", 1), m.integer("buckets", 1),
            m.integer("hidden", 1), m.integer("layers", 1), m.decimal("dropout"), m.decimal("wordDropout"));
        Vocabulary words = m.vocabulary("words"), classes = m.vocabulary("tags");
        WordFeatures.requireTensors(m, words, config.cell(), config.wordDim(), config.buckets(), config.charDim(), config.hidden(),
                config.layers());
        m.requireTensor("head.weight", classes.size(), 2L * config.hidden());
        return new SequenceTagger(kernels, config, words, classes, arena, params);
    }

    public Vocabulary tags() {
        return tags;
    }

    @Override
    public Map<String, String> metadata() {
        Map<String, String> m = taskMetadata();
        features.putMetadata(m, config.cell(), config.hidden(), config.layers(), config.dropout(), config.wordDropout());
        m.put("tags", tags.toJson());
        return m;
    }

    WordFeatures.Encoded encode(List<String> words) {
        if (words.isEmpty()) {
            throw new IllegalArgumentException("a sentence to tag needs at least one word");
        }
        return features.encode(words);
    }

    /** Tag ids of a sentence's tags; a tag the model does not know is an error naming it. */
    int[] tagIds(TaggedSentence s) {
        int[] ids = new int[s.tags().size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tags.id(s.tags().get(i));
            if (ids[i] < 0) {
                throw new IllegalArgumentException("tag '" + s.tags().get(i) + "' is not one of the model's tags " + tags.tokens());
            }
        }
        return ids;
    }

    /** The tags of one sentence's words. */
    public List<String> tag(List<String> words) {
        return tagAll(List.of(words)).get(0);
    }

    /** The tags of each sentence's words, computed in batches. */
    public List<List<String>> tagAll(List<List<String>> sentences) {
        runners.checkOpen();
        List<WordFeatures.Encoded> enc = new ArrayList<>();
        for (List<String> s : sentences) {
            enc.add(encode(s));
        }
        List<List<String>> out = new ArrayList<>();
        inBatches(enc, (r, part, from) -> {
            r.run(part, null, false, 0, false, 0);
            for (int b = 0; b < part.size(); b++) {
                List<String> t = new ArrayList<>();
                for (int i = 0; i < part.get(b).length(); i++) {
                    t.add(tags.token(r.best(i, b)));
                }
                out.add(t);
            }
        });
        return out;
    }

    /** Fraction of words tagged as in {@code sentences}. */
    public double accuracy(List<TaggedSentence> sentences) {
        List<List<String>> words = new ArrayList<>();
        long total = 0, right = 0;
        for (TaggedSentence s : sentences) {
            words.add(s.words());
        }
        List<List<String>> predicted = tagAll(words);
        for (int i = 0; i < sentences.size(); i++) {
            List<String> gold = sentences.get(i).tags();
            for (int j = 0; j < gold.size(); j++) {
                total++;
                if (gold.get(j).equals(predicted.get(i).get(j))) {
                    right++;
                }
            }
        }
        return (double) right / total;
    }

    @Override
    Runner newRunnerOf(int batch, int maxSteps) {
        return new Runner(batch, maxSteps);
    }

    /** Forward (and backward) over a batch of B sentences, tagged at every word; one thread at a time. */
    final class Runner extends WordRunner {
        private final Matrix dropped, logits, dLogits, dOut;
        private final Dropout outputDropout;
        private final SoftmaxCrossEntropy loss;
        private int[] targets = new int[0];

        Runner(int batch, int maxSteps) {
            super(kernels, SequenceTagger.this, batch, maxSteps);
            int rows = batch * maxSteps, width = stack.outputSize();
            dropped = Matrix.allocate(runArena, rows, width);
            logits = Matrix.allocate(runArena, rows, tags.size());
            dLogits = Matrix.allocate(runArena, rows, tags.size());
            dOut = Matrix.allocate(runArena, rows, width);
            outputDropout = new Dropout(kernels, runArena, config.dropout(), rows, width);
            loss = new SoftmaxCrossEntropy(kernels, rows);
        }

        /**
         * Runs the sentences; with {@code gold} (tag ids per sentence, or null) returns the mean loss
         * over their words and, with {@code backward}, adds the gradients. Returns NaN without gold.
         */
        double run(List<WordFeatures.Encoded> sentences, List<int[]> gold, boolean training, long seed, boolean backward,
                   double wordDropout) {
            SplittableRandom random = training ? new SplittableRandom(seed) : null;
            Matrix out = encode(sentences, wordDropout, random);
            int rows = layout.rows();
            Matrix drop = dropped.sliceRows(0, rows), lg = logits.sliceRows(0, rows);
            outputDropout.forward(out, drop, training, random);
            head.forward(drop, lg);
            if (gold == null) {
                return Double.NaN;
            }
            targets = new int[rows];
            java.util.Arrays.fill(targets, -1);
            for (int b = 0; b < gold.size(); b++) {
                for (int t = 0; t < gold.get(b).length; t++) {
                    targets[t * batch + b] = gold.get(b)[t];
                }
            }
            if (!backward) {
                return loss.loss(lg, targets);
            }
            Matrix dl = dLogits.sliceRows(0, rows), d = dOut.sliceRows(0, rows);
            double mean = loss.lossAndGradient(lg, targets, dl);
            head.backward(drop, dl, d);
            outputDropout.backward(d, d);
            encoder.backward(d);
            return mean;
        }

        /** The arg-max tag of word t of sentence b after the last run. */
        int best(int t, int b) {
            int row = t * batch + b, best = 0;
            for (int c = 1; c < tags.size(); c++) {
                if (logits.get(row, c) > logits.get(row, best)) {
                    best = c;
                }
            }
            return best;
        }

        /** Words whose arg-max tag matches the targets of the last run with gold tags. */
        int correct() {
            int right = 0;
            for (int row = 0; row < targets.length; row++) {
                if (targets[row] >= 0 && best(row / batch, row % batch) == targets[row]) {
                    right++;
                }
            }
            return right;
        }
    }
}
