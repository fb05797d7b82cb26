package dev.rnn.models.io;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file that cannot be read or does not hold what was asked; the message names the file. */
public final class SafetensorsException extends IOException {

    public SafetensorsException(Path file, String problem) {
        super(file.getFileName() + ": " + problem);
    }

    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file.getFileName() + ": " + problem, cause);
    }
}
