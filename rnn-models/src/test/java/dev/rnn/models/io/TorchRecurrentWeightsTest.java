package dev.rnn.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.KernelProviders;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.RecurrentModule;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.training.Initializers;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchRecurrentWeightsTest {

    @TempDir
    Path dir;

    private static List<StackedLayers.Level> levels(Arena arena, CellKind kind, int input, int hidden, int layers,
                                                    boolean bidirectional, boolean bias, long seed) {
        Initializers init = new Initializers(seed);
        List<StackedLayers.Level> levels = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            int in = k == 0 ? input : (bidirectional ? 2 : 1) * hidden;
            CellParameters f = CellParameters.allocate(arena, kind, in, hidden, bias);
            CellParameters b = bidirectional ? CellParameters.allocate(arena, kind, in, hidden, bias) : null;
            init.pytorchDefault(f);
            if (b != null) {
                init.pytorchDefault(b);
            }
            levels.add(new StackedLayers.Level(f, b));
        }
        return levels;
    }

    private Path save(TorchRecurrentWeights w, boolean withMode) throws IOException {
        Path p = dir.resolve("w.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        if (withMode) {
            w.addTo(writer);
        } else {
            // as a plain torch state_dict saved without metadata
            for (int k = 0; k < w.levels().size(); k++) {
                addLevel(writer, w.levels().get(k), k);
            }
        }
        writer.write(p);
        return p;
    }

    private static void addLevel(SafetensorsWriter writer, StackedLayers.Level level, int k) {
        addLevel(writer, "", level, k);
    }

    /** Layer {@code k} under PyTorch's names, each preceded by {@code p} (empty or ending in a dot). */
    private static void addLevel(SafetensorsWriter writer, String p, StackedLayers.Level level, int k) {
        CellParameters[] dirs = level.bidirectional()
                ? new CellParameters[] {level.forwardParams(), level.backwardParams()}
                : new CellParameters[] {level.forwardParams()};
        for (int d = 0; d < dirs.length; d++) {
            String s = "_l" + k + (d == 1 ? "_reverse" : "");
            writer.put(p + "weight_ih" + s, dirs[d].weightIh()).put(p + "weight_hh" + s, dirs[d].weightHh());
            if (dirs[d].hasBias()) {
                writer.put(p + "bias_ih" + s, dirs[d].biasIh(), Dtype.F32, dirs[d].biasIh().cols());
                writer.put(p + "bias_hh" + s, dirs[d].biasHh(), Dtype.F32, dirs[d].biasHh().cols());
            }
        }
    }

    @Test
    void writesAndReadsBackEveryKindAndShape() throws IOException {
        for (CellKind kind : CellKind.values()) {
            for (boolean bi : new boolean[] {false, true}) {
                try (Arena arena = Arena.ofConfined()) {
                    TorchRecurrentWeights w = TorchRecurrentWeights.of(levels(arena, kind, 7, 9, 2, bi, !bi, 3));
                    Path p = save(w, true);
                    try (SafetensorsFile f = SafetensorsFile.open(p)) {
                        TorchRecurrentWeights r = TorchRecurrentWeights.read(f);
                        assertEquals(kind, r.kind());
                        assertEquals(7, r.inputSize());
                        assertEquals(9, r.hiddenSize());
                        assertEquals(2, r.layers());
                        assertEquals(bi, r.bidirectional());
                        assertEquals(!bi, r.bias());
                        for (int k = 0; k < 2; k++) {
                            assertSame(w.levels().get(k).forwardParams(), r.levels().get(k).forwardParams());
                            if (bi) {
                                assertSame(w.levels().get(k).backwardParams(), r.levels().get(k).backwardParams());
                            } else {
                                assertNull(r.levels().get(k).backwardParams());
                            }
                        }
                        assertTrue(r.levels().get(0).forwardParams().weightHh().segment().isMapped());
                    }
                }
            }
        }
    }

    private static void assertSame(CellParameters a, CellParameters b) {
        assertEquals(a.tensors().size(), b.tensors().size());
        for (int i = 0; i < a.tensors().size(); i++) {
            assertArrayEquals(a.tensors().get(i).toArray(), b.tensors().get(i).toArray());
        }
    }

    @Test
    void withoutModeTheCellFollowsFromTheGateMultiple() throws IOException {
        for (CellKind kind : new CellKind[] {CellKind.RNN_TANH, CellKind.GRU, CellKind.LSTM}) {
            try (Arena arena = Arena.ofConfined()) {
                Path p = save(TorchRecurrentWeights.of(levels(arena, kind, 4, 5, 1, false, true, 1)), false);
                try (SafetensorsFile f = SafetensorsFile.open(p)) {
                    assertFalse(f.metadata().containsKey("mode"));
                    assertEquals(kind, TorchRecurrentWeights.read(f).kind());
                }
            }
        }
    }

    @Test
    void modeNamesReluWhichShapesCannotTell() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path p = save(TorchRecurrentWeights.of(levels(arena, CellKind.RNN_RELU, 4, 5, 1, false, true, 1)), true);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(CellKind.RNN_RELU, TorchRecurrentWeights.read(f).kind());
            }
        }
    }

    private String refused(SafetensorsWriter w) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        w.write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> TorchRecurrentWeights.read(f));
            assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
            return e.getMessage();
        }
    }

    @Test
    void inconsistentFilesAreRefusedNamingTheTensor() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            Matrix w12x3 = Matrix.allocate(a, 12, 3), w12x4 = Matrix.allocate(a, 12, 4), w12x5 = Matrix.allocate(a, 12, 5);
            Matrix w10x3 = Matrix.allocate(a, 10, 3), b12 = Matrix.allocate(a, 1, 12);
            assertEquals("bad.safetensors: missing tensor 'weight_ih_l0': not the state_dict of a PyTorch nn.RNN, nn.LSTM or nn.GRU",
                    refused(new SafetensorsWriter().put("fc.weight", w12x3)));
            assertTrue(refused(new SafetensorsWriter().put("weight_ih_l0", w12x5).put("weight_hh_l0", w10x3))
                    .contains("tensor 'weight_hh_l0' has shape [10, 3]: 10 rows are not 1, 3 or 4 times the hidden size 3"));
            assertEquals("bad.safetensors: tensor 'weight_hh_l1' has shape [12, 4], expected [12, 3]",
                    refused(new SafetensorsWriter().put("weight_ih_l0", w12x5).put("weight_hh_l0", w12x3)
                            .put("weight_ih_l1", w12x3).put("weight_hh_l1", w12x4)));
            assertEquals("bad.safetensors: missing tensor 'bias_hh_l0'",
                    refused(new SafetensorsWriter().put("weight_ih_l0", w12x5).put("weight_hh_l0", w12x3)
                            .put("bias_ih_l0", b12, Dtype.F32, 12)));
            assertEquals("bad.safetensors: tensor 'bias_ih_l0' has shape [1, 12], expected [12]",
                    refused(new SafetensorsWriter().put("weight_ih_l0", w12x5).put("weight_hh_l0", w12x3)
                            .put("bias_ih_l0", b12).put("bias_hh_l0", b12, Dtype.F32, 12)));
            assertTrue(refused(new SafetensorsWriter().put("weight_ih_l0", w12x5).put("weight_hh_l0", w12x3)
                    .put("weight_hr_l0", w12x3)).contains("unexpected tensor 'weight_hr_l0'"));
            assertTrue(refused(new SafetensorsWriter().put("weight_ih_l0", w12x5).put("weight_hh_l0", w12x3)
                    .put("weight_ih_l2", w12x3).put("weight_hh_l2", w12x3)).contains("unexpected tensor 'weight_hh_l2'"));
            assertEquals("bad.safetensors: metadata mode 'LSTMX' is not one of [RNN_TANH, RNN_RELU, LSTM, GRU]",
                    refused(new SafetensorsWriter().metadata("mode", "LSTMX").put("weight_ih_l0", w12x5).put("weight_hh_l0", w12x3)));
            assertEquals("bad.safetensors: tensor 'weight_hh_l0' has shape [12, 3], expected [9, 3] for mode GRU",
                    refused(new SafetensorsWriter().metadata("mode", "GRU").put("weight_ih_l0", w12x5).put("weight_hh_l0", w12x3)));
            assertEquals("bad.safetensors: tensor 'weight_ih_l0_reverse' has shape [12, 3], expected [12, 5]",
                    refused(new SafetensorsWriter().put("weight_ih_l0", w12x5).put("weight_hh_l0", w12x3)
                            .put("weight_ih_l0_reverse", w12x3).put("weight_hh_l0_reverse", w12x3)));
        }
    }

    /** Adds every layer of {@code w} under {@code p} (empty or ending in a dot), without metadata. */
    private static SafetensorsWriter addModule(SafetensorsWriter writer, String p, TorchRecurrentWeights w) {
        for (int k = 0; k < w.levels().size(); k++) {
            addLevel(writer, p, w.levels().get(k), k);
        }
        return writer;
    }

    private static void assertSameModule(TorchRecurrentWeights want, TorchRecurrentWeights got) {
        assertEquals(want.kind(), got.kind());
        assertEquals(want.inputSize(), got.inputSize());
        assertEquals(want.hiddenSize(), got.hiddenSize());
        assertEquals(want.layers(), got.layers());
        assertEquals(want.bidirectional(), got.bidirectional());
        assertEquals(want.bias(), got.bias());
        for (int k = 0; k < want.layers(); k++) {
            assertSame(want.levels().get(k).forwardParams(), got.levels().get(k).forwardParams());
            if (want.bidirectional()) {
                assertSame(want.levels().get(k).backwardParams(), got.levels().get(k).backwardParams());
            }
        }
    }

    /**
     * A larger module's state_dict: an embedding, the recurrent module under encoder.lstm, a
     * submodule of it (encoder.lstm.adapter, another module's tensors), a head and a stray tensor.
     */
    private Path nested(TorchRecurrentWeights w, Arena a, String modeKey) throws IOException {
        Path p = dir.resolve("model.safetensors");
        SafetensorsWriter writer = addModule(new SafetensorsWriter(), "encoder.lstm.", w)
                .put("embedding.weight", Matrix.allocate(a, 11, w.inputSize()))
                .put("encoder.norm.weight", Matrix.allocate(a, 1, 3), Dtype.F32, 3)
                .put("encoder.lstm.adapter.weight", Matrix.allocate(a, 3, 3))
                .put("head.weight", Matrix.allocate(a, 2, w.hiddenSize()))
                .put("head.bias", Matrix.allocate(a, 1, 2), Dtype.F32, 2)
                .put("weight", Matrix.allocate(a, 1, 2), Dtype.F32, 2);
        if (modeKey != null) {
            writer.metadata(modeKey, w.kind().name());
        }
        writer.write(p);
        return p;
    }

    @Test
    void readsTheModuleUnderAPrefixIgnoringEveryOtherTensor() throws IOException {
        for (CellKind kind : CellKind.values()) {
            for (boolean bi : new boolean[] {false, true}) {
                try (Arena arena = Arena.ofConfined()) {
                    TorchRecurrentWeights w = TorchRecurrentWeights.of(levels(arena, kind, 7, 9, 2, bi, !bi, 5));
                    // RNN_RELU needs the mode; the others are told by their gate multiple
                    Path p = nested(w, arena, kind == CellKind.RNN_RELU ? "mode" : null);
                    try (SafetensorsFile f = SafetensorsFile.open(p)) {
                        for (String prefix : new String[] {"encoder.lstm", "encoder.lstm."}) {
                            TorchRecurrentWeights r = TorchRecurrentWeights.read(f, prefix);
                            assertSameModule(w, r);
                            assertTrue(r.levels().get(0).forwardParams().weightHh().segment().isMapped());
                        }
                    }
                }
            }
        }
    }

    @Test
    void theEmptyPrefixIsThePlainModule() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            TorchRecurrentWeights w = TorchRecurrentWeights.of(levels(arena, CellKind.GRU, 4, 5, 2, true, true, 2));
            Path p = save(w, true);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(List.of(""), TorchRecurrentWeights.prefixes(f));
                assertSameModule(w, TorchRecurrentWeights.read(f, ""));
                assertSameModule(w, TorchRecurrentWeights.read(f));
            }
        }
    }

    @Test
    void modeMetadataWorksUnderAPrefixAndPerModule() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            TorchRecurrentWeights relu = TorchRecurrentWeights.of(levels(a, CellKind.RNN_RELU, 4, 5, 1, true, true, 1));
            try (SafetensorsFile f = SafetensorsFile.open(nested(relu, a, "mode"))) {
                assertEquals(CellKind.RNN_RELU, TorchRecurrentWeights.read(f, "encoder.lstm").kind());
            }
            try (SafetensorsFile f = SafetensorsFile.open(nested(relu, a, null))) {
                assertEquals(CellKind.RNN_TANH, TorchRecurrentWeights.read(f, "encoder.lstm").kind(), "without mode, G = H is tanh");
            }
            // two modules of different kinds: each names its own cell as prefix.mode, which wins over mode
            TorchRecurrentWeights gru = TorchRecurrentWeights.of(levels(a, CellKind.GRU, 5, 3, 2, false, true, 2));
            Path p = dir.resolve("two.safetensors");
            addModule(addModule(new SafetensorsWriter(), "encoder.rnn.", relu), "decoder.gru.", gru)
                    .metadata("encoder.rnn.mode", "RNN_RELU").metadata("mode", "GRU").write(p);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertSameModule(relu, TorchRecurrentWeights.read(f, "encoder.rnn"));
                assertSameModule(gru, TorchRecurrentWeights.read(f, "decoder.gru."));
            }
        }
    }

    private String refused(Path p, String prefix) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> TorchRecurrentWeights.read(f, prefix));
            return e.getMessage();
        }
    }

    @Test
    void withoutAPrefixTheErrorListsTheCandidates() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            TorchRecurrentWeights lstm = TorchRecurrentWeights.of(levels(a, CellKind.LSTM, 4, 3, 1, false, true, 1));
            TorchRecurrentWeights rnn = TorchRecurrentWeights.of(levels(a, CellKind.RNN_TANH, 3, 2, 1, false, true, 2));
            Path p = dir.resolve("model.safetensors");
            addModule(addModule(new SafetensorsWriter(), "encoder.lstm.", lstm), "decoder.rnn.", rnn)
                    .put("head.weight", Matrix.allocate(a, 2, 2)).write(p);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                assertEquals(List.of("decoder.rnn", "encoder.lstm"), TorchRecurrentWeights.prefixes(f));
                SafetensorsException e = assertThrows(SafetensorsException.class, () -> TorchRecurrentWeights.read(f));
                assertEquals("model.safetensors: holds no plain recurrent module (weight_ih_l0); candidates: decoder.rnn,"
                        + " encoder.lstm — pass one as the prefix", e.getMessage());
                assertEquals(e.getMessage(), assertThrows(SafetensorsException.class, () -> TorchRecurrentWeights.read(f, ""))
                        .getMessage());
                assertSameModule(lstm, TorchRecurrentWeights.read(f, "encoder.lstm"));
                assertSameModule(rnn, TorchRecurrentWeights.read(f, "decoder.rnn"));
            }
        }
    }

    @Test
    void anUnknownPrefixListsTheCandidates() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            TorchRecurrentWeights w = TorchRecurrentWeights.of(levels(a, CellKind.LSTM, 4, 3, 1, false, true, 1));
            Path nested = nested(w, a, null);
            assertEquals("model.safetensors: holds no recurrent module under prefix 'encoder.gru' (no tensor"
                    + " 'encoder.gru.weight_ih_l0'); candidates: encoder.lstm", refused(nested, "encoder.gru"));
            assertEquals("model.safetensors: holds no recurrent module under prefix 'encoder' (no tensor"
                    + " 'encoder.weight_ih_l0'); candidates: encoder.lstm", refused(nested, "encoder."));
            assertEquals("model.safetensors: holds no recurrent module under prefix 'lstm' (no tensor"
                    + " 'lstm.weight_ih_l0'); candidates: encoder.lstm", refused(nested, "lstm"));
            Path plain = save(w, true);
            assertEquals("w.safetensors: holds no recurrent module under prefix 'encoder.lstm' (no tensor"
                    + " 'encoder.lstm.weight_ih_l0'); candidates: (no prefix)", refused(plain, "encoder.lstm"));
            Path none = dir.resolve("none.safetensors");
            new SafetensorsWriter().put("fc.weight", Matrix.allocate(a, 2, 2)).write(none);
            assertEquals("none.safetensors: holds no recurrent module under prefix 'fc' (no tensor 'fc.weight_ih_l0'),"
                    + " nor under any other prefix", refused(none, "fc"));
            try (SafetensorsFile f = SafetensorsFile.open(none)) {
                assertEquals(List.of(), TorchRecurrentWeights.prefixes(f));
            }
        }
    }

    @Test
    void aPrefixedModuleIsCheckedAsStrictlyAsAPlainOne() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            Matrix w12x3 = Matrix.allocate(a, 12, 3), w12x4 = Matrix.allocate(a, 12, 4), w12x5 = Matrix.allocate(a, 12, 5);
            Matrix w10x3 = Matrix.allocate(a, 10, 3), b12 = Matrix.allocate(a, 1, 12);
            String e = "enc.lstm.";
            Path p = dir.resolve("bad.safetensors");
            // a well-formed module beside enc.lstm, whose own tensors must not excuse enc.lstm's
            SafetensorsWriter ok = new SafetensorsWriter().put("dec.lstm.weight_ih_l0", w12x3).put("dec.lstm.weight_hh_l0", w12x3)
                    .put("dec.lstm.weight_ih_l1", w12x3).put("dec.lstm.weight_hh_l1", w12x3).put("dec.lstm.bias_ih_l0", b12, Dtype.F32, 12);
            ok.put(e + "weight_ih_l0", w12x5);
            ok.write(p);
            assertEquals("bad.safetensors: missing tensor 'enc.lstm.weight_hh_l0': not the state_dict of a PyTorch nn.RNN,"
                    + " nn.LSTM or nn.GRU", refused(p, "enc.lstm"));
            new SafetensorsWriter().put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w10x3).write(p);
            assertTrue(refused(p, "enc.lstm").contains("tensor 'enc.lstm.weight_hh_l0' has shape [10, 3]: 10 rows are not 1, 3"
                    + " or 4 times the hidden size 3"));
            new SafetensorsWriter().put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3)
                    .put(e + "weight_ih_l1", w12x3).put(e + "weight_hh_l1", w12x4).write(p);
            assertEquals("bad.safetensors: tensor 'enc.lstm.weight_hh_l1' has shape [12, 4], expected [12, 3]", refused(p, "enc.lstm"));
            new SafetensorsWriter().put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3)
                    .put(e + "bias_ih_l0", b12, Dtype.F32, 12).write(p);
            assertEquals("bad.safetensors: missing tensor 'enc.lstm.bias_hh_l0'", refused(p, "enc.lstm"));
            new SafetensorsWriter().put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3)
                    .put(e + "weight_ih_l2", w12x3).put(e + "weight_hh_l2", w12x3).write(p);
            assertEquals("bad.safetensors: unexpected tensor 'enc.lstm.weight_hh_l2' in a PyTorch LSTM state_dict of 1 layer(s)",
                    refused(p, "enc.lstm"));
            new SafetensorsWriter().put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3).put(e + "weight_hr_l0", w12x3)
                    .write(p);
            assertTrue(refused(p, "enc.lstm").contains("unexpected tensor 'enc.lstm.weight_hr_l0' in a PyTorch LSTM state_dict"
                    + " of 1 layer(s) (LSTM projections, proj_size > 0, are not supported)"));
            new SafetensorsWriter().put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3).put(e + "bias_hh_l0_reverse", b12,
                    Dtype.F32, 12).write(p);
            assertTrue(refused(p, "enc.lstm").contains("unexpected tensor 'enc.lstm.bias_hh_l0_reverse'"));
            new SafetensorsWriter().put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3)
                    .put(e + "weight_ih_l0_reverse", w12x3).put(e + "weight_hh_l0_reverse", w12x3).write(p);
            assertEquals("bad.safetensors: tensor 'enc.lstm.weight_ih_l0_reverse' has shape [12, 3], expected [12, 5]",
                    refused(p, "enc.lstm"));
            new SafetensorsWriter().metadata("enc.lstm.mode", "LSTMX").put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3)
                    .write(p);
            assertEquals("bad.safetensors: metadata enc.lstm.mode 'LSTMX' is not one of [RNN_TANH, RNN_RELU, LSTM, GRU]",
                    refused(p, "enc.lstm"));
            new SafetensorsWriter().metadata("mode", "GRU").put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3).write(p);
            assertEquals("bad.safetensors: tensor 'enc.lstm.weight_hh_l0' has shape [12, 3], expected [9, 3] for mode GRU"
                    + " (the file's mode; a module of another kind names its own as metadata 'enc.lstm.mode')", refused(p, "enc.lstm"));
            new SafetensorsWriter().metadata("enc.lstm.mode", "GRU").put(e + "weight_ih_l0", w12x5).put(e + "weight_hh_l0", w12x3)
                    .write(p);
            assertEquals("bad.safetensors: tensor 'enc.lstm.weight_hh_l0' has shape [12, 3], expected [9, 3] for enc.lstm.mode GRU",
                    refused(p, "enc.lstm"));
        }
    }

    @Test
    void moduleReusesItsBuffersAcrossShapes() {
        Kernels k = KernelProviders.named("scalar");
        try (Arena arena = Arena.ofConfined()) {
            List<StackedLayers.Level> lv = levels(arena, CellKind.LSTM, 3, 4, 2, true, true, 9);
            Matrix x = Matrix.allocate(arena, 6 * 2, 3);
            dev.rnn.models.TestMatrices.fill(x, new java.util.Random(1), 1f);
            float[] expectedOut, expectedH;
            try (RecurrentModule fresh = new RecurrentModule(k, lv)) {
                RecurrentModule.Result r = fresh.forward(x, 2, null, null, new int[] {6, 2});
                expectedOut = r.output().toArray();
                expectedH = r.hN().toArray();
            }
            try (RecurrentModule used = new RecurrentModule(k, lv)) {
                used.forward(x.sliceRows(0, 3), 3, null, null, null);      // T=1, B=3
                used.forward(x.sliceRows(0, 4), 2, null, null, null);      // T=2, B=2
                RecurrentModule.Result r = used.forward(x, 2, null, null, new int[] {6, 2});
                assertArrayEquals(expectedOut, r.output().toArray());
                assertArrayEquals(expectedH, r.hN().toArray());
                assertEquals(4 * 2, r.hN().rows());
                assertEquals(8, used.outputSize());
            }
        }
    }
}
