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
        CellParameters[] dirs = level.bidirectional()
                ? new CellParameters[] {level.forwardParams(), level.backwardParams()}
                : new CellParameters[] {level.forwardParams()};
        for (int d = 0; d < dirs.length; d++) {
            String s = "_l" + k + (d == 1 ? "_reverse" : "");
            writer.put("weight_ih" + s, dirs[d].weightIh()).put("weight_hh" + s, dirs[d].weightHh());
            if (dirs[d].hasBias()) {
                writer.put("bias_ih" + s, dirs[d].biasIh(), Dtype.F32, dirs[d].biasIh().cols());
                writer.put("bias_hh" + s, dirs[d].biasHh(), Dtype.F32, dirs[d].biasHh().cols());
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
