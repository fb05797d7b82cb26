package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel selection in a JVM started without {@code --add-modules jdk.incubator.vector}: rnn-simd is on
 * the class path but cannot run, so the scalar kernels are used after exactly one warning (a
 * {@link System.Logger} record) that names the fix; forcing SIMD there is an error, not a silent fallback.
 * The same fallback, naming the error, when rnn-simd's classes cannot be loaded at all.
 */
class SimdFallbackTest {

    private record Result(String out, String err) {
    }

    private static Result runChild(String... properties) throws IOException, InterruptedException {
        return runChildWithClassPath(System.getProperty("java.class.path"), properties);
    }

    private static Result runChildWithClassPath(String classPath, String... properties) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(properties));
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(PrintPreferredKernels.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return new Result(out.strip(), err.strip());
    }

    @Test
    void withoutTheIncubatorModuleTheKernelsAreScalarAfterOneWarning() throws Exception {
        Result r = runChild();
        assertEquals("scalar", r.out());
        // java.util.logging, System.Logger's backend when the application has none, writes a line of
        // time and source and then the record's own line
        List<String> warnings = r.err().lines().filter(l -> l.startsWith("WARNING:")).toList();
        assertEquals(1, warnings.size(), r.err());
        assertTrue(warnings.getFirst().startsWith("WARNING: rnn uses its scalar kernels (slow): "), r.err());
        assertTrue(warnings.getFirst().contains("--add-modules jdk.incubator.vector"), r.err());
        assertTrue(r.err().lines().count() <= 2, r.err());
    }

    @Test
    void theWarningIsOneRecordOnTheKernelsLogger() throws Exception {
        // logger name, level and message of every record, one line each
        Result r = runChild("-Djava.util.logging.SimpleFormatter.format=%3$s|%4$s|%5$s%n");
        assertEquals("scalar", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("dev.rnn.kernels|WARNING|rnn uses its scalar kernels (slow): "), r.err());
        assertTrue(r.err().contains("--add-modules jdk.incubator.vector"), r.err());
    }

    @Test
    void simdClassesThatCannotLoadFallBackToScalarNamingTheError(@TempDir Path dir) throws Exception {
        // SimdKernelProvider's class file marked as compiled for class file version 255, first on the
        // class path: with the incubator module loaded, loading it throws UnsupportedClassVersionError
        byte[] bytes;
        try (InputStream in = SimdKernelProvider.class.getResourceAsStream("SimdKernelProvider.class")) {
            bytes = in.readAllBytes();
        }
        bytes[6] = 0;
        bytes[7] = (byte) 255;
        Path file = dir.resolve(SimdKernelProvider.class.getName().replace('.', '/') + ".class");
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        Result r = runChildWithClassPath(dir + File.pathSeparator + System.getProperty("java.class.path"),
                "--add-modules", "jdk.incubator.vector", "-Djava.util.logging.SimpleFormatter.format=%3$s|%4$s|%5$s%n");
        assertEquals("scalar", r.out());
        List<String> records = r.err().lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(1, records.size(), r.err());
        assertTrue(records.getFirst().startsWith("dev.rnn.kernels|WARNING|rnn uses its scalar kernels (slow): "
                + "the 'simd' kernels failed to load (java.lang.UnsupportedClassVersionError: "), r.err());
    }

    @Test
    void forcingSimdWithoutTheModuleIsAnErrorThatSaysWhy() throws Exception {
        Result r = runChild("-Drnn.kernels=simd");
        assertTrue(r.out().startsWith("error: 'simd' kernels cannot run"), r.out());
        assertTrue(r.out().contains("--add-modules jdk.incubator.vector"), r.out());
    }

    @Test
    void forcingScalarNeedsNoWarning() throws Exception {
        Result r = runChild("-Drnn.kernels=scalar");
        assertEquals("scalar", r.out());
        assertEquals("", r.err());
    }
}
