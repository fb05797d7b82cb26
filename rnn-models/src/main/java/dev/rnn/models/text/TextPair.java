package dev.rnn.models.text;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One sequence-to-sequence example: a source text and its target text. */
public record TextPair(String source, String target) {

    /**
     * Reads {@code source<SEP>target} lines, split at the first occurrence of {@code separator};
     * leading and trailing spaces of both sides are dropped, blank lines skipped. A line without the
     * separator or with an empty side is an error naming the file and line; so is a file without pairs.
     */
    public static List<TextPair> read(Path file, String separator) {
        if (separator == null || separator.isEmpty()) {
            throw new IllegalArgumentException("the separator must not be empty");
        }
        List<String> lines = TextFiles.lines(file);
        List<TextPair> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int at = line.indexOf(separator);
            if (at < 0) {
                throw new DataException(file, i + 1, "no separator " + describe(separator) + " (expected 'source" + separator.replace("\t", "<TAB>")
                        + "target')");
            }
            String source = line.substring(0, at).strip(), target = line.substring(at + separator.length()).strip();
            if (source.isEmpty()) {
                throw new DataException(file, i + 1, "the source is empty");
            }
            if (target.isEmpty()) {
                throw new DataException(file, i + 1, "the target is empty");
            }
            out.add(new TextPair(source, target));
        }
        if (out.isEmpty()) {
            throw new DataException(file, "no pairs (every line is blank)");
        }
        return out;
    }

    private static String describe(String separator) {
        return separator.equals("\t") ? "TAB" : "'" + separator + "'";
    }
}
