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
    void badOptionValueIsAUsageErrorNamingTheCommandsHelp() {
        CliRun.usageError(run("kernels", "--size", "0"), "--size must be between 1 and 4096, found 0", "rnn kernels");
    }

    @Test
    void mistypedOptionSuggestsTheNearestAndTheSubcommandsHelp() {
        CliRun.usageError(run("lm", "sample", "--model", "m.safetensors", "--temp", "0.5"),
                "unknown option '--temp'; did you mean '--temperature'?", "rnn lm sample");
        CliRun.usageError(run("lm", "sample", "--model", "m.safetensors", "--tempreature=0.5"),
                "unknown option '--tempreature'; did you mean '--temperature'?", "rnn lm sample");
        CliRun.usageError(run("lm", "sample", "--model", "m.safetensors", "--xyzzy"), "unknown option '--xyzzy'", "rnn lm sample");
    }

    @Test
    void mistypedSubcommandSuggestsTheNearest() {
        CliRun.usageError(run("lm", "smaple", "--model", "m.safetensors"),
                "unknown command 'smaple' for 'rnn lm'; did you mean 'sample'?", "rnn lm");
        CliRun.usageError(run("clasify"), "unknown command 'clasify' for 'rnn'; did you mean 'classify'?", "rnn");
    }

    @Test
    void unknownCellIsAUsageErrorNamingTheValidOnes() {
        CliRun.usageError(run("lm", "train", "--text", "t.txt", "--model", "m.safetensors", "--cell", "lstmm"),
                "Invalid value for option '--cell': unknown cell 'lstmm', expected lstm, gru, rnn or rnn-relu", "rnn lm train");
        CliRun.usageError(run("gradflow", "--cells", "rnn,lstmm"),
                "Invalid value for option '--cells' (<cells>): unknown cell 'lstmm', expected lstm, gru, rnn or rnn-relu", "rnn gradflow");
    }

    @Test
    void suggestionsAreNearestFirstAndFew() {
        java.util.List<String> names = java.util.List.of("--temperature", "--top-k", "--top-p", "--seed", "--length");
        assertEquals(java.util.List.of("--top-k", "--top-p"), UsageErrors.nearest("--top", names));
        assertEquals(java.util.List.of("--seed"), UsageErrors.nearest("--sede", names));
        assertEquals(java.util.List.of(), UsageErrors.nearest("--s", names));
        assertEquals(1, UsageErrors.editDistance("smaple", "sample"));
        assertEquals(3, UsageErrors.editDistance("kitten", "sitting"));
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
