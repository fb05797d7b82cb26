package dev.rnn.cli;

import dev.rnn.models.tasks.PretrainedEmbeddings;
import dev.rnn.models.text.WordVectors;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --embeddings FILE} and its companions, for the commands with word embeddings. */
final class EmbeddingOptions {

    @Option(names = "--embeddings", paramLabel = "FILE",
            description = "start the word vectors from a word2vec/GloVe text file (a word, then its floats; an optional first line"
                    + " 'count dim'); the embedding size becomes the file's dimension")
    Path file;

    @Option(names = "--freeze-embeddings", description = "keep the --embeddings vectors fixed in training")
    boolean freeze;

    @Option(names = "--embeddings-add", paramLabel = "N", defaultValue = "" + PretrainedEmbeddings.DEFAULT_ADDED_WORDS,
            description = "classify and tag: add up to N of the file's first words to the vocabulary (default: ${DEFAULT-VALUE})")
    int add;

    private WordVectors vectors;

    /** The vectors, read once; null without --embeddings. */
    WordVectors vectors() {
        if (file == null) {
            if (freeze) {
                throw new IllegalArgumentException("--freeze-embeddings needs --embeddings FILE");
            }
            return null;
        }
        if (vectors == null) {
            vectors = WordVectors.read(file, 0);
        }
        return vectors;
    }

    /**
     * The embedding size: the file's dimension with --embeddings (an explicit different {@code option}
     * value is an error), else {@code explicit} or {@code fallback}.
     */
    int dimension(String option, Integer explicit, int fallback) {
        WordVectors v = vectors();
        if (v == null) {
            return explicit != null ? explicit : fallback;
        }
        if (explicit != null && explicit != v.dimension()) {
            throw new IllegalArgumentException(file + ": the vectors are " + v.dimension() + "-dimensional, but " + option + " is " + explicit);
        }
        return v.dimension();
    }

    /** What the model starts from; null without --embeddings. */
    PretrainedEmbeddings pretrained() {
        WordVectors v = vectors();
        return v == null ? null : new PretrainedEmbeddings(v, freeze, add);
    }

    /** The log line after the model is made. */
    String report(PretrainedEmbeddings.Report r) {
        return file + ": " + vectors + (vectors.repeated() > 0 ? " (" + vectors.repeated() + " repeated words ignored)" : "") + "; " + r
                + (freeze ? "; frozen" : "");
    }
}
