package dev.rnn.models.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text a prediction is printed as, one method per task: what {@code rnn classify predict},
 * {@code tag predict}, {@code forecast predict} and {@code seq2seq translate} print, and what the Flink
 * scoring job writes, so the two agree line for line. Which input lines are worked on is decided here
 * too. Stateless.
 */
public final class PredictionLines {

    private PredictionLines() {
    }

    /** Whether an input line is a text to work on: blank lines are skipped. */
    public static boolean isText(String line) {
        return !line.isBlank();
    }

    /** A classified text: {@code label<TAB>probability<TAB>text}, the probability with 4 decimals. */
    public static String classified(String text, SentenceClassifier.Prediction prediction) {
        return String.format(Locale.ROOT, "%s\t%.4f\t%s", prediction.label(), prediction.probability(), text);
    }

    /** A tagged sentence: {@code word/TAG} pairs separated by single spaces. */
    public static String tagged(List<String> words, List<String> tags) {
        if (words.size() != tags.size()) {
            throw new IllegalArgumentException(words.size() + " words but " + tags.size() + " tags");
        }
        StringBuilder line = new StringBuilder();
        for (int j = 0; j < words.size(); j++) {
            line.append(j == 0 ? "" : " ").append(words.get(j)).append('/').append(tags.get(j));
        }
        return line.toString();
    }

    /** A forecast of H values: H lines {@code step<TAB>value}, steps from 1, values with 6 significant digits. */
    public static List<String> forecast(double[] next) {
        List<String> lines = new ArrayList<>(next.length);
        for (int h = 0; h < next.length; h++) {
            lines.add(String.format(Locale.ROOT, "%d\t%.6g", h + 1, next[h]));
        }
        return lines;
    }

    /** A translation: the output text as it is. */
    public static String translated(String output) {
        return output;
    }
}
