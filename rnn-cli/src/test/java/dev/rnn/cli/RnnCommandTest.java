package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class RnnCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = RnnCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("info") && r.out().contains("demo"), r.out());
    }

    @Test
    void infoNamesTheBackend() {
        Run r = run("info");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kernels:        simd"), r.out());
        assertTrue(r.out().contains("vector bits:"), r.out());
    }

    @Test
    void unknownCommandIsOneLineAndExitCodeTwo() {
        Run r = run("frobnicate");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("rnn: "), r.err());
    }

    @Test
    void badOptionValueIsOneLineAndExitCodeOne() {
        Run r = run("demo", "--size", "0");
        assertEquals(1, r.code());
        assertEquals("rnn: --size must be between 1 and 4096, found 0", r.err().strip());
    }

    @Test
    void demoRunsQuickly() {
        Run r = run("demo", "--size", "33", "--seconds", "0.05");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("max |simd − scalar|"), r.out());
    }
}
