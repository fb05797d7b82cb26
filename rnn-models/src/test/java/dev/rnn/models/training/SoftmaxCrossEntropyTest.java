package dev.rnn.models.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SoftmaxCrossEntropyTest {

    @Property(tries = 50)
    void perplexityOfUniformLogitsIsTheVocabularySize(@ForAll @IntRange(min = 1, max = 300) int vocab,
                                                      @ForAll @IntRange(min = 1, max = 20) int rows,
                                                      @ForAll float level) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix logits = Matrix.allocate(arena, rows, vocab);
            logits.fill(Float.isFinite(level) && Math.abs(level) < 1e6f ? level : 0f);
            int[] targets = new int[rows];
            for (int i = 0; i < rows; i++) {
                targets[i] = i % vocab;
            }
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(Kernels.preferred(), rows);
            assertEquals(vocab, loss.perplexity(logits, targets), vocab * 1e-5);
        }
    }

    @Property(tries = 50)
    void perplexityIsExpOfMeanCrossEntropyOverCountedRows(@ForAll long seed) {
        Random rnd = new Random(seed);
        int rows = 1 + rnd.nextInt(30), vocab = 2 + rnd.nextInt(50);
        try (Arena arena = Arena.ofConfined()) {
            Matrix logits = Matrix.allocate(arena, rows, vocab);
            int[] targets = new int[rows];
            double sum = 0;
            int counted = 0;
            float[] one = new float[1];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < vocab; j++) {
                    logits.set(i, j, (float) rnd.nextGaussian() * 3);
                }
                targets[i] = rnd.nextInt(4) == 0 ? -1 : rnd.nextInt(vocab);
                if (targets[i] >= 0) {
                    Kernels.scalar().crossEntropy(logits.row(i), new int[] {targets[i]}, one);
                    sum += one[0];
                    counted++;
                }
            }
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(Kernels.preferred(), 64);
            double mean = loss.loss(logits, targets);
            if (counted == 0) {
                assertTrue(Double.isNaN(mean));
            } else {
                assertEquals(sum / counted, mean, 1e-5 * (1 + Math.abs(mean)));
                assertEquals(Math.exp(mean), loss.perplexity(logits, targets), 1e-9 * Math.exp(mean));
            }
        }
    }

    @Test
    void rejectsBatchesLargerThanItsBuffer() {
        try (Arena arena = Arena.ofConfined()) {
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(Kernels.preferred(), 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> loss.loss(Matrix.allocate(arena, 3, 4), new int[3]));
            assertTrue(e.getMessage().contains("3×4"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> loss.loss(Matrix.allocate(arena, 2, 4), new int[3]));
        }
    }
}
