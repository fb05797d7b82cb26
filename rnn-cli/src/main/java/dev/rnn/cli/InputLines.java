package dev.rnn.cli;

import dev.rnn.models.tasks.PredictionLines;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The texts a predict command works on: its arguments, or the non-blank lines of standard input when there are none. */
final class InputLines {

    private InputLines() {
    }

    static List<String> of(List<String> args) throws IOException {
        if (args != null && !args.isEmpty()) {
            return args;
        }
        List<String> lines = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (PredictionLines.isText(line)) {
                lines.add(line);
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("no text to work on: give it as arguments or on standard input");
        }
        return lines;
    }
}
