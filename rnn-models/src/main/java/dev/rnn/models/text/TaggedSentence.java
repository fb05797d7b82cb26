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
        List<TaggedSentence> out = parseConllu(file, TextFiles.lines(file), 1, column);
        if (out.isEmpty()) {
            throw new DataException(file, NO_SENTENCES);
        }
        return out;
    }

    /** The words of each sentence of a CoNLL-U file, to tag: the rules of {@link #readConllu}, tag columns not read. */
    public static List<List<String>> readConlluWords(Path file) {
        List<List<String>> out = conlluWords(file, TextFiles.lines(file), 1);
        if (out.isEmpty()) {
            throw new DataException(file, NO_SENTENCES);
        }
        return out;
    }

    /**
     * The words of each sentence in {@code lines}, a part of a CoNLL-U file whose first line is file line
     * {@code firstLine} (one sentence block read elsewhere, say): the rules of {@link #readConllu}, tag
     * columns not read; errors name the file's own lines. No sentence in the lines gives an empty list.
     */
    public static List<List<String>> conlluWords(Path file, List<String> lines, int firstLine) {
        List<List<String>> out = new ArrayList<>();
        for (TaggedSentence s : parseConllu(file, lines, firstLine, null)) {
            out.add(s.words());
        }
        return out;
    }

    private static final String NO_SENTENCES = "no sentences (a CoNLL-U file has one word per line and blank lines between sentences)";

    /** The sentences of {@code lines}; with {@code column} null the tags are not read (each is "_"). */
    private static List<TaggedSentence> parseConllu(Path file, List<String> lines, int firstLine, Column column) {
        List<TaggedSentence> out = new ArrayList<>();
        List<String> words = new ArrayList<>(), tags = new ArrayList<>();
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : "";
            int at = firstLine + i;
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
                throw new DataException(file, at, "expected 10 TAB-separated columns, found " + cols.length);
            }
            String id = cols[0];
            if (id.indexOf('-') > 0 || id.indexOf('.') > 0) {
                continue;
            }
            if (id.isEmpty() || !id.chars().allMatch(Character::isDigit)) {
                throw new DataException(file, at, "word id '" + id + "' is not a number, a range or a decimal");
            }
            String form = cols[1], tag = column == null ? "_" : cols[column.index];
            if (form.isEmpty()) {
                throw new DataException(file, at, "the word form (column 2) is empty");
            }
            if (tag.isEmpty()) {
                throw new DataException(file, at, "the " + column + " tag (column " + (column.index + 1) + ") is empty");
            }
            words.add(form);
            tags.add(tag);
        }
        return out;
    }
}
