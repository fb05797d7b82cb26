package dev.rnn.models.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads data files as strict UTF-8, turning every problem into a {@link DataException}. */
public final class TextFiles {

    private TextFiles() {
    }

    /** The whole file; a missing, unreadable, empty or non-UTF-8 file is an error. */
    public static String read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataException(file, "no such file");
        } catch (IOException e) {
            throw new DataException(file, "cannot be read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
        if (bytes.length == 0) {
            throw new DataException(file, "the file is empty");
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            String text = decoder.decode(in).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (MalformedInputException e) {
            throw new DataException(file, lineAt(bytes, in.position()), "not UTF-8 text (byte " + in.position() + ")");
        } catch (CharacterCodingException e) {
            throw new DataException(file, "not UTF-8 text");
        }
    }

    /** The file's lines (without terminators, a trailing CR removed); the file must not be empty. */
    public static List<String> lines(Path file) {
        return lines(read(file));
    }

    /** The lines of {@code text} (without terminators, a trailing CR removed). */
    public static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            String line = text.substring(start, end);
            lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            start = end + 1;
        }
        return lines;
    }

    private static long lineAt(byte[] bytes, int position) {
        long line = 1;
        for (int i = 0; i < Math.min(position, bytes.length); i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
