package dev.rnn.models.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.GradientCheck;
import dev.rnn.models.TestMatrices;
import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Attention: weights are a distribution over the valid source positions only, and gradients match central differences. */
class AttentionLayerTest {

    private static final int B = 3, TS = 5, TT = 4, D = 6;
    private static final int[] LENGTHS = {5, 2, 1};

    private static AttentionLayer.Parameters params(Arena arena, AttentionLayer.Score score, Random rnd) {
        AttentionLayer.Parameters p = new AttentionLayer.Parameters(Kernels.preferred(), arena, score, D);
        for (Matrix m : p.values()) {
            TestMatrices.fill(m, rnd, 0.5f);
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(AttentionLayer.Score.class)
    void weightsSumToOneOverValidPositionsAndPaddingIsIgnored(AttentionLayer.Score score) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(1);
            AttentionLayer.Parameters p = params(arena, score, rnd);
            Matrix enc = TestMatrices.fill(Matrix.allocate(arena, TS * B, D), rnd, 1f);
            Matrix dec = TestMatrices.fill(Matrix.allocate(arena, TT * B, D), rnd, 1f);
            try (AttentionLayer a = new AttentionLayer(Kernels.preferred(), p, B, TS, TT)) {
                float[] out = a.forward(enc, LENGTHS, dec).toArray();
                for (int b = 0; b < B; b++) {
                    Matrix w = a.weights(b);
                    assertEquals(LENGTHS[b], w.cols());
                    for (int t = 0; t < TT; t++) {
                        double sum = 0;
                        for (int j = 0; j < w.cols(); j++) {
                            sum += w.get(t, j);
                        }
                        assertEquals(1.0, sum, 1e-6);
                    }
                }
                // scribble over every padded source position: nothing may change
                for (int b = 0; b < B; b++) {
                    for (int j = LENGTHS[b]; j < TS; j++) {
                        enc.row(j * B + b).fill(1e3f);
                    }
                }
                assertArrayEquals(out, a.forward(enc, LENGTHS, dec).toArray());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(AttentionLayer.Score.class)
    void gradientsMatchCentralDifferences(AttentionLayer.Score score) {
        try (Arena arena = Arena.ofShared()) {
            Random rnd = new Random(2);
            AttentionLayer.Parameters p = params(arena, score, rnd);
            Matrix enc = TestMatrices.fill(Matrix.allocate(arena, TS * B, D), rnd, 1f);
            Matrix dec = TestMatrices.fill(Matrix.allocate(arena, TT * B, D), rnd, 1f);
            Matrix r = TestMatrices.fill(Matrix.allocate(arena, TT * B, D), rnd, 1f);
            Matrix dEnc = Matrix.allocate(arena, TS * B, D), dDec = Matrix.allocate(arena, TT * B, D);
            try (AttentionLayer a = new AttentionLayer(Kernels.preferred(), p, B, TS, TT)) {
                java.util.function.DoubleSupplier loss = () -> {
                    Matrix out = a.forward(enc, LENGTHS, dec);
                    double s = 0;
                    for (int i = 0; i < out.rows(); i++) {
                        for (int j = 0; j < D; j++) {
                            s += (double) out.get(i, j) * r.get(i, j);
                        }
                    }
                    return s;
                };
                loss.getAsDouble();
                a.backward(r, dDec, dEnc);
                Random dir = new Random(3);
                GradientCheck.directional(score + " encoder", enc, copy(arena, dEnc), loss, dir, 1e-2f);
                GradientCheck.directional(score + " decoder", dec, copy(arena, dDec), loss, dir, 1e-2f);
                for (int i = 0; i < p.values().size(); i++) {
                    GradientCheck.directional(score + " parameter " + i, p.values().get(i), copy(arena, p.gradients().get(i)), loss, dir, 1e-2f);
                }
            }
        }
    }

    private static Matrix copy(Arena arena, Matrix m) {
        Matrix c = Matrix.allocate(arena, m.rows(), m.cols());
        c.copyFrom(m);
        return c;
    }
}
