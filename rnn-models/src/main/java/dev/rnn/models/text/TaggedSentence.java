package dev.rnn.models.text;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A sentence of words, each with its tag (the tags may be absent for prediction input). */
public record TaggedSentence(List<String> words, List<String> tags) {

    public TaggedSentence {
        words = List.copyOf(words);
        tags = List.copyOf(tags);
        if (tags.size() != words.size()) {
            throw new IllegalArgumentException(words.size() + " words but " + tags.size() + " tags");
        }
    }

    /** The tag column to read from a CoNLL-U file. */
    public enum Column {
        UPOS(3), XPOS(4);

        private final int index;

        Column(int index) {
            this.index = index;
        }
    }

    /**
     * Reads the sentences of a CoNLL-U file: word forms from column 2 and tags from {@code column};
     * comment lines ({@code #}), multiword-token lines ({@code 1-2}) and empty nodes ({@code 8.1}) are
     * skipped; a blank line ends a sentence. A word line without 10 TAB-separated columns, with a
     * non-numeric id, an empty form or an empty tag is an error naming the file and line.
     */
    public static List<TaggedSentence> readConllu(Path file, Column column) {
        List<String> lines = TextFiles.lines(file);
        List<TaggedSentence> out = new ArrayList<>();
        List<String> words = new ArrayList<>(), tags = new ArrayList<>();
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : "";
            if (line.isBlank()) {
                if (!words.isEmpty()) {
                    out.add(new TaggedSentence(words, tags));
                    words.clear();
                    tags.clear();
                }
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t", -1);
            if (cols.length != 10) {
                throw new DataException(file, i + 1, "expected 10 TAB-separated columns, found " + cols.length);
            }
            String id = cols[0];
            if (id.indexOf('-') > 0 || id.indexOf('.') > 0) {
                continue;
            }
            if (id.isEmpty() || !id.chars().allMatch(Character::isDigit)) {
                throw new DataException(file, i + 1, "word id '" + id + "' is not a number, a range or a decimal");
            }
            String form = cols[1], tag = cols[column.index];
            if (form.isEmpty()) {
                throw new DataException(file, i + 1, "the word form (column 2) is empty");
            }
            if (tag.isEmpty()) {
                throw new DataException(file, i + 1, "the " + column + " tag (column " + (column.index + 1) + ") is empty");
            }
            words.add(form);
            tags.add(tag);
        }
        if (out.isEmpty()) {
            throw new DataException(file, "no sentences (a CoNLL-U file has one word per line and blank lines between sentences)");
        }
        return out;
    }
}
