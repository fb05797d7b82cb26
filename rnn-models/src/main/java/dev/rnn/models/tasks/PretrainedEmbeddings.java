package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.text.WordVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Word vectors to start a model's word embeddings from ({@code --embeddings}): each vocabulary word
 * found in the file takes its vector, the others keep their random start. With {@code freeze} the
 * table stays fixed in training. Word-feature models (classifier, tagger) also add up to
 * {@code maxAddedWords} of the file's words (in file order, which for word2vec and GloVe is by
 * frequency) to their vocabulary, so words unseen in training still get their pretrained vector.
 */
public record PretrainedEmbeddings(WordVectors vectors, boolean freeze, int maxAddedWords) {

    /** Added words by default: enough for the common words of a language, small beside a GloVe file's 400,000. */
    public static final int DEFAULT_ADDED_WORDS = 50_000;

    public PretrainedEmbeddings {
        if (maxAddedWords < 0) {
            throw new IllegalArgumentException("the number of words to add must be ≥ 0, found " + maxAddedWords);
        }
    }

    /** What loading did: vocabulary words given a file vector, words left random, words added from the file. */
    public record Report(int found, int missing, int added) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "pretrained vectors for %,d words (%,d of them added from the file); %,d words not in"
                    + " the file start random", found, added, missing);
        }
    }

    /** {@code vocabulary} plus up to {@link #maxAddedWords} words of the file (lower-cased when {@code lowercase}). */
    Vocabulary extend(Vocabulary vocabulary, boolean lowercase) {
        List<String> extra = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String w : vectors.words()) {
            if (extra.size() >= maxAddedWords) {
                break;
            }
            String word = lowercase ? w.toLowerCase(Locale.ROOT) : w;
            if (!vocabulary.contains(word) && seen.add(word)) {
                extra.add(word);
            }
        }
        return vocabulary.extendedWith(extra);
    }

    /**
     * Copies the vectors of the words of {@code vocabulary} from {@code first} on into the rows of
     * {@code table} (vocabulary×D); a word missing from the file is also looked up lower-cased, and
     * then against the file's words lower-cased (the first of them wins).
     * {@code added} is how many of the words came from the file.
     */
    Report apply(Vocabulary vocabulary, int first, Matrix table, int added) {
        if (table.cols() != vectors.dimension()) {
            throw new IllegalArgumentException("the vectors are " + vectors.dimension() + "-dimensional, the model's embeddings "
                    + table.cols() + " (set the embedding size to " + vectors.dimension() + ")");
        }
        int found = 0, missing = 0;
        java.util.Map<String, Integer> folded = null;
        for (int id = first; id < vocabulary.size(); id++) {
            String w = vocabulary.token(id);
            int v = vectors.id(w);
            if (v < 0) {
                v = vectors.id(w.toLowerCase(Locale.ROOT));
            }
            if (v < 0) {
                if (folded == null) {
                    folded = new java.util.HashMap<>();
                    for (int i = 0; i < vectors.size(); i++) {
                        folded.putIfAbsent(vectors.words().get(i).toLowerCase(Locale.ROOT), i);
                    }
                }
                v = folded.getOrDefault(w.toLowerCase(Locale.ROOT), -1);
            }
            if (v < 0) {
                missing++;
            } else {
                vectors.copyTo(v, table, id);
                found++;
            }
        }
        return new Report(found, missing, added);
    }
}
