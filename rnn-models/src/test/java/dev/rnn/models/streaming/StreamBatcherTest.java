package dev.rnn.models.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Continuous batching: the bits of a stream alone whatever the concurrency, push-back, closing, no allocation. */
class StreamBatcherTest {

    private static BatchFixture.Spec lm(long seed, StepOutput output) {
        return new BatchFixture.Spec(List.of(CellKind.LSTM, CellKind.GRU), List.of(24, 17), 8, 29, 31, true,
                PackedMatrix.Format.F32, output, false, seed);
    }

    /**
     * 1–300 streams of different lengths, each on its own virtual thread, stepped through a batcher
     * with 1–2 workers and small batches: every stream's outputs equal, bit for bit, the same stream
     * stepped alone through a batch of one.
     */
    @Property(tries = 12)
    void concurrentStreamsGetTheBitsOfAStreamAlone(@ForAll @IntRange(min = 1, max = 300) int streams,
                                                  @ForAll @IntRange(min = 1, max = 2) int workers,
                                                  @ForAll @IntRange(min = 1, max = 40) int maxBatch,
                                                  @ForAll boolean features, @ForAll long seed) throws Exception {
        BatchFixture.Spec spec = features
                ? new BatchFixture.Spec(List.of(CellKind.GRU), List.of(13), 5, 0, 0, true, PackedMatrix.Format.F32,
                        StepOutput.HIDDEN, false, seed)
                : lm(seed, StepOutput.LOGITS);
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, spec)) {
            StreamingModel model = built.model();
            Random rnd = new Random(seed);
            List<BatchFixture.Inputs> inputs = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                inputs.add(BatchFixture.inputs(model, 1 + rnd.nextInt(12), rnd));
            }
            // the reference: each stream alone, one step at a time, through a batch of one
            int size = spec.output() == StepOutput.HIDDEN ? model.hiddenSize() : model.outputClasses();
            List<float[][]> expected = new ArrayList<>();
            try (StreamBatch alone = model.newBatch(1, spec.output())) {
                for (BatchFixture.Inputs in : inputs) {
                    float[][] outs = new float[in.length()][size];
                    try (StreamSession s = model.newSession(spec.output())) {
                        StreamSession[] one = {s};
                        for (int t = 0; t < in.length(); t++) {
                            float[][] o = {outs[t]};
                            if (in.tokens() != null) {
                                alone.step(one, 1, new int[] {in.tokens()[t]}, o);
                            } else {
                                alone.step(one, 1, new float[][] {in.features()[t]}, o);
                            }
                        }
                    }
                    expected.add(outs);
                }
            }
            List<float[][]> actual = new ArrayList<>();
            try (StreamBatcher batcher = StreamBatcher.builder(model).output(spec.output()).workers(workers)
                    .maxBatch(maxBatch).queueCapacity(Math.max(1, streams / 3)).build()) {
                List<Thread> threads = new ArrayList<>();
                List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
                for (int s = 0; s < streams; s++) {
                    BatchFixture.Inputs in = inputs.get(s);
                    float[][] outs = new float[in.length()][size];
                    actual.add(outs);
                    boolean async = s % 3 == 0;
                    threads.add(Thread.ofVirtual().start(() -> {
                        try (StreamBatcher.BatchedStream stream = batcher.open()) {
                            for (int t = 0; t < in.length(); t++) {
                                if (async) {
                                    CompletableFuture<float[]> f;
                                    do { // an asynchronous step is refused while the queue is full
                                        f = in.tokens() != null ? stream.stepAsync(in.tokens()[t], outs[t])
                                                : stream.stepAsync(in.features()[t], outs[t]);
                                    } while (rejected(f));
                                    f.get(30, TimeUnit.SECONDS);
                                } else if (in.tokens() != null) {
                                    stream.step(in.tokens()[t], outs[t]);
                                } else {
                                    stream.step(in.features()[t], outs[t]);
                                }
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join(60_000);
                    assertFalse(t.isAlive(), "a stream still waits for its step after 60 s");
                }
                if (!errors.isEmpty()) {
                    throw new AssertionError("a stream failed", errors.get(0));
                }
                // the monitoring counters account for every step once
                long steps = 0;
                for (BatchFixture.Inputs in : inputs) {
                    steps += in.length();
                }
                assertEquals(steps, batcher.stepsRun());
                assertTrue(batcher.batchesRun() >= (steps + maxBatch - 1) / maxBatch && batcher.batchesRun() <= steps,
                        batcher.batchesRun() + " batches for " + steps + " steps of at most " + maxBatch);
                assertTrue(batcher.lastBatchSize() >= 1 && batcher.lastBatchSize() <= maxBatch);
                assertEquals(0, batcher.pendingSteps());
            }
            for (int s = 0; s < streams; s++) {
                for (int t = 0; t < expected.get(s).length; t++) {
                    assertArrayEquals(expected.get(s)[t], actual.get(s)[t], "stream " + s + " step " + t);
                }
            }
        }
    }

    private static boolean rejected(CompletableFuture<float[]> f) throws InterruptedException {
        try {
            if (f.isCompletedExceptionally()) {
                f.get();
            }
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RejectedExecutionException) {
                Thread.sleep(1);
                return true;
            }
            throw new AssertionError(e.getCause());
        }
    }

    @Test
    void aFullQueuePushesBackAndTheStreamStaysUsable() throws Exception {
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, lm(3, StepOutput.LOGITS))) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch blocked = new CountDownLatch(1);
            // a worker held up by its thread factory's first task until released: steps queue meanwhile
            try (StreamBatcher batcher = StreamBatcher.builder(built.model()).queueCapacity(2).threadFactory(r -> new Thread(() -> {
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                r.run();
            })).build()) {
                blocked.await();
                List<StreamBatcher.BatchedStream> streams = new ArrayList<>();
                List<CompletableFuture<float[]>> accepted = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    streams.add(batcher.open());
                }
                float[][] outs = new float[3][batcher.outputSize()];
                accepted.add(streams.get(0).stepAsync(1, outs[0]));
                accepted.add(streams.get(1).stepAsync(2, outs[1]));
                CompletableFuture<float[]> refused = streams.get(2).stepAsync(3, outs[2]);
                ExecutionException e = assertThrows(ExecutionException.class, refused::get);
                assertTrue(e.getCause() instanceof RejectedExecutionException, e.getCause().toString());
                assertTrue(e.getCause().getMessage().contains("queue is full"), e.getCause().getMessage());
                assertFalse(streams.get(2).busy(), "a refused step leaves its stream idle");
                IllegalStateException twice = assertThrows(IllegalStateException.class, () -> streams.get(0).stepAsync(4, outs[0]));
                assertEquals("a step of this stream is already in flight", twice.getMessage());
                release.countDown();
                for (CompletableFuture<float[]> f : accepted) {
                    f.get(10, TimeUnit.SECONDS);
                }
                streams.get(2).step(3, outs[2]);   // the refused stream steps normally afterwards
                for (StreamBatcher.BatchedStream s : streams) {
                    s.close();
                    s.close(); // idempotent
                }
            }
        }
    }

    @Test
    void closingAStreamWithAStepInFlightWaitsForIt() throws Exception {
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, lm(5, StepOutput.LOGITS))) {
            try (StreamBatcher batcher = StreamBatcher.builder(built.model()).build()) {
                for (int round = 0; round < 200; round++) {
                    StreamBatcher.BatchedStream s = batcher.open();
                    float[] out = new float[batcher.outputSize()];
                    CompletableFuture<float[]> f = s.stepAsync(round % 29, out);
                    s.close();                      // must not free the session under the worker
                    assertFalse(s.busy());
                    f.get(10, TimeUnit.SECONDS);    // and the step completed normally
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.step(1, out));
                    assertEquals("this stream is closed", e.getMessage());
                }
            }
        }
    }

    @Test
    void aModelClosedUnderTheBatcherFailsItsStepsWithoutHangingThem() throws Exception {
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, lm(9, StepOutput.LOGITS));
             StreamBatcher batcher = StreamBatcher.builder(built.model()).build()) {
            StreamBatcher.BatchedStream s = batcher.open();
            float[] out = new float[batcher.outputSize()];
            s.step(3, out);
            built.model().close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.step(4, out));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertFalse(s.busy());
            s.close();
        }
    }

    @Test
    void badStepsFailInTheCallerAndAClosedBatcherRefuses() throws Exception {
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, lm(7, StepOutput.PROBABILITIES))) {
            StreamBatcher batcher = StreamBatcher.builder(built.model()).output(StepOutput.PROBABILITIES).maxWait(Duration.ofMillis(1)).build();
            StreamBatcher.BatchedStream s = batcher.open();
            float[] out = new float[31];
            assertEquals("token 29 is outside the vocabulary 0..28",
                    assertThrows(IllegalArgumentException.class, () -> s.step(29, out)).getMessage());
            assertEquals("output has 3 values, expected 31",
                    assertThrows(IllegalArgumentException.class, () -> s.step(1, new float[3])).getMessage());
            assertEquals("this model takes tokens, not feature vectors",
                    assertThrows(IllegalStateException.class, () -> s.step(new float[8], out)).getMessage());
            s.step(4, out);
            double sum = 0;
            for (float p : out) {
                sum += p;
            }
            assertEquals(1.0, sum, 1e-5, "probabilities");
            batcher.close();
            batcher.close(); // idempotent
            assertEquals("the stream batcher is closed", assertThrows(IllegalStateException.class, () -> s.step(1, out)).getMessage());
            assertEquals("the stream batcher is closed", assertThrows(IllegalStateException.class, batcher::open).getMessage());
            s.close();
            assertThrows(IllegalArgumentException.class, () -> StreamBatcher.builder(built.model()).maxBatch(0));
            assertThrows(IllegalArgumentException.class,
                    () -> StreamBatcher.builder(built.model()).output(StepOutput.LOGITS).workers(0));
        }
    }

    /**
     * Steps on idle batchers run on their callers: close() still waits for every step, so no session
     * changes once it has returned, and every stepping thread then meets "closed". Platform and virtual
     * threads step as fast as they can, so that steps both queue and run on their callers.
     */
    @Property(tries = 10)
    void noStepRunsAfterClose(@ForAll @IntRange(min = 1, max = 6) int streams, @ForAll @IntRange(min = 1, max = 2) int workers,
                              @ForAll @IntRange(min = 0, max = 300) int stepsBeforeClose, @ForAll long seed) throws Exception {
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, lm(seed, StepOutput.LOGITS))) {
            StreamBatcher batcher = StreamBatcher.builder(built.model()).workers(workers).build();
            List<StreamBatcher.BatchedStream> opened = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            List<Throwable> ends = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch stepped = new CountDownLatch(stepsBeforeClose);
            for (int s = 0; s < streams; s++) {
                StreamBatcher.BatchedStream stream = batcher.open();
                opened.add(stream);
                Runnable loop = () -> {
                    float[] out = new float[batcher.outputSize()];
                    try {
                        for (int t = 0; ; t++) {
                            stream.step(t % 29, t % 2 == 0 ? out : null);
                            stepped.countDown();
                        }
                    } catch (Throwable e) {
                        ends.add(e);
                    }
                };
                threads.add(s % 2 == 0 ? Thread.ofPlatform().start(loop) : Thread.ofVirtual().start(loop));
            }
            stepped.await();
            batcher.close();
            List<float[]> states = new ArrayList<>();
            for (StreamBatcher.BatchedStream stream : opened) {
                states.add(stream.session().hidden(1).toArray());
            }
            for (Thread t : threads) {
                t.join(60_000);
                assertFalse(t.isAlive(), "a stream still steps 60 s after close");
            }
            for (int s = 0; s < streams; s++) {
                assertArrayEquals(states.get(s), opened.get(s).session().hidden(1).toArray(), "stream " + s + " after close");
                opened.get(s).close();
            }
            assertEquals(streams, ends.size());
            for (Throwable e : ends) {
                assertTrue(e instanceof IllegalStateException && e.getMessage().contains("the stream batcher is closed"), e.toString());
            }
        }
    }

    /**
     * A blocking step at steady state allocates nothing, on the stepping thread or the worker (each
     * thread's allocated-bytes counter, after the JIT has compiled the path; one stream, so the worker
     * goes idle and is woken at every step).
     */
    @Test
    void steadyStateBlockingStepsAllocateNothing() throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, lm(11, StepOutput.LOGITS))) {
            List<Thread> workers = new ArrayList<>();
            try (StreamBatcher batcher = StreamBatcher.builder(built.model()).threadFactory(r -> {
                Thread t = new Thread(r, "test-batcher");
                t.setDaemon(true);
                workers.add(t);
                return t;
            }).build(); StreamBatcher.BatchedStream s = batcher.open()) {
                float[] out = new float[batcher.outputSize()];
                long worker = workers.get(0).threadId();
                long[] windows = new long[60];
                for (int w = 0; w < windows.length; w++) {
                    long caller0 = mx.getCurrentThreadAllocatedBytes(), worker0 = mx.getThreadAllocatedBytes(worker);
                    for (int i = 0; i < 2_000; i++) {
                        s.step(i % 29, out);
                    }
                    long caller = mx.getCurrentThreadAllocatedBytes() - caller0, work = mx.getThreadAllocatedBytes(worker) - worker0;
                    windows[w] = caller + work;
                    if (windows[w] == 0) {
                        System.out.println("2,000 batched blocking steps allocated " + windows[w] + " bytes after " + w
                                + " warm-up windows");
                        return;
                    }
                }
                fail("no window of 2,000 steps allocated 0 bytes; bytes per window: "
                        + java.util.Arrays.toString(windows));
            }
        }
    }
}
