package dev.rnn.models.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn.core.Matrix;
import dev.rnn.models.TestMatrices;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.RecurrentLayer;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TruncatedBpttTest {

    private static final int T = 12;
    private static final int B = 3;
    private static final int I = 4;
    private static final int H = 5;

    /** PyTorch-default parameters from the given seed. */
    private static CellParameters parameters(Arena arena, CellKind kind, long seed) {
        CellParameters p = CellParameters.allocate(arena, kind, I, H, true);
        new Initializers(seed).pytorchDefault(p);
        return p;
    }

    /** With k1 = k2 ≥ T, truncated BPTT is full BPTT: the same outputs and the same gradients. */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void kAtLeastTEqualsFullBptt(CellKind kind) {
        Kernels k = Kernels.preferred();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(5);
            CellParameters p = parameters(arena, kind, 5);
            Matrix x = TestMatrices.random(arena, T * B, I, rnd, 1f), dOut = TestMatrices.random(arena, T * B, H, rnd, 1f);
            CellParameters full = p.zerosLike(arena), truncated = p.zerosLike(arena);
            Matrix dxFull = Matrix.allocate(arena, T * B, I), dxTrunc = Matrix.allocate(arena, T * B, I);
            try (RecurrentLayer a = new RecurrentLayer(k, kind.cell(I, H), p, T, B);
                 RecurrentLayer b = new RecurrentLayer(k, kind.cell(I, H), p, 16, B);
                 TruncatedBptt tbptt = new TruncatedBptt(b, B, 16)) {
                Matrix outFull = a.forward(x, null, null, null);
                a.backward(dOut, null, null, full, dxFull);
                Matrix outTrunc = tbptt.forward(x);
                tbptt.backward(dOut, truncated, dxTrunc);
                assertArrayClose(outFull.toArray(), outTrunc.toArray(), "output");
                assertArrayClose(dxFull.toArray(), dxTrunc.toArray(), "∂input");
                for (int i = 0; i < full.tensors().size(); i++) {
                    assertArrayClose(full.tensors().get(i).toArray(), truncated.tensors().get(i).toArray(), "gradient " + i);
                }
            }
        }
    }

    /** Chunks of k1 < T carry the state: their outputs, laid end to end, are the full sequence's output. */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void chunksCarryTheState(CellKind kind) {
        Kernels k = Kernels.preferred();
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(6);
            CellParameters p = parameters(arena, kind, 6);
            Matrix x = TestMatrices.random(arena, T * B, I, rnd, 1f);
            try (RecurrentLayer a = new RecurrentLayer(k, kind.cell(I, H), p, T, B);
                 RecurrentLayer b = new RecurrentLayer(k, kind.cell(I, H), p, 5, B);
                 TruncatedBptt tbptt = new TruncatedBptt(b, B, 3)) {
                float[] full = a.forward(x, null, null, null).toArray();
                for (int start = 0; start < T; start += 5) {
                    int end = Math.min(T, start + 5);
                    float[] part = tbptt.forward(x.sliceRows(start * B, end * B)).toArray();
                    for (int i = 0; i < part.length; i++) {
                        assertEquals(full[start * B * H + i], part[i], 1e-5, "step " + (start + i / (B * H)));
                    }
                }
            }
        }
    }

    /**
     * Backward through the last k2 steps of a chunk equals full BPTT of a layer that starts, detached,
     * at the state k2 steps before the end and sees only the last k2 outputs' gradients.
     */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void truncationCutsTheGradientAtK2(CellKind kind) {
        Kernels k = Kernels.preferred();
        int k2 = 4;
        try (Arena arena = Arena.ofConfined()) {
            Random rnd = new Random(7);
            CellParameters p = parameters(arena, kind, 7);
            Matrix x = TestMatrices.random(arena, T * B, I, rnd, 1f), dOut = TestMatrices.random(arena, T * B, H, rnd, 1f);
            CellParameters truncated = p.zerosLike(arena), reference = p.zerosLike(arena);
            try (RecurrentLayer a = new RecurrentLayer(k, kind.cell(I, H), p, T, B);
                 RecurrentLayer tail = new RecurrentLayer(k, kind.cell(I, H), p, k2, B)) {
                a.forward(x, null, null, null);
                a.backward(dOut, null, null, truncated, null, null, k2);
                // the reference: run to T − k2 without gradient, then a fresh layer over the last k2 steps
                Matrix h = Matrix.allocate(arena, B, H), c = kind.hasCellState() ? Matrix.allocate(arena, B, H) : null;
                try (RecurrentLayer head = new RecurrentLayer(k, kind.cell(I, H), p, T - k2, B)) {
                    head.forward(x.sliceRows(0, (T - k2) * B), null, null, null);
                    h.copyFrom(head.finalHidden());
                    if (c != null) {
                        c.copyFrom(head.finalCell());
                    }
                }
                tail.forward(x.sliceRows((T - k2) * B, T * B), h, c, null);
                tail.backward(dOut.sliceRows((T - k2) * B, T * B), null, null, reference, null);
                for (int i = 0; i < reference.tensors().size(); i++) {
                    assertArrayClose(reference.tensors().get(i).toArray(), truncated.tensors().get(i).toArray(), "gradient " + i);
                }
            }
        }
    }

    private static void assertArrayClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 * (1 + Math.abs(expected[i])), what + " [" + i + "]");
        }
    }
}
