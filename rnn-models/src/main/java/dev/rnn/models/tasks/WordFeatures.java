package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.models.layers.Embedding;
import dev.rnn.models.text.CharNgrams;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Initializers;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.layers.TensorSource;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A token's input vector: its word embedding (id 0 is padding, 1 the unknown word) beside the mean
 * of the embeddings of its character n-gram ids ({@link CharNgrams}), which gives words never seen
 * in training a vector from their spelling. Width: wordDim + charDim.
 *
 * <p>In training, a word seen c times is replaced by the unknown word with probability α/(α + c)
 * (word dropout, α = {@code wordDropout}), so the unknown vector is learned from rare words.
 */
final class WordFeatures {

    static final int PAD = 0;
    static final int UNKNOWN = 1;
    static final List<String> SPECIALS = List.of("<pad>", "<unk>");

    private final Vocabulary words;
    private final boolean lowercase;
    private final int buckets;
    private final Embedding wordTable;
    private final Embedding charTable;
    private final int wordDim;
    private final int charDim;

    WordFeatures(TensorSource parameters, Vocabulary words, boolean lowercase, int wordDim, int buckets, int charDim) {
        if (words.size() < SPECIALS.size() || !words.token(PAD).equals(SPECIALS.get(0)) || !words.token(UNKNOWN).equals(SPECIALS.get(1))) {
            throw new IllegalArgumentException("a word vocabulary must start with " + SPECIALS);
        }
        if (buckets < 1) {
            throw new IllegalArgumentException("character n-gram buckets must be ≥ 1, found " + buckets);
        }
        this.words = words;
        this.lowercase = lowercase;
        this.buckets = buckets;
        this.wordDim = wordDim;
        this.charDim = charDim;
        this.wordTable = new Embedding(parameters, "words.weight", words.size(), wordDim);
        this.charTable = new Embedding(parameters, "chars.weight", buckets, charDim);
    }

    int width() {
        return wordDim + charDim;
    }

    Vocabulary words() {
        return words;
    }

    void initialise(Initializers init) {
        init.uniform(wordTable.table(), 0.1);
        init.uniform(charTable.table(), 0.1);
        wordTable.table().row(PAD).fill(0f);
    }

    /** A new model's vocabulary: the training words, extended with words of {@code pretrained}'s file when given. */
    static Vocabulary vocabulary(Vocabulary trained, PretrainedEmbeddings pretrained, boolean lowercase) {
        return pretrained == null ? trained : pretrained.extend(trained, lowercase);
    }

    /**
     * After {@link #initialise}: starts the word vectors from {@code pretrained} (specials excepted) and
     * freezes them in {@code params} if asked; {@code trainedWords} is the vocabulary's size before the
     * file's words were added. Null when {@code pretrained} is.
     */
    PretrainedEmbeddings.Report startFrom(PretrainedEmbeddings pretrained, int trainedWords, ParameterSet params) {
        if (pretrained == null) {
            return null;
        }
        PretrainedEmbeddings.Report r = pretrained.apply(words, SPECIALS.size(), wordTable.table(), words.size() - trainedWords);
        if (pretrained.freeze()) {
            params.freeze("words.weight");
        }
        return r;
    }

    /** Writes the word vectors (specials excepted) in the word2vec text format; returns how many. */
    int writeWordVectors(java.nio.file.Path file) throws java.io.IOException {
        int n = words.size() - SPECIALS.size();
        if (n < 1) {
            throw new IllegalArgumentException("the model has no word vectors to write");
        }
        dev.rnn.models.text.WordVectors.write(file, words.tokens().subList(SPECIALS.size(), words.size()),
                wordTable.table().sliceRows(SPECIALS.size(), words.size()));
        return n;
    }

    /**
     * Checks, before anything is allocated, the tensors every word-feature model's file must hold:
     * the word and n-gram tables and the last recurrent level, in the sizes its metadata gives.
     */
    static void requireTensors(ModelMetadata m, Vocabulary words, dev.rnn.core.cells.CellKind cell, int wordDim, int buckets,
                               int charDim, int hidden, int layers) throws dev.rnn.models.io.SafetensorsException {
        m.requireTensor("words.weight", words.size(), wordDim);
        m.requireTensor("chars.weight", buckets, charDim);
        m.requireTensor("rnn.weight_hh_l" + (layers - 1), (long) cell.gates() * hidden, hidden);
    }

    /** Puts the settings every word-feature model records: cell, sizes, dropouts, and the word vocabulary. */
    void putMetadata(java.util.Map<String, String> m, dev.rnn.core.cells.CellKind cell, int hidden, int layers, double dropout,
                     double wordDropout) {
        m.put("cell", CellNames.name(cell));
        m.put("wordDim", Integer.toString(wordDim));
        m.put("charDim", Integer.toString(charDim));
        m.put("buckets", Integer.toString(buckets));
        m.put("hidden", Integer.toString(hidden));
        m.put("layers", Integer.toString(layers));
        m.put("dropout", Double.toString(dropout));
        m.put("wordDropout", Double.toString(wordDropout));
        m.put("words", words.toJson());
    }

    /** The word's id (the unknown word's when absent), after lower-casing if this model does. */
    int wordId(String word) {
        return words.id(lowercase ? word.toLowerCase(Locale.ROOT) : word, UNKNOWN);
    }

    /** Encodes a sentence: word ids and, {@link CharNgrams#PER_WORD} per word, n-gram ids. */
    Encoded encode(List<String> tokens) {
        int n = tokens.size();
        int[] ids = new int[n], grams = new int[n * CharNgrams.PER_WORD];
        for (int i = 0; i < n; i++) {
            ids[i] = wordId(tokens.get(i));
            CharNgrams.ids(tokens.get(i), buckets, grams, i * CharNgrams.PER_WORD);
        }
        return new Encoded(ids, grams);
    }

    /** A sentence as ids: words[n], grams[n·PER_WORD]. */
    record Encoded(int[] words, int[] grams) {
        int length() {
            return words.length;
        }
    }

    /** Each sentence's length in words. */
    static int[] lengths(List<Encoded> sentences) {
        int[] lengths = new int[sentences.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = sentences.get(i).length();
        }
        return lengths;
    }

    /** Draws whether a training occurrence of word {@code id} is replaced by the unknown word. */
    int dropWord(int id, double alpha, SplittableRandom random) {
        if (alpha <= 0 || id <= UNKNOWN) {
            return id;
        }
        int count = words.count(id);
        return random.nextDouble() < alpha / (alpha + count) ? UNKNOWN : id;
    }

    /** out ((N)×width): word vectors of wordIds[N] beside the mean n-gram vectors of grams[N·PER_WORD]. */
    void forward(int[] wordIds, int[] grams, Matrix out) {
        wordTable.forward(wordIds, out.sliceCols(0, wordDim));
        Matrix table = charTable.table();
        float inv = 1f / CharNgrams.PER_WORD;
        for (int n = 0; n < wordIds.length; n++) {
            for (int j = 0; j < charDim; j++) {
                float s = 0;
                for (int k = 0; k < CharNgrams.PER_WORD; k++) {
                    s += table.get(grams[n * CharNgrams.PER_WORD + k], j);
                }
                out.set(n, wordDim + j, s * inv);
            }
        }
    }

    /** Adds the gradients for dOut (N×width), the gradient of the last forward's output. */
    void backward(int[] wordIds, int[] grams, Matrix dOut) {
        wordTable.backward(wordIds, dOut.sliceCols(0, wordDim));
        Matrix g = charTable.gradient();
        float inv = 1f / CharNgrams.PER_WORD;
        for (int n = 0; n < wordIds.length; n++) {
            if (wordIds[n] == PAD) {
                continue;
            }
            for (int k = 0; k < CharNgrams.PER_WORD; k++) {
                int row = grams[n * CharNgrams.PER_WORD + k];
                for (int j = 0; j < charDim; j++) {
                    g.set(row, j, g.get(row, j) + dOut.get(n, wordDim + j) * inv);
                }
            }
        }
    }
}
