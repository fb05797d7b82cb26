package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.TensorInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code rnn forward} against PyTorch: each case's model, input and expected output were written by
 * tools/pytorch-golden/make_golden.py; the bar is a maximum absolute difference of 2e-5 in every
 * expected tensor.
 */
class ForwardGoldenTest {

    static final double TOLERANCE = 2e-5;

    @TempDir
    Path tmp;

    static Path goldenDir() throws URISyntaxException {
        return Path.of(ForwardGoldenTest.class.getResource("/golden/pytorch/cases.txt").toURI()).getParent();
    }

    static Stream<String> cases() throws IOException, URISyntaxException {
        return Files.readAllLines(goldenDir().resolve("cases.txt")).stream().filter(l -> !l.isBlank() && !l.startsWith("#"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String name) throws Exception {
        Path dir = goldenDir(), out = tmp.resolve(name + ".out.safetensors");
        StringWriter so = new StringWriter(), se = new StringWriter();
        int code = RnnCommand.execute(new String[] {"forward", "--model", dir.resolve(name + ".model.safetensors").toString(),
                "--input", dir.resolve(name + ".input.safetensors").toString(), "--output", out.toString()},
                new PrintWriter(so, true), new PrintWriter(se, true));
        assertEquals(0, code, se.toString());
        try (SafetensorsFile expected = SafetensorsFile.open(dir.resolve(name + ".expected.safetensors"));
             SafetensorsFile actual = SafetensorsFile.open(out)) {
            assertEquals(List.copyOf(expected.names().stream().sorted().toList()),
                    actual.names().stream().sorted().toList());
            StringBuilder report = new StringBuilder(name);
            for (String tensor : expected.names()) {
                TensorInfo e = expected.info(tensor);
                Matrix want = expected.floats(tensor, e.shape());
                Matrix got = actual.floats(tensor, e.shape());
                double max = 0;
                for (int r = 0; r < want.rows(); r++) {
                    for (int c = 0; c < want.cols(); c++) {
                        max = Math.max(max, Math.abs(want.get(r, c) - got.get(r, c)));
                    }
                }
                report.append(String.format(" %s %.2e", tensor, max));
                assertTrue(max <= TOLERANCE, name + ": " + tensor + " differs from PyTorch by " + max);
            }
            System.out.println("max |rnn − PyTorch|: " + report);
        }
    }
}
