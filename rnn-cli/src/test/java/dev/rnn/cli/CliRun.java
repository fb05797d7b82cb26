package dev.rnn.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the tool: exit code and what it wrote to each stream. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = RnnCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }
}
