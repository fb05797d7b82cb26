package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.GradientCheck;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.TruncatedBptt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Truncated BPTT in the language model's training ({@link TruncatedBptt.Lengths}, the seeds'
 * definition: the forward pass runs on through every step, the backward pass of each chunk of k1
 * steps goes back at most k2): k1 = k2 ≥ T is full BPTT, and k2 &lt; k1 gives the gradient of the
 * truncated graph, checked against central differences of the truncated loss.
 */
class LanguageModelTruncatedBpttTest {

    private static final String TEXT = TaskData.text(400, 21);

    private static CharLanguageModel model(CellKind kind) {
        return CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(kind, 5, 6, 2, 0),
                Vocabulary.ofCharacters(TEXT), 13);
    }

    private static List<float[]> gradients(ParameterSet p) {
        List<float[]> out = new ArrayList<>();
        for (ParameterSet.Entry e : p.entries()) {
            out.add(e.gradient().toArray());
        }
        return out;
    }

    /** One stream of T + 1 characters in one chunk of k1 = k2 = T: the same bits as back-propagating the whole sequence. */
    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU", "RNN_TANH"})
    void wholeChunkIsFullBptt(CellKind kind) {
        int t = 30;
        try (CharLanguageModel lm = model(kind)) {
            int[] ids = Arrays.copyOf(lm.encode(TEXT), t + 1);
            ParameterSet p = lm.parameters();
            try (CharLanguageModelTraining task = new CharLanguageModelTraining(lm, ids, new int[] {0, 1}, 1,
                    new TruncatedBptt.Lengths(t, t), 3)) {
                task.startEpoch(0);
                p.zeroGradients();
                task.trainBatch(0, 0);
            }
            List<float[]> truncated = gradients(p);
            try (CharLanguageModel.Runner r = lm.runner(1, t)) {
                p.zeroGradients();
                r.forward(Arrays.copyOf(ids, t), Arrays.copyOfRange(ids, 1, t + 1), t, true, 3 * 0x9E3779B97F4A7C15L, true);
            }
            List<float[]> full = gradients(p);
            for (int i = 0; i < full.size(); i++) {
                assertArrayEquals(full.get(i), truncated.get(i), p.entries().get(i).name());
            }
        }
    }

    /**
     * With k2 &lt; k1 the gradient is that of the truncated graph: the loss over the chunk, in which the
     * states before its last k2 steps (and the outputs there) are constants. Per tensor, along three
     * random directions, Σ grad·V against (L(θ + εV) − L(θ − εV)) / 2ε of that loss: for recurrent and
     * embedding tensors k2/k1 × the mean loss of the last k2 steps run from the fixed state (the first
     * k1 − k2 steps' loss does not depend on them there), for the output layer the whole chunk's loss.
     * The full-BPTT gradient must fail the same check on the recurrent weights, so the test sees the cut.
     */
    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void shorterBackwardIsTheTruncatedGraphsGradient(CellKind kind) {
        int batch = 2, k1 = 10, k2 = 4, first = k1 - k2;
        try (CharLanguageModel lm = model(kind); CharLanguageModel.Runner r = lm.runner(batch, k1)) {
            int[] ids = lm.encode(TEXT);
            int[] in = new int[k1 * batch], target = new int[k1 * batch];
            for (int s = 0; s < k1; s++) {
                for (int b = 0; b < batch; b++) {
                    in[s * batch + b] = ids[b * 100 + s];
                    target[s * batch + b] = ids[b * 100 + s + 1];
                }
            }
            ParameterSet p = lm.parameters();
            // the fixed state k2 steps before the chunk's end, from the unperturbed weights
            r.resetState();
            r.forward(Arrays.copyOf(in, first * batch), Arrays.copyOf(target, first * batch), first, false, 0, false);
            List<float[]> fixedState = new ArrayList<>();
            for (Matrix m : r.state()) {
                fixedState.add(m.toArray());
            }
            int[] inTail = Arrays.copyOfRange(in, first * batch, k1 * batch), targetTail = Arrays.copyOfRange(target, first * batch, k1 * batch);
            DoubleSupplier tailLoss = () -> {
                for (int i = 0; i < fixedState.size(); i++) {
                    r.state().get(i).copyFrom(fixedState.get(i));
                }
                return (double) k2 / k1 * r.forward(inTail, targetTail, k2, false, 0, false);
            };
            DoubleSupplier chunkLoss = () -> {
                r.resetState();
                return r.forward(in, target, k1, false, 0, false);
            };
            p.zeroGradients();
            r.resetState();
            r.forward(in, target, k1, false, 0, k2);
            List<float[]> truncated = gradients(p);
            p.zeroGradients();
            r.resetState();
            r.forward(in, target, k1, false, 0, true);
            List<float[]> full = gradients(p);
            Random rnd = new Random(17);
            boolean fullFailsSomewhere = false;
            for (int i = 0; i < p.entries().size(); i++) {
                ParameterSet.Entry e = p.entries().get(i);
                boolean head = e.name().startsWith("head.");
                double largest = 0;
                for (int d = 0; d < 3; d++) {
                    float[] v = direction(e.value(), rnd);
                    double numeric = GradientCheck.centralDifference(e.value(), v, head ? chunkLoss : tailLoss, 1e-2f);
                    double analytic = dot(truncated.get(i), v), tol = 1e-2 * Math.max(Math.abs(analytic), Math.abs(numeric)) + 1e-4;
                    assertEquals(numeric, analytic, tol, kind + " " + e.name() + " direction " + d);
                    largest = Math.max(largest, Math.abs(numeric));
                    if (!head) {
                        fullFailsSomewhere |= Math.abs(dot(full.get(i), v) - numeric) > tol;
                    }
                }
                // some derivative is well above the 1e-4 floor, so a zero gradient could not pass
                assertTrue(largest > 3e-4, kind + " " + e.name() + ": derivatives up to " + largest + " are too small to judge");
                if (head) {
                    // the output layer sees every step's loss whatever the truncation
                    assertArrayEquals(full.get(i), truncated.get(i), e.name());
                }
            }
            assertTrue(fullFailsSomewhere, "the full-BPTT gradient also matched: the truncation made no difference");
        }
    }

    @Test
    void lengthsAreCheckedAndParsed() {
        assertEquals(new TruncatedBptt.Lengths(20, 20), TruncatedBptt.Lengths.parse("20"));
        assertEquals(new TruncatedBptt.Lengths(20, 5), TruncatedBptt.Lengths.parse(" 20, 5"));
        assertEquals("truncated BPTT cannot go back further than it ran forward: k2 9 > k1 5",
                assertThrows(IllegalArgumentException.class, () -> TruncatedBptt.Lengths.parse("5,9")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> TruncatedBptt.Lengths.parse("0"));
        assertThrows(IllegalArgumentException.class, () -> TruncatedBptt.Lengths.parse("5,x"));
        assertThrows(IllegalArgumentException.class, () -> TruncatedBptt.Lengths.parse("5,4,3"));
    }

    private static float[] direction(Matrix m, Random rnd) {
        float[] v = new float[m.rows() * m.cols()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextFloat() * 2 - 1;
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
