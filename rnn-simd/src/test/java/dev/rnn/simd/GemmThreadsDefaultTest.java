package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The library starts no threads unless asked: without {@code -Drnn.threads} a large product runs on
 * the caller alone and no pool exists; {@code -Drnn.threads=N} starts N − 1 pool threads. Each case
 * runs in a child JVM, since the count is read once per JVM.
 */
class GemmThreadsDefaultTest {

    private record Result(int code, String out) {
    }

    private static Result runChild(String... properties) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of(properties));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PrintGemmThreads.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // the JVM announces the incubator module on stderr
        out = out.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).reduce("", (x, y) -> x + y + "\n");
        return new Result(p.waitFor(), out.strip());
    }

    @Test
    void byDefaultProductsRunOnTheCallerAndNoPoolStarts() throws Exception {
        assertEquals(new Result(0, "1 0"), runChild());
    }

    @Test
    void thePropertyAsksForAPool() throws Exception {
        assertEquals(new Result(0, "3 2"), runChild("-Drnn.threads=3"));
    }

    @Test
    void aBadCountIsAnErrorThatSaysWhy() throws Exception {
        Result r = runChild("-Drnn.threads=0");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("-Drnn.threads=0 is not a thread count from 1 to 256"), r.out());
    }
}
