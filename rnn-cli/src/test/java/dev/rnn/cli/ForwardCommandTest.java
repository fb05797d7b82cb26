package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.Dtype;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.io.TorchRecurrentWeights;
import dev.rnn.models.layers.RecurrentModule;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.training.Initializers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every malformed model or input makes {@code rnn forward} exit 1 with one line naming the file and
 * the problem, and leaves no output file. The model is the golden GRU (I=7, H=33, 1 layer) or LSTM.
 */
class ForwardCommandTest {

    @TempDir
    Path dir;

    private Path gru, lstm, out;
    private Arena arena;

    @BeforeEach
    void copyModels() throws Exception {
        Path golden = ForwardGoldenTest.goldenDir();
        gru = Files.copy(golden.resolve("gru.model.safetensors"), dir.resolve("gru.safetensors"));
        lstm = Files.copy(golden.resolve("lstm.model.safetensors"), dir.resolve("lstm.safetensors"));
        out = dir.resolve("out.safetensors");
        arena = Arena.ofAuto();
    }

    private String fails(Path model, Path input, String... more) throws IOException {
        StringWriter so = new StringWriter(), se = new StringWriter();
        List<String> args = new ArrayList<>(List.of("forward", "--model", model.toString(), "--input", input.toString(),
                "--output", out.toString()));
        args.addAll(List.of(more));
        int code = RnnCommand.execute(args.toArray(String[]::new), new PrintWriter(so, true), new PrintWriter(se, true));
        String err = se.toString().strip();
        assertEquals(1, code, err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("rnn: "), err);
        try (var files = Files.list(dir)) {
            List<Path> left = files.filter(p -> !p.equals(gru) && !p.equals(lstm) && !p.equals(model) && !p.equals(input))
                    .toList();
            assertEquals(List.of(), left, "no output or temporary file is left behind");
        }
        return err;
    }

    private Matrix m(int rows, int cols) {
        Matrix x = Matrix.allocate(arena, rows, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                x.set(i, j, (float) Math.sin(i * 7 + j));
            }
        }
        return x;
    }

    private Path input(SafetensorsWriter w) throws IOException {
        Path p = dir.resolve("in.safetensors");
        w.write(p);
        return p;
    }

    private SafetensorsWriter valid() {
        return new SafetensorsWriter().put("input", m(5 * 2, 7), Dtype.F32, 5, 2, 7);
    }

    @Test
    void validInputWorks() throws IOException {
        StringWriter so = new StringWriter(), se = new StringWriter();
        int code = RnnCommand.execute(new String[] {"forward", "--model", gru.toString(), "--input", input(valid()).toString(),
                "--output", out.toString()}, new PrintWriter(so, true), new PrintWriter(se, true));
        assertEquals(0, code, se.toString());
        assertTrue(Files.exists(out));
    }

    @Test
    void truncatedModel() throws IOException {
        byte[] b = Files.readAllBytes(gru);
        Files.write(gru, Arrays.copyOf(b, b.length - 10));
        String m = fails(gru, input(valid()));
        assertTrue(m.startsWith("rnn: gru.safetensors: tensor data ends at byte ") && m.endsWith(", past the end of the file ("
                + (b.length - 10 - 8 - ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0)) + " bytes of data)"), m);
        Files.write(gru, Arrays.copyOf(b, 5));
        assertTrue(fails(gru, input(valid())).contains("gru.safetensors: file of 5 bytes is too short"));
    }

    @Test
    void badHeader() throws IOException {
        byte[] b = Files.readAllBytes(gru);
        b[8] = '[';
        Files.write(gru, b);
        assertEquals("rnn: gru.safetensors: header does not start with '{'", fails(gru, input(valid())));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(gru, b);
        assertTrue(fails(gru, input(valid())).contains("gru.safetensors: header length 1099511627776 exceeds the limit"));
    }

    private Path rawInput(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve("in.safetensors");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        String m = fails(gru, rawInput("{\"input\":{\"dtype\":\"F32\",\"shape\":[1,1,7],\"data_offsets\":[0,2800]}}", 28));
        assertTrue(m.startsWith("rnn: in.safetensors: tensor 'input' has 2800 bytes of data"), m);
        m = fails(gru, rawInput("{\"input\":{\"dtype\":\"F32\",\"shape\":[1,1,7],\"data_offsets\":[4,32]}}", 32));
        assertTrue(m.startsWith("rnn: in.safetensors: tensor 'input' has data_offsets [4, 32], expected to begin at 0"), m);
    }

    @Test
    void unknownDtype() throws IOException {
        assertEquals("rnn: in.safetensors: tensor 'input' has unknown dtype 'F24'",
                fails(gru, rawInput("{\"input\":{\"dtype\":\"F24\",\"shape\":[1,1,7],\"data_offsets\":[0,21]}}", 21)));
    }

    @Test
    void refusedDtype() throws IOException {
        assertEquals("rnn: in.safetensors: tensor 'input' has dtype I32, which cannot be read as float32 (F32, F16, BF16 or F64 can)",
                fails(gru, rawInput("{\"input\":{\"dtype\":\"I32\",\"shape\":[1,1,7],\"data_offsets\":[0,28]}}", 28)));
    }

    @Test
    void missingTensor() throws IOException {
        assertEquals("rnn: in.safetensors: missing tensor 'input'",
                fails(gru, input(new SafetensorsWriter().put("h0", m(2, 33), Dtype.F32, 1, 2, 33))));
        assertTrue(fails(dir.resolve("none.safetensors"), input(valid())).contains("none.safetensors: no such file"));
    }

    @Test
    void wrongInputRankOrFeatureSize() throws IOException {
        assertEquals("rnn: in.safetensors: tensor 'input' has shape [10, 7], expected [T, B, 7] (time-major)",
                fails(gru, input(new SafetensorsWriter().put("input", m(10, 7)))));
        assertEquals("rnn: in.safetensors: tensor 'input' has shape [5, 2, 6], expected [5, 2, 7]",
                fails(gru, input(new SafetensorsWriter().put("input", m(10, 6), Dtype.F32, 5, 2, 6))));
        assertTrue(fails(gru, input(new SafetensorsWriter().put("input", m(0, 7), Dtype.F32, 0, 2, 7)))
                .contains("T and B must be at least 1"));
    }

    @Test
    void wrongStateShape() throws IOException {
        assertEquals("rnn: in.safetensors: tensor 'h0' has shape [1, 3, 33], expected [1, 2, 33]",
                fails(gru, input(valid().put("h0", m(3, 33), Dtype.F32, 1, 3, 33))));
        assertEquals("rnn: in.safetensors: tensor 'c0' has shape [2, 2, 33], expected [1, 2, 33]",
                fails(lstm, input(valid().put("c0", m(4, 33), Dtype.F32, 2, 2, 33))));
        assertEquals("rnn: in.safetensors: tensor 'c0' is given but GRU has no cell state",
                fails(gru, input(valid().put("c0", m(2, 33), Dtype.F32, 1, 2, 33))));
    }

    @Test
    void lengthsOutOfRange() throws IOException {
        assertEquals("rnn: in.safetensors: lengths[1] is 0, outside 1..5 (T)", fails(gru, input(valid().putLongs("lengths", 5, 0))));
        assertEquals("rnn: in.safetensors: lengths[0] is 6, outside 1..5 (T)", fails(gru, input(valid().putInts("lengths", 6, 1))));
        assertEquals("rnn: in.safetensors: tensor 'lengths' has shape [3], expected [2]",
                fails(gru, input(valid().putLongs("lengths", 1, 2, 3))));
        assertEquals("rnn: in.safetensors: tensor 'lengths' has dtype F32, expected an integer type (I64 or I32)",
                fails(gru, input(valid().put("lengths", m(1, 2), Dtype.F32, 2))));
    }

    @Test
    void unexpectedInputTensor() throws IOException {
        assertEquals("rnn: in.safetensors: unexpected tensor 'h_0' (expected input, h0, c0, lengths)",
                fails(gru, input(valid().put("h_0", m(2, 33), Dtype.F32, 1, 2, 33))));
    }

    /** The golden LSTM and GRU as encoder.lstm and decoder.rnn of one larger state_dict, beside an embedding. */
    private Path twoModules() throws IOException {
        Path model = dir.resolve("model.safetensors");
        try (SafetensorsFile encoder = SafetensorsFile.open(lstm); SafetensorsFile decoder = SafetensorsFile.open(gru)) {
            SafetensorsWriter w = new SafetensorsWriter().put("embedding.weight", m(11, 7));
            for (String name : encoder.names()) {
                w.putRaw("encoder.lstm." + name, encoder.info(name).dtype(), encoder.info(name).shape(), encoder.bytes(name));
            }
            for (String name : decoder.names()) {
                w.putRaw("decoder.rnn." + name, decoder.info(name).dtype(), decoder.info(name).shape(), decoder.bytes(name));
            }
            w.write(model);
        }
        return model;
    }

    @Test
    void withoutPrefixTheErrorListsThePrefixesTheModelHolds() throws IOException {
        assertEquals("rnn: model.safetensors: holds no plain recurrent module (weight_ih_l0); candidates: decoder.rnn,"
                + " encoder.lstm — pass one as the prefix", fails(twoModules(), input(valid())));
    }

    @Test
    void anUnknownPrefixListsThePrefixesTheModelHolds() throws IOException {
        Path model = twoModules();
        assertEquals("rnn: model.safetensors: holds no recurrent module under prefix 'encoder.gru' (no tensor"
                + " 'encoder.gru.weight_ih_l0'); candidates: decoder.rnn, encoder.lstm",
                fails(model, input(valid()), "--prefix", "encoder.gru"));
        Files.delete(model);
        assertEquals("rnn: gru.safetensors: holds no recurrent module under prefix 'decoder.rnn' (no tensor"
                + " 'decoder.rnn.weight_ih_l0'); candidates: (no prefix)", fails(gru, input(valid()), "--prefix", "decoder.rnn."));
    }

    @Test
    void aPrefixedModuleIsCheckedAsAPlainOne() throws IOException {
        Path model = twoModules();
        assertEquals("rnn: in.safetensors: tensor 'c0' is given but GRU has no cell state",
                fails(model, input(valid().put("c0", m(2, 33), Dtype.F32, 1, 2, 33)), "--prefix", "decoder.rnn"));
        Path broken = dir.resolve("broken.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(model)) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (String name : f.names()) {
                if (!name.equals("encoder.lstm.bias_hh_l0")) {
                    w.putRaw(name, f.info(name).dtype(), f.info(name).shape(), f.bytes(name));
                }
            }
            w.write(broken);
        }
        Files.delete(model);
        assertEquals("rnn: broken.safetensors: missing tensor 'encoder.lstm.bias_hh_l0'",
                fails(broken, input(valid()), "--prefix", "encoder.lstm"));
    }

    @Test
    void eachPrefixRunsItsModuleAsThePlainFileDoes() throws IOException {
        Path model = twoModules(), in = input(valid());
        for (String[] run : new String[][] {{"encoder.lstm", lstm.toString()}, {"decoder.rnn.", gru.toString()}}) {
            Path plainOut = dir.resolve("plain.out.safetensors");
            CliRun plain = CliRun.of("forward", "--model", run[1], "--input", in.toString(), "--output", plainOut.toString());
            CliRun.ok(plain);
            CliRun nested = CliRun.of("forward", "--model", model.toString(), "--prefix", run[0], "--input", in.toString(),
                    "--output", out.toString());
            CliRun.ok(nested);
            assertTrue(nested.out().startsWith("model.safetensors (" + run[0] + "): "), nested.out());
            assertEquals(-1L, Files.mismatch(plainOut, out), run[0]);
        }
    }

    @Test
    void helpNamesThePrefixOption() {
        CliRun help = CliRun.of("forward", "--help");
        CliRun.ok(help);
        assertTrue(help.out().contains("--prefix=P"), help.out());
        assertTrue(help.out().contains("encoder.lstm.weight_ih_l0"), help.out());
    }

    @Test
    void outputDirectoryMissing() throws IOException {
        Path in = input(valid());
        StringWriter so = new StringWriter(), se = new StringWriter();
        int code = RnnCommand.execute(new String[] {"forward", "--model", gru.toString(), "--input", in.toString(),
                "--output", dir.resolve("missing/out.safetensors").toString()}, new PrintWriter(so, true), new PrintWriter(se, true));
        assertEquals(1, code);
        assertTrue(se.toString().strip().contains("does not exist"), se.toString());
    }

    @Test
    void aModelSavedByTheLibraryRunsInAFreshProcess() throws Exception {
        Kernels k = Kernels.preferred();
        Initializers init = new Initializers(42);
        List<StackedLayers.Level> levels = List.of(
                new StackedLayers.Level(CellParameters.allocate(arena, CellKind.RNN_RELU, 7, 5, true),
                        CellParameters.allocate(arena, CellKind.RNN_RELU, 7, 5, true)),
                new StackedLayers.Level(CellParameters.allocate(arena, CellKind.RNN_RELU, 10, 5, true),
                        CellParameters.allocate(arena, CellKind.RNN_RELU, 10, 5, true)));
        for (StackedLayers.Level l : levels) {
            init.pytorchDefault(l.forwardParams());
            init.pytorchDefault(l.backwardParams());
        }
        Path model = dir.resolve("saved.safetensors");
        TorchRecurrentWeights.of(levels).addTo(new SafetensorsWriter()).write(model);
        Matrix x = m(5 * 2, 7);
        Path in = input(new SafetensorsWriter().put("input", x, Dtype.F32, 5, 2, 7).putLongs("lengths", 3, 5));
        float[] expected;
        try (RecurrentModule module = new RecurrentModule(k, levels)) {
            expected = module.forward(x, 2, null, null, new int[] {3, 5}).output().toArray();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), RnnCommand.class.getName(), "forward", "--model", model.toString(),
                "--input", in.toString(), "--output", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertArrayEquals(expected, f.floats("output", 5, 2, 10).toArray());
        }
    }

    @Test
    void missingOptionIsAUsageError() {
        StringWriter so = new StringWriter(), se = new StringWriter();
        assertEquals(2, RnnCommand.execute(new String[] {"forward", "--model", gru.toString()}, new PrintWriter(so, true),
                new PrintWriter(se, true)));
        assertEquals(1, se.toString().strip().lines().count(), se.toString());
    }
}
