package dev.rnn.flink.score;

/**
 * One record of a bounded input to score: a text line, a CoNLL-U sentence block, or a CSV header with
 * one window of rows. A Flink POJO (public fields, a no-argument constructor), so Flink serializes it
 * without Kryo. Mutable, owned by one operator at a time.
 */
public class ScoreInput {

    /** The record's place in the input, from 0: the order of the output. */
    public long index;
    /** The input file, for messages. */
    public String file;
    /** The file line of the record's first text line (for a CSV window: of its first row). */
    public int line;
    /** For a CSV window only: the file line of the header, which is the first line of {@link #text}. */
    public int headerLine;
    /** The record's lines, joined by {@code '\n'}. */
    public String text;
    /** Why the reader could not take the record (not UTF-8, an unknown character), naming its line; null when it could. */
    public String problem;

    public ScoreInput() {
    }

    ScoreInput(String file, int line, int headerLine, String text, String problem) {
        this.file = file;
        this.line = line;
        this.headerLine = headerLine;
        this.text = text;
        this.problem = problem;
    }

    /** {@code file:line: } before a problem that does not name its place yet. */
    String located(String problem) {
        String place = file + ":" + line + ": ";
        return problem.startsWith(file + ":") ? problem : place + problem;
    }
}
