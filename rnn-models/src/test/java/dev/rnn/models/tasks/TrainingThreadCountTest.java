package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Training gives the same bits on one thread and on several: losses, gradient norms and every
 * parameter after three Adam updates of a character LM, whose products, cell steps, bias passes,
 * column sums, softmax rows, norm and optimizer update are then split across the pool. The thread
 * count is read once per JVM, so each count runs in a child JVM.
 */
class TrainingThreadCountTest {

    private static String train(int threads) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Drnn.threads=" + threads,
                "-cp", System.getProperty("java.class.path"), PrintTrainingBits.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        out = out.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).reduce("", (x, y) -> x + y + "\n").strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /** The counts are forced, so a pool of several threads runs whatever the runner's processor count. */
    @Test
    void oneTwoAndFourThreadsTrainToTheSameBits() throws Exception {
        String one = train(1);
        assertTrue(one.startsWith("simd "), "the SIMD kernels were not chosen: " + one);
        assertEquals(one, train(2), "two threads");
        assertEquals(one, train(4), "four threads");
    }
}
