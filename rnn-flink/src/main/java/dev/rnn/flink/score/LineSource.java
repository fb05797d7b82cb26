package dev.rnn.flink.score;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of an input stream, decoded as strict UTF-8 one line at a time, so one bad line is one
 * rejected record rather than a failed job: a line that is not UTF-8, or holds a control character
 * other than TAB (an unknown character for every task), carries the problem instead of failing. Line
 * ends are LF or CRLF; a byte-order mark before the first line is dropped. Not thread-safe.
 */
final class LineSource {

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] bytes = new byte[256];
    private int number;
    private boolean ended;

    LineSource(InputStream in) {
        this.in = in;
    }

    /** The next line, or null at the end of the stream. */
    InputLine next() throws IOException {
        if (ended) {
            return null;
        }
        int length = 0;
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                ended = true;
                if (length == 0) {
                    return null;
                }
                break;
            }
            if (length == bytes.length) {
                bytes = Arrays.copyOf(bytes, length * 2);
            }
            bytes[length++] = (byte) b;
        }
        if (length > 0 && bytes[length - 1] == '\r') {
            length--;
        }
        number++;
        String text;
        try {
            CharBuffer chars = decoder.reset().decode(ByteBuffer.wrap(bytes, 0, length));
            text = chars.toString();
        } catch (CharacterCodingException e) {
            return new InputLine(number, "", "not UTF-8 text");
        }
        if (number == 1 && text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\t' && Character.isISOControl(c)) {
                return new InputLine(number, text, String.format("unknown character U+%04X at column %d", (int) c, i + 1));
            }
        }
        return new InputLine(number, text, null);
    }
}
