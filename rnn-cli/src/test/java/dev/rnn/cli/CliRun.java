package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the tool: exit code and what it wrote to each stream. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = RnnCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Asserts that the run succeeded (showing what it wrote if not). */
    static void ok(CliRun r) {
        assertEquals(0, r.code(), r.err() + r.out());
    }

    /** Asserts that the run failed with exit code 1 and exactly one line, {@code rnn: message}. */
    static void failsWith(CliRun r, String message) {
        assertEquals(1, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("rnn: " + message, r.err().strip());
    }

    /**
     * Asserts that the run was refused as a bad command line: exit code 2 and exactly one line,
     * {@code rnn: message (see 'COMMAND --help')}.
     */
    static void usageError(CliRun r, String message, String command) {
        assertEquals(2, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("rnn: " + message + " (see '" + command + " --help')", r.err().strip());
    }
}
