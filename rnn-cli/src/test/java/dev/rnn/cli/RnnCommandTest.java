package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RnnCommandTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void helpListsTheCommands() {
        CliRun r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("info") && r.out().contains("demo"), r.out());
    }

    @Test
    void infoNamesTheBackend() {
        CliRun r = run("info");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kernels:        simd"), r.out());
        assertTrue(r.out().contains("vector bits:"), r.out());
    }

    /** {@code rnn info} run through {@code main} in a child JVM, as {@code ./rnn} runs it. */
    private static String infoInChild(String... jvmOptions) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.util.List.of("--add-modules", "jdk.incubator.vector"));
        cmd.addAll(java.util.List.of(jvmOptions));
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), RnnCommand.class.getName(), "info"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void theToolAsksForOneThreadPerProcessorUnlessTold() throws Exception {
        // the library alone uses one thread; the command line uses every processor for training
        int cpus = Runtime.getRuntime().availableProcessors();
        String out = infoInChild();
        assertTrue(out.contains("threads:        " + cpus + " per large product"), out);
        out = infoInChild("-Drnn.threads=1");
        assertTrue(out.contains("threads:        1 per large product"), out);
    }

    @Test
    void unknownCommandIsOneLineAndExitCodeTwo() {
        CliRun r = run("frobnicate");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("rnn: "), r.err());
    }

    @Test
    void badOptionValueIsOneLineAndExitCodeOne() {
        CliRun r = run("kernels", "--size", "0");
        assertEquals(1, r.code());
        assertEquals("rnn: --size must be between 1 and 4096, found 0", r.err().strip());
    }

    @Test
    void kernelCheckRunsQuickly() {
        CliRun r = run("kernels", "--size", "33", "--seconds", "0.05");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("max |simd − scalar|"), r.out());
    }

    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        int commands;
        try {
            commands = usageOfAll(new picocli.CommandLine(new RnnCommand()));
        } finally {
            System.setErr(old);
        }
        assertTrue(commands > 30, commands + " commands");
        assertEquals("", captured.toString(java.nio.charset.StandardCharsets.UTF_8), "picocli warns, e.g. of an unescaped % in a description");
    }

    private static int usageOfAll(picocli.CommandLine cl) {
        assertTrue(cl.getUsageMessage().contains("Usage: "));
        int n = 1;
        for (picocli.CommandLine sub : cl.getSubcommands().values()) {
            n += usageOfAll(sub);
        }
        return n;
    }
}
