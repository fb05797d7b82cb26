package dev.rnn.models.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.BatchFixture.Built;
import dev.rnn.models.streaming.BatchFixture.Spec;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link StreamBatch}: steady-state steps allocate nothing; misuse fails with exceptions that name the problem. */
class StreamBatchTest {

    private static Spec spec(CellKind kind, int vocab, int classes, StepOutput output) {
        return new Spec(List.of(kind, kind), List.of(24, 17), 9, vocab, classes, true, PackedMatrix.Format.F32, output, false, 7);
    }

    /**
     * Many batched steps of every row count from 1 to maxBatch, after warm-up, allocate 0 bytes on the
     * stepping thread, for token and feature models, and for one whose products span several of the
     * SIMD product's blocks (I + H = 524 deep, 530 logits wide). Measured with
     * com.sun.management.ThreadMXBean. The JIT must first compile the Vector API code
     * (interpreted, every vector is an object), so windows of 2,000 steps are measured until one reads 0
     * bytes, at most 80 of them; a step that allocates in steady state never reaches 0.
     */
    @ParameterizedTest
    @EnumSource(CellKind.class)
    void steadyStateStepsAllocateNothing(CellKind kind) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        int maxBatch = 13;
        try (Arena arena = Arena.ofShared();
             Built tokens = BatchFixture.build(arena, spec(kind, 29, 11, StepOutput.PROBABILITIES));
             Built features = BatchFixture.build(arena, spec(kind, 0, 0, StepOutput.HIDDEN));
             StreamBatch tokenBatch = tokens.model().newBatch(maxBatch, StepOutput.PROBABILITIES);
             StreamBatch featureBatch = features.model().newBatch(maxBatch, StepOutput.HIDDEN);
             Built wide = BatchFixture.build(arena, new Spec(List.of(kind), List.of(4), 520, 0, 530, true, PackedMatrix.Format.F32,
                     StepOutput.LOGITS, false, 9));
             StreamBatch wideBatch = wide.model().newBatch(maxBatch, StepOutput.LOGITS)) {
            StreamSession[] wideSessions = new StreamSession[maxBatch];
            Matrix wideInputs = Matrix.allocate(arena, maxBatch, 520), wideOuts = Matrix.allocate(arena, maxBatch, 530);
            StreamSession[] tokenSessions = new StreamSession[maxBatch], featureSessions = new StreamSession[maxBatch];
            float[][] tokenOuts = new float[maxBatch][tokenBatch.outputSize()], featureOuts = new float[maxBatch][featureBatch.outputSize()];
            float[][] inputs = new float[maxBatch][features.model().inputSize()];
            Matrix featureRows = Matrix.allocate(arena, maxBatch, features.model().inputSize());
            Matrix outRows = Matrix.allocate(arena, maxBatch, tokenBatch.outputSize());
            Random rnd = new Random(1);
            int[][] tokenIds = new int[64][maxBatch];
            for (int[] row : tokenIds) {
                for (int i = 0; i < maxBatch; i++) {
                    row[i] = rnd.nextInt(29);
                }
            }
            for (int i = 0; i < maxBatch; i++) {
                tokenSessions[i] = tokens.model().newSession(StepOutput.PROBABILITIES);
                wideSessions[i] = wide.model().newSession(StepOutput.LOGITS);
                featureSessions[i] = features.model().newSession(StepOutput.HIDDEN);
                for (int j = 0; j < inputs[i].length; j++) {
                    inputs[i][j] = rnd.nextFloat() * 2 - 1;
                    featureRows.set(i, j, inputs[i][j]);
                }
            }
            long[] windows = new long[80];
            for (int w = 0; w < windows.length; w++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int step = 0; step < 2000; step++) {
                    int count = 1 + step % maxBatch;
                    switch (step % 5) {
                        case 0 -> tokenBatch.step(tokenSessions, count, tokenIds[step & 63], tokenOuts);
                        case 1 -> tokenBatch.step(tokenSessions, count, tokenIds[step & 63], outRows);
                        case 2 -> featureBatch.step(featureSessions, count, inputs, featureOuts);
                        case 3 -> featureBatch.step(featureSessions, count, featureRows, null);
                        default -> wideBatch.step(wideSessions, count, wideInputs, wideOuts);
                    }
                }
                windows[w] = threads.getCurrentThreadAllocatedBytes() - before;
                if (windows[w] == 0) {
                    System.out.println(kind + ": 2,000 batched steps allocated 0 bytes after " + w + " warm-up windows");
                    for (StreamSession s : tokenSessions) {
                        s.close();
                    }
                    for (StreamSession s : featureSessions) {
                        s.close();
                    }
                    for (StreamSession s : wideSessions) {
                        s.close();
                    }
                    return;
                }
            }
            fail(kind + ": no window of 2,000 steps allocated 0 bytes; bytes per window: " + java.util.Arrays.toString(windows));
        }
    }

    private static void assertMessage(Class<? extends Throwable> type, String part, Executable call) {
        Throwable e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(part), "expected a message with \"" + part + "\", got: " + e.getMessage());
    }

    @Test
    void badArgumentsFailBeforeAnyStateChanges() {
        try (Arena arena = Arena.ofShared();
             Built built = BatchFixture.build(arena, spec(CellKind.LSTM, 29, 11, StepOutput.LOGITS));
             Built other = BatchFixture.build(arena, spec(CellKind.LSTM, 29, 11, StepOutput.LOGITS));
             StreamBatch batch = built.model().newBatch(3, StepOutput.LOGITS);
             StreamSession a = built.model().newSession(StepOutput.LOGITS);
             StreamSession foreign = other.model().newSession(StepOutput.LOGITS)) {
            StreamingModel m = built.model();
            StreamSession b = m.newSession(StepOutput.LOGITS);   // closed below
            float[] out = new float[11];
            a.step(4, out);
            b.step(5, out);
            float[] stateA = new float[a.stateSize()], stateB = new float[b.stateSize()];
            a.saveState(stateA);
            b.saveState(stateB);
            float[][] outs = {new float[11], new float[11], new float[11]};
            int[] tokens = {1, 2, 3};
            StreamSession[] ab = {a, b};

            assertMessage(IllegalArgumentException.class, "maxBatch", () -> m.newBatch(0, StepOutput.LOGITS));
            assertMessage(IllegalArgumentException.class, "count 4 is outside 0..3", () -> batch.step(new StreamSession[] {a, b, a, b}, 4, new int[4], (float[][]) null));
            assertMessage(IllegalArgumentException.class, "count -1", () -> batch.step(ab, -1, tokens, outs));
            assertMessage(IllegalArgumentException.class, "count 3 exceeds the 2 sessions", () -> batch.step(ab, 3, tokens, outs));
            assertMessage(IllegalArgumentException.class, "sessions is null", () -> batch.step(null, 1, tokens, outs));
            assertMessage(IllegalArgumentException.class, "session 1 is null", () -> batch.step(new StreamSession[] {a, null}, 2, tokens, outs));
            assertMessage(IllegalArgumentException.class, "session 1 belongs to another streaming model",
                    () -> batch.step(new StreamSession[] {a, foreign}, 2, tokens, outs));
            assertMessage(IllegalArgumentException.class, "session 2 is also session 0",
                    () -> batch.step(new StreamSession[] {a, b, a}, 3, tokens, outs));
            assertMessage(IllegalArgumentException.class, "token 29 of session 1 is outside the vocabulary 0..28",
                    () -> batch.step(ab, 2, new int[] {0, 29}, outs));
            assertMessage(IllegalArgumentException.class, "token -1 of session 0",
                    () -> batch.step(ab, 2, new int[] {-1, 0}, outs));
            assertMessage(IllegalArgumentException.class, "tokens has 1 entries for 2 sessions", () -> batch.step(ab, 2, new int[] {0}, outs));
            assertMessage(IllegalArgumentException.class, "output buffer of session 1 has 10 values, expected 11",
                    () -> batch.step(ab, 2, tokens, new float[][] {new float[11], new float[10]}));
            assertMessage(IllegalArgumentException.class, "outs has 1 buffers for 2 sessions",
                    () -> batch.step(ab, 2, tokens, new float[][] {new float[11]}));
            assertMessage(IllegalArgumentException.class, "out must be at least 2×11, found 2×12",
                    () -> batch.step(ab, 2, tokens, Matrix.allocate(arena, 2, 12)));
            assertMessage(IllegalStateException.class, "takes tokens, not feature vectors",
                    () -> batch.step(ab, 2, new float[2][9], outs));
            assertMessage(IllegalStateException.class, "takes tokens, not feature vectors",
                    () -> batch.step(ab, 2, Matrix.allocate(arena, 2, 9), (Matrix) null));

            // nothing above changed a state
            float[] now = new float[a.stateSize()];
            a.saveState(now);
            assertArrayEquals(stateA, now);
            b.saveState(now);
            assertArrayEquals(stateB, now);

            batch.step(ab, 0, tokens, outs);   // no sessions: nothing happens
            a.saveState(now);
            assertArrayEquals(stateA, now);

            b.close();
            assertMessage(IllegalStateException.class, "session 1 is closed", () -> batch.step(ab, 2, tokens, outs));
        }
    }

    @Test
    void featureModelsCheckTheirInputs() {
        try (Arena arena = Arena.ofShared();
             Built built = BatchFixture.build(arena, spec(CellKind.GRU, 0, 0, StepOutput.HIDDEN));
             StreamBatch batch = built.model().newBatch(2, StepOutput.HIDDEN);
             StreamSession a = built.model().newSession(StepOutput.HIDDEN)) {
            StreamingModel m = built.model();
            StreamSession[] one = {a};
            float[][] outs = {new float[17]};
            assertEquals(17, batch.outputSize());
            assertMessage(IllegalArgumentException.class, "LOGITS needs a model with an output layer", () -> m.newBatch(2, StepOutput.LOGITS));
            assertMessage(IllegalStateException.class, "takes feature vectors, not tokens", () -> batch.step(one, 1, new int[] {0}, outs));
            assertMessage(IllegalArgumentException.class, "features of session 0 have 8 values, expected 9",
                    () -> batch.step(one, 1, new float[][] {new float[8]}, outs));
            assertMessage(IllegalArgumentException.class, "features has 0 rows for 1 sessions", () -> batch.step(one, 1, new float[0][], outs));
            assertMessage(IllegalArgumentException.class, "features must be at least 1×9, found 1×8",
                    () -> batch.step(one, 1, Matrix.allocate(arena, 1, 8), null));
            batch.step(one, 1, new float[][] {new float[9]}, outs);
        }
    }

    @Test
    void aBatchBelongsToTheThreadThatMadeIt() throws Exception {
        try (Arena arena = Arena.ofShared();
             Built built = BatchFixture.build(arena, spec(CellKind.RNN_TANH, 0, 0, StepOutput.HIDDEN));
             StreamBatch batch = built.model().newBatch(2, StepOutput.HIDDEN);
             StreamSession a = built.model().newSession(StepOutput.HIDDEN)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    batch.step(new StreamSession[] {a}, 1, new float[][] {new float[9]}, null);
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            t.start();
            t.join();
            assertTrue(thrown.get() instanceof WrongThreadException && thrown.get().getMessage().contains("thread that created it"),
                    "another thread got " + thrown.get());
        }
    }

    @Test
    void closedBatchesAndModelsFailClearly() throws Exception {
        Arena arena = Arena.ofShared();
        try {
            Built built = BatchFixture.build(arena, spec(CellKind.LSTM, 29, 11, StepOutput.LOGITS));
            StreamingModel m = built.model();
            StreamSession s = m.newSession(StepOutput.LOGITS);
            StreamSession[] one = {s};
            StreamBatch closedBatch = m.newBatch(1, StepOutput.LOGITS);
            closedBatch.close();
            assertMessage(IllegalStateException.class, "this stream batch is closed",
                    () -> closedBatch.step(one, 1, new int[] {0}, (float[][]) null));
            closedBatch.close();   // twice is fine

            // a thread stepping its own batch while the model is closed under it
            AtomicReference<Throwable> ended = new AtomicReference<>();
            java.util.concurrent.CountDownLatch stepping = new java.util.concurrent.CountDownLatch(1);
            Thread stepper = new Thread(() -> {
                try (StreamBatch batch = m.newBatch(1, StepOutput.LOGITS)) {
                    float[][] outs = {new float[11]};
                    int[] token = {3};
                    while (true) {
                        batch.step(one, 1, token, outs);
                        stepping.countDown();
                    }
                } catch (Throwable t) {
                    ended.set(t);
                }
            });
            stepper.start();
            stepping.await();
            m.close();
            stepper.join(10_000);
            assertTrue(!stepper.isAlive(), "the stepping thread ended");
            assertTrue(ended.get() instanceof IllegalStateException && ended.get().getMessage().contains("closed"),
                    "the stepping thread ended with " + ended.get());
            assertMessage(IllegalStateException.class, "the streaming model is closed", () -> m.newBatch(1, StepOutput.LOGITS));
            s.close();
        } finally {
            arena.close();
        }
    }

    /**
     * Levels deeper than the SIMD product's 512-deep blocks (I + H = 560, and 520 for the second level)
     * and an output layer wider than its 512-column blocks: a session's bits alone at batch 1 are still
     * its bits among 12 others.
     */
    @Test
    void sizesAcrossTheProductsBlocksStayBatchInvariant() {
        Spec spec = new Spec(List.of(CellKind.LSTM, CellKind.GRU), List.of(260, 260), 300, 0, 530, true, PackedMatrix.Format.F32,
                StepOutput.PROBABILITIES, false, 11);
        int streams = 13, steps = 3;
        try (Arena arena = Arena.ofShared(); Built built = BatchFixture.build(arena, spec);
             StreamBatch batch = built.model().newBatch(streams, StepOutput.PROBABILITIES);
             StreamBatch single = built.model().newBatch(1, StepOutput.PROBABILITIES)) {
            StreamingModel m = built.model();
            Random rnd = new Random(2);
            StreamSession[] together = new StreamSession[streams];
            float[][][] inputs = new float[steps][streams][300];
            for (int i = 0; i < streams; i++) {
                together[i] = m.newSession(StepOutput.PROBABILITIES);
            }
            float[][] outs = new float[streams][530];
            for (int t = 0; t < steps; t++) {
                for (float[] row : inputs[t]) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = rnd.nextFloat() * 2 - 1;
                    }
                }
                batch.step(together, streams, inputs[t], outs);
            }
            for (int i = 0; i < streams; i++) {
                try (StreamSession alone = m.newSession(StepOutput.PROBABILITIES)) {
                    float[][] out = {new float[530]};
                    for (int t = 0; t < steps; t++) {
                        single.step(new StreamSession[] {alone}, 1, new float[][] {inputs[t][i]}, out);
                    }
                    assertArrayEquals(outs[i], out[0], "output of stream " + i);
                    float[] expected = new float[alone.stateSize()], got = new float[alone.stateSize()];
                    alone.saveState(expected);
                    together[i].saveState(got);
                    assertArrayEquals(expected, got, "state of stream " + i);
                }
                together[i].close();
            }
        }
    }

    /** The scalar oracle runs batches too, with the same checks; its two paths sum in the same order. */
    @Test
    void scalarBatchesEqualScalarSessions() {
        Spec spec = new Spec(List.of(CellKind.GRU, CellKind.LSTM), List.of(5, 6), 4, 0, 3, true, PackedMatrix.Format.F32,
                StepOutput.PROBABILITIES, true, 3);
        try (Arena arena = Arena.ofShared(); Built built = BatchFixture.build(arena, spec);
             StreamBatch batch = built.model().newBatch(2, StepOutput.PROBABILITIES);
             StreamSession a = built.model().newSession(StepOutput.PROBABILITIES);
             StreamSession b = built.model().newSession(StepOutput.PROBABILITIES);
             StreamSession alone = built.model().newSession(StepOutput.PROBABILITIES)) {
            assertEquals(Kernels.scalar(), built.model().kernels());
            Random rnd = new Random(5);
            float[][] outs = new float[2][3];
            float[] own = new float[3];
            for (int t = 0; t < 10; t++) {
                float[][] x = new float[2][4];
                for (float[] row : x) {
                    for (int i = 0; i < 4; i++) {
                        row[i] = rnd.nextFloat();
                    }
                }
                batch.step(new StreamSession[] {a, b}, 2, x, outs);
                alone.step(x[0], own);
                assertArrayEquals(own, outs[0], "step " + t);
            }
        }
    }
}
