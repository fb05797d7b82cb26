package dev.rnn.flink.score;

/**
 * The result of scoring one {@link ScoreInput}: its output lines as the CLI prints them, or, when it was
 * rejected, the reason (one line naming the file and line). A Flink POJO, serialized without Kryo.
 */
public class ScoredRecord {

    /** The input record's index: output is written in this order. */
    public long index;
    /** True when {@link #text} is a reason for rejecting the record rather than its output. */
    public boolean rejected;
    /** The output lines joined by {@code '\n'}, or the reason. */
    public String text;

    public ScoredRecord() {
    }

    ScoredRecord(long index, boolean rejected, String text) {
        this.index = index;
        this.rejected = rejected;
        this.text = text;
    }
}
