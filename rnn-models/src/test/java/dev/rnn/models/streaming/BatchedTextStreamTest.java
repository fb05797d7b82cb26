package dev.rnn.models.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.text.Vocabulary;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batched text form: the bits of a sequential run whatever the concurrency, the unbatched form's
 * values within the rounding bound of the products, and steps of several hypotheses at once.
 */
class BatchedTextStreamTest {

    /** What one stream does: chunks of text appended one after another, a beam search after each, a sampled completion at the end. */
    private record Script(List<String> chunks, long seed) {

        static Script random(Random rnd) {
            List<String> chunks = new ArrayList<>();
            for (int c = 0, n = 1 + rnd.nextInt(5); c < n; c++) {
                int from = rnd.nextInt(TextStreamingModelTest.TEXT.length() - 8);
                chunks.add(TextStreamingModelTest.TEXT.substring(from, from + 1 + rnd.nextInt(6)));
            }
            return new Script(chunks, rnd.nextLong());
        }

        /** Every distribution, beam-search completion and sampled text the stream produced, in order. */
        List<Object> run(TextStreamingModel model) {
            List<Object> seen = new ArrayList<>();
            try (TextStream s = model.newStream()) {
                for (String chunk : chunks) {
                    s.append(chunk);
                    seen.add(bits(s.nextDistribution()));
                    seen.add(s.beamSearch(3, 6));
                }
                seen.add(s.complete(5, new Sampler(0.9, 0, 0.95, seed)));
                seen.add(bits(s.nextDistribution()));
            }
            return seen;
        }

        private static List<Integer> bits(float[] p) {
            List<Integer> b = new ArrayList<>(p.length);
            for (float f : p) {
                b.add(Float.floatToRawIntBits(f));
            }
            return b;
        }
    }

    private static TextStreamingModel batched(CellKind kind, int workers, int maxBatch) {
        try (CharLanguageModel lm = TextStreamingModelTest.lm(kind)) {
            return lm.batchedTextStreaming(PackedMatrix.Format.F32, workers, maxBatch);
        }
    }

    /**
     * 1–64 streams, each on its own virtual thread, appending, reading distributions, searching beams and
     * sampling through a batcher of 1–2 workers and small batches: every stream sees, bit for bit, what it
     * sees when the same scripts run one after another on one thread.
     */
    @Property(tries = 8)
    void concurrentBatchedStreamsGetTheBitsOfASequentialRun(@ForAll @IntRange(min = 1, max = 64) int streams,
                                                           @ForAll @IntRange(min = 1, max = 2) int workers,
                                                           @ForAll @IntRange(min = 1, max = 24) int maxBatch,
                                                           @ForAll boolean gru, @ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        List<Script> scripts = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            scripts.add(Script.random(rnd));
        }
        try (TextStreamingModel model = batched(gru ? CellKind.GRU : CellKind.LSTM, workers, maxBatch)) {
            List<List<Object>> sequential = new ArrayList<>();
            for (Script script : scripts) {
                sequential.add(script.run(model));
            }
            List<List<Object>> concurrent = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                concurrent.add(null);
            }
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            long batches0 = model.batcher().batchesRun();
            for (int s = 0; s < streams; s++) {
                int stream = s;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        concurrent.set(stream, scripts.get(stream).run(model));
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                fail("a stream failed", failure.get());
            }
            for (int s = 0; s < streams; s++) {
                assertEquals(sequential.get(s), concurrent.get(s), "stream " + s + " of " + streams);
            }
            assertTrue(model.batcher().batchesRun() > batches0, "the steps went through the batcher");
        }
    }

    /**
     * The batched and unbatched forms of one model (the same weights, built twice from one seed) on the
     * same appends: every next-character logit within the first-order rounding bound of a product
     * summed in another order (GEMM against GEMV), carried along the unbatched run through the
     * recurrence ({@link StreamBatchProperties.RoundingBound}).
     */
    @Property(tries = 30)
    void batchedLogitsStayWithinTheRoundingBoundOfTheUnbatchedForm(@ForAll long seed,
                                                                   @ForAll @IntRange(min = 1, max = 40) int length) {
        BatchFixture.Spec spec = new BatchFixture.Spec(List.of(CellKind.LSTM, CellKind.LSTM), List.of(24, 24), 8, 13, 13, true,
                PackedMatrix.Format.F32, StepOutput.LOGITS, false, seed);
        Vocabulary vocabulary = Vocabulary.ofCharacters("abcdefghijklm");
        Random rnd = new Random(seed);
        int[] tokens = new int[length];
        StringBuilder text = new StringBuilder();
        for (int t = 0; t < length; t++) {
            tokens[t] = rnd.nextInt(13);
            text.append(vocabulary.token(tokens[t]));
        }
        try (Arena arena = Arena.ofShared()) {
            BatchFixture.Built reference = BatchFixture.build(arena, spec);
            BatchFixture.Built twin = BatchFixture.build(arena, spec);
            try (TextStreamingModel alone = TextStreamingModel.of(reference.model(), vocabulary);
                 TextStreamingModel batched = TextStreamingModel.batched(StreamBatcher.builder(twin.model()).workers(2), vocabulary);
                 TextStream a = alone.newStream(); TextStream b = batched.newStream()) {
                float[][] states = new float[length][];
                float[][] expected = new float[length][13], got = new float[length][13];
                float[] saved = new float[a.stateSize()];
                for (int t = 0; t < length; t++) {
                    a.append(text.codePointAt(t));
                    b.append(text.codePointAt(t));
                    a.nextLogits(expected[t]);
                    b.nextLogits(got[t]);
                    a.saveState(saved);
                    states[t] = Arrays.copyOf(saved, saved.length - 13);   // the session's state, without the logits
                }
                double[][][] bound = new StreamBatchProperties.RoundingBound(reference).along(new BatchFixture.Inputs(tokens, null), states);
                for (int t = 0; t < length; t++) {
                    for (int v = 0; v < 13; v++) {
                        double d = Math.abs((double) got[t][v] - expected[t][v]);
                        assertTrue(d <= bound[t][1][v], "logit " + v + " after " + (t + 1) + " characters: batched " + got[t][v]
                                + ", unbatched " + expected[t][v] + ", difference " + d + " > bound " + bound[t][1][v]);
                    }
                }
            }
        }
    }

    /** A beam search's hypotheses go through the batcher: its steps run in the batcher's batches, none on the stream's own session. */
    @Test
    void beamSearchStepsTheHypothesesThroughTheBatcher() {
        try (TextStreamingModel model = batched(CellKind.LSTM, 1, 8); TextStream s = model.newStream()) {
            s.append("the cat ");
            long before = model.batcher().batchesRun();
            List<TextStreamingModel.Completion> found = s.beamSearch(3, 6);
            long batches = model.batcher().batchesRun() - before;
            assertEquals(3, found.size());
            // 5 rounds of 3 hypotheses (the last character needs no step): at least 5 batches, at most one per step
            assertTrue(batches >= 5 && batches <= 15, batches + " batches");
        }
    }

    /** stepAll refuses a stream given twice, queueing nothing, and the streams step normally afterwards. */
    @Test
    void stepAllRefusesAStreamGivenTwiceAndQueuesNothing() throws Exception {
        try (TextStreamingModel model = batched(CellKind.LSTM, 1, 8)) {
            StreamBatcher batcher = model.batcher();
            try (StreamBatcher.BatchedStream a = batcher.open(); StreamBatcher.BatchedStream b = batcher.open()) {
                float[][] outs = new float[2][batcher.outputSize()];
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> batcher.stepAll(new StreamBatcher.BatchedStream[] {a, a}, 2, new int[] {1, 2}, outs));
                assertTrue(e.getMessage().contains("already in flight"), e.getMessage());
                assertThrows(IllegalArgumentException.class,
                        () -> batcher.stepAll(new StreamBatcher.BatchedStream[] {a, b}, 2, new int[] {1, 999}, outs));
                batcher.stepAll(new StreamBatcher.BatchedStream[] {a, b}, 2, new int[] {1, 2}, outs);
                float[] alone = new float[batcher.outputSize()];
                try (StreamBatcher.BatchedStream c = batcher.open()) {
                    c.step(2, alone);
                }
                assertArrayEquals(alone, outs[1], "b after one step, as a fresh stream stepped alone");
            }
        }
    }

    /**
     * Steps of several streams at once allocate nothing at steady state on the submitting thread or the
     * worker (each thread's allocated-bytes counter, after the JIT has compiled the path): 3 streams,
     * which the idle batcher lets the caller run, and one more than a caller runs, which go through the
     * queue to the worker.
     */
    @ParameterizedTest
    @ValueSource(ints = {3, StreamBatcher.CALLER_MAX_BATCH + 1})
    void steadyStateStepAllAllocatesNothing(int count) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Thread> workers = new ArrayList<>();
        try (CharLanguageModel lm = TextStreamingModelTest.lm(CellKind.LSTM);
             TextStreamingModel model = TextStreamingModel.batched(StreamBatcher.builder(lm.streaming(PackedMatrix.Format.F32))
                     .threadFactory(r -> {
                         Thread t = new Thread(r, "test-batcher");
                         t.setDaemon(true);
                         workers.add(t);
                         return t;
                     }), lm.vocabulary())) {
            StreamBatcher batcher = model.batcher();
            StreamBatcher.BatchedStream[] streams = new StreamBatcher.BatchedStream[count];
            int[] tokens = new int[count];
            for (int i = 0; i < count; i++) {
                streams[i] = batcher.open();
                tokens[i] = 1 + i % 7;
            }
            float[][] outs = new float[count][batcher.outputSize()];
            long worker = workers.get(0).threadId();
            long[] windows = new long[60];
            for (int w = 0; w < windows.length; w++) {
                long caller0 = mx.getCurrentThreadAllocatedBytes(), worker0 = mx.getThreadAllocatedBytes(worker);
                for (int i = 0; i < 1_000; i++) {
                    batcher.stepAll(streams, count, tokens, outs);
                }
                windows[w] = mx.getCurrentThreadAllocatedBytes() - caller0 + mx.getThreadAllocatedBytes(worker) - worker0;
                if (windows[w] == 0) {
                    for (StreamBatcher.BatchedStream s : streams) {
                        s.close();
                    }
                    return;
                }
            }
            fail("no window of 1,000 steps of " + count + " streams allocated 0 bytes; bytes per window: " + Arrays.toString(windows));
        }
    }
}
