package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SIMD kernels give the same bits whether they are interpreted or compiled: the horizontal sums
 * and elementary functions avoid the Vector API operations whose results depend on the JIT tier.
 */
class SimdDeterminismTest {

    @Test
    void interpretedAndCompiledKernelsAgreeBitForBit() throws Exception {
        // warm up until the kernels are compiled, then hash once more
        KernelResultsHash.hash(300);
        long compiled = KernelResultsHash.hash(1);
        String bits = System.getProperty("rnn.vectorBits");
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xint",
                "--add-modules", "jdk.incubator.vector"));
        if (bits != null) {
            cmd.add("-Drnn.vectorBits=" + bits);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelResultsHash.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        assertEquals(Long.toString(compiled), out, "interpreted (-Xint) and compiled results differ");
    }
}
