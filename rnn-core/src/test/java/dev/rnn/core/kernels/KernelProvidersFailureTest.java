package dev.rnn.core.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A SIMD provider that throws a {@link LinkageError} while it is loaded, instantiated or probed
 * leaves the JVM on the scalar kernels after one warning that names the error, instead of failing
 * the first use of the library. Each case runs in a child JVM (the choice is made once per JVM) whose
 * class path starts with a directory registering {@link FailingKernelProvider}.
 */
class KernelProvidersFailureTest {

    private static final String SERVICES = "META-INF/services/" + KernelProvider.class.getName();

    /** Logger name, level and message of each record, one line each. */
    private static final String LOG_FORMAT = "-Djava.util.logging.SimpleFormatter.format=%3$s|%4$s|%5$s%n";

    @TempDir
    Path dir;

    private record Result(String out, String err) {
    }

    private Result runChild(String... properties) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve(SERVICES).getParent());
        Files.writeString(dir.resolve(SERVICES), FailingKernelProvider.class.getName() + "\n");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(LOG_FORMAT);
        cmd.addAll(List.of(properties));
        cmd.add("-cp");
        cmd.add(dir + java.io.File.pathSeparator + System.getProperty("java.class.path"));
        cmd.add(PrintPreferredKernelsName.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return new Result(out.strip(), err.strip());
    }

    private static void assertScalarAfterOneWarning(Result r, String error) {
        assertEquals("scalar", r.out(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("dev.rnn.kernels|WARNING|rnn uses its scalar kernels (slow): "
                + "the 'simd' kernels failed to load ("), r.err());
        assertTrue(r.err().contains(error), r.err());
        assertTrue(r.err().contains("--add-modules jdk.incubator.vector"), r.err());
    }

    @ParameterizedTest
    @CsvSource({
        "construct, java.lang.NoClassDefFoundError: dev/rnn/simd/SimdConstants",
        "probe,     java.lang.NoClassDefFoundError: jdk/incubator/vector/VectorSpecies",
        "kernels,   java.lang.IllegalStateException: no vector species for this CPU",
    })
    void aLinkageErrorFallsBackToScalarNamingTheError(String failAt, String error) throws Exception {
        assertScalarAfterOneWarning(runChild("-Drnn.test.failAt=" + failAt), error);
    }

    @Test
    void aProviderCompiledForANewerJdkFallsBackToScalar() throws Exception {
        // the provider's class file, marked as compiled for class file version 255: loading it throws
        // UnsupportedClassVersionError, as rnn-simd built for a newer Java would on this one
        byte[] bytes;
        try (InputStream in = FailingKernelProvider.class.getResourceAsStream("FailingKernelProvider.class")) {
            bytes = in.readAllBytes();
        }
        bytes[6] = 0;
        bytes[7] = (byte) 255;
        Path file = dir.resolve(FailingKernelProvider.class.getName().replace('.', '/') + ".class");
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        assertScalarAfterOneWarning(runChild(), "java.lang.UnsupportedClassVersionError");
    }

    @Test
    void aProviderThatLoadsIsChosenWithoutAWarning() throws Exception {
        Result r = runChild("-Drnn.test.failAt=none");
        assertEquals("scalar", r.out()); // FailingKernelProvider's kernels are the scalar ones
        assertEquals("", r.err());
    }

    @Test
    void forcingAProviderThatFailsToLoadIsAnErrorThatNamesIt() throws Exception {
        Result r = runChild("-Drnn.test.failAt=probe", "-Drnn.kernels=simd");
        assertTrue(r.out().startsWith("error: 'simd' kernels cannot run: the 'simd' kernels failed to load "
                + "(java.lang.NoClassDefFoundError: jdk/incubator/vector/VectorSpecies)"), r.out());
        assertEquals("", r.err());
    }
}
