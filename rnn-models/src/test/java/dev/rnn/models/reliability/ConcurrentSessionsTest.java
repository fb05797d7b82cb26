package dev.rnn.models.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One shared streaming model, eight threads each stepping its own session thousands of times: every
 * thread's outputs are the same bits as the same token sequence run alone; and closing the model
 * while sessions run fails them with IllegalStateException, never a crash or a read of freed memory.
 */
class ConcurrentSessionsTest {

    private static final int THREADS = 8, STEPS = 4000, VOCAB = 40, HIDDEN = 48;

    private static StreamingModel model(Arena arena, PackedMatrix.Format format) {
        Initializers init = new Initializers(3);
        CellParameters l0 = CellParameters.allocate(arena, CellKind.LSTM, 16, HIDDEN, true);
        CellParameters l1 = CellParameters.allocate(arena, CellKind.GRU, HIDDEN, HIDDEN, true);
        init.pytorchDefault(l0);
        init.pytorchDefault(l1);
        Matrix embedding = Matrix.allocate(arena, VOCAB, 16), head = Matrix.allocate(arena, VOCAB, HIDDEN), bias = Matrix.vector(arena, VOCAB);
        init.uniform(embedding, 1);
        init.xavierUniform(head);
        return StreamingModel.builder(Kernels.preferred()).embedding(embedding).level(l0).level(l1).head(head, bias).format(format).build();
    }

    /** The thread's token sequence: a function of its index only. */
    private static int[] tokens(int thread) {
        SplittableRandom r = new SplittableRandom(thread);
        int[] t = new int[STEPS];
        for (int i = 0; i < STEPS; i++) {
            t[i] = r.nextInt(VOCAB);
        }
        return t;
    }

    /** A fingerprint of every output of the run: the bits of each logit folded in order. */
    private static long[] run(StreamingModel m, int[] tokens) {
        long[] out = new long[2];
        float[] logits = new float[VOCAB];
        try (StreamSession s = m.newSession(StepOutput.LOGITS)) {
            for (int token : tokens) {
                s.step(token, logits);
                for (float v : logits) {
                    out[0] = out[0] * 31 + Float.floatToRawIntBits(v);
                }
            }
            out[1] = Float.floatToRawIntBits(logits[0]);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(PackedMatrix.Format.class)
    void eightThreadsGetTheBitsOfASequentialRun(PackedMatrix.Format format) throws Exception {
        try (Arena arena = Arena.ofShared(); StreamingModel m = model(arena, format)) {
            long[][] sequential = new long[THREADS][];
            for (int t = 0; t < THREADS; t++) {
                sequential[t] = run(m, tokens(t));
            }
            long[][] concurrent = new long[THREADS][];
            CyclicBarrier start = new CyclicBarrier(THREADS);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        concurrent[id] = run(m, tokens(id));
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread th : threads) {
                th.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int t = 0; t < THREADS; t++) {
                assertArrayEquals(sequential[t], concurrent[t], format + " thread " + t);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(PackedMatrix.Format.class)
    void closingTheModelFailsRunningSessionsCleanly(PackedMatrix.Format format) throws Exception {
        for (int round = 0; round < 20; round++) {
            try (Arena arena = Arena.ofShared()) {
                StreamingModel m = model(arena, format);
                AtomicInteger stepping = new AtomicInteger();
                CountDownLatch running = new CountDownLatch(THREADS);
                List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int id = t;
                    threads.add(Thread.ofPlatform().start(() -> {
                        float[] logits = new float[VOCAB];
                        int[] tok = tokens(id);
                        try (StreamSession s = m.newSession(StepOutput.LOGITS)) {
                            running.countDown();
                            for (int i = 0; ; i = (i + 1) % STEPS) {
                                s.step(tok[i], logits);
                                stepping.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }));
                }
                running.await();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (stepping.get() < THREADS * (1 + round) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();                 // close at a different moment of stepping each round
                }
                m.close();
                for (Thread th : threads) {
                    th.join(10_000);
                    assertTrue(!th.isAlive(), "a session kept running after close");
                }
                assertEquals(THREADS, errors.size());
                for (Throwable e : errors) {
                    assertEquals(IllegalStateException.class, e.getClass(), String.valueOf(e));
                    assertTrue(e.getMessage().contains("closed"), e.getMessage());
                }
                assertTrue(stepping.get() > 0);
            }
        }
    }
}
