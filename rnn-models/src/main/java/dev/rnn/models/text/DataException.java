package dev.rnn.models.text;

import java.nio.file.Path;

/** Training or evaluation data that cannot be used, with a one-line message naming the file and, where known, the line. */
public final class DataException extends RuntimeException {

    public DataException(String message) {
        super(message);
    }

    public DataException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public DataException(Path file, long line, String problem) {
        super(file + ":" + line + ": " + problem);
    }
}
