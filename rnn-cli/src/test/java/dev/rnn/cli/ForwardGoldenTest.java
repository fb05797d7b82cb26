package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.models.io.Dtype;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.io.TensorInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * Writes {@code model}'s tensors (same dtypes and bytes) and metadata to {@code target} as a
     * larger module's state_dict would hold them: each name under {@code prefix} (ending in a dot),
     * beside an unrelated {@code embedding.weight}.
     */
    static Path underPrefix(Path model, String prefix, Path target) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(model)) {
            SafetensorsWriter w = new SafetensorsWriter().metadata(f.metadata())
                    .putRaw("embedding.weight", Dtype.F32, new long[] {2, 3}, MemorySegment.ofArray(new byte[6 * Float.BYTES]));
            for (String name : f.names()) {
                TensorInfo t = f.info(name);
                w.putRaw(prefix + name, t.dtype(), t.shape(), f.bytes(name));
            }
            w.write(target);
        }
        return target;
    }

    private static void forward(Path model, Path input, Path output, String... more) {
        StringWriter so = new StringWriter(), se = new StringWriter();
        List<String> args = new ArrayList<>(List.of("forward", "--model", model.toString(), "--input", input.toString(),
                "--output", output.toString()));
        args.addAll(List.of(more));
        int code = RnnCommand.execute(args.toArray(String[]::new), new PrintWriter(so, true), new PrintWriter(se, true));
        assertEquals(0, code, se.toString());
    }

    /** The golden module saved inside a larger one (metadata mode included) gives the plain file's bits. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rnn_relu_bidir_nobias_lengths_i32", "lstm_bidir_3layers_lengths_h0_c0", "gru_bf16_weights"})
    void aPrefixedStateDictGivesThePlainFilesBits(String name) throws Exception {
        Path dir = goldenDir(), input = dir.resolve(name + ".input.safetensors");
        Path nested = underPrefix(dir.resolve(name + ".model.safetensors"), "encoder.lstm.", tmp.resolve("nested.safetensors"));
        Path plainOut = tmp.resolve("plain.out.safetensors"), nestedOut = tmp.resolve("nested.out.safetensors");
        forward(dir.resolve(name + ".model.safetensors"), input, plainOut);
        forward(nested, input, nestedOut, "--prefix", "encoder.lstm");
        assertEquals(-1L, Files.mismatch(plainOut, nestedOut), "the outputs differ");
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
