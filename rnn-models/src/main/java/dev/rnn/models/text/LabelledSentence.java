package dev.rnn.models.text;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One classification example: a sentence and its label (any string). */
public record LabelledSentence(String text, String label) {

    /**
     * Reads {@code text<TAB>label} lines from each file in turn (their examples concatenated). The
     * label is what follows the last TAB, spaces around either part are not significant, and blank
     * lines are skipped. A line without a TAB, with an empty text or an empty label is an error
     * naming the file and line; so is a file with no example.
     */
    public static List<LabelledSentence> read(List<Path> files) {
        if (files.isEmpty()) {
            throw new DataException("no data file given");
        }
        List<LabelledSentence> out = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = TextFiles.lines(file);
            int before = out.size();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) {
                    continue;
                }
                int tab = line.lastIndexOf('\t');
                if (tab < 0) {
                    throw new DataException(file, i + 1, "no TAB-separated label (expected 'text<TAB>label')");
                }
                String text = line.substring(0, tab).strip(), label = line.substring(tab + 1).strip();
                if (label.isEmpty()) {
                    throw new DataException(file, i + 1, "the label column is empty");
                }
                if (text.isEmpty()) {
                    throw new DataException(file, i + 1, "the text column is empty");
                }
                out.add(new LabelledSentence(text, label));
            }
            if (out.size() == before) {
                throw new DataException(file, "no examples (every line is blank)");
            }
        }
        return out;
    }
}
