package dev.rnn.models.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link StreamingModel#warmUp(int)}: it runs on every kind of model and leaves the caller's streams
 * alone, checked as bit-identity against the same streams run with no warm-up beside them.
 */
class StreamWarmUpTest {

    private static final int INPUTS = 100;   // per stream, used in turn
    private static final int BEFORE = 40;    // steps before the warm-up starts, and after it ends

    /** Every cell kind × weight format × token or feature input; token models with an output layer, on both backends. */
    static Stream<Arguments> models() {
        List<Arguments> specs = new ArrayList<>();
        long seed = 1;
        for (CellKind kind : CellKind.values()) {
            for (PackedMatrix.Format format : PackedMatrix.Format.values()) {
                for (boolean tokens : new boolean[] {true, false}) {
                    boolean scalar = (kind.ordinal() + format.ordinal()) % 2 == 1;
                    // a second level of another kind, so that the warm-up passes through mixed stacks too
                    List<CellKind> kinds = List.of(kind, CellKind.values()[(kind.ordinal() + 1) % CellKind.values().length]);
                    specs.add(Arguments.of(new BatchFixture.Spec(kinds, List.of(24, 17), 9, tokens ? 13 : 0, tokens ? 11 : 0,
                            true, format, tokens ? StepOutput.PROBABILITIES : StepOutput.HIDDEN, scalar, seed++)));
                }
            }
        }
        // a feature model with an output layer: logits out
        specs.add(Arguments.of(new BatchFixture.Spec(List.of(CellKind.LSTM), List.of(33), 5, 0, 7, false,
                PackedMatrix.Format.F32, StepOutput.LOGITS, false, 99)));
        return specs.stream();
    }

    @ParameterizedTest
    @MethodSource("models")
    void aConcurrentWarmUpLeavesTheCallersStreamsBitIdentical(BatchFixture.Spec spec) throws Exception {
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, spec)) {
            StreamingModel m = built.model();
            Random rnd = new Random(spec.seed());
            BatchFixture.Inputs alone = BatchFixture.inputs(m, INPUTS, rnd);
            BatchFixture.Inputs[] batched = {BatchFixture.inputs(m, INPUTS, rnd), BatchFixture.inputs(m, INPUTS, rnd)};

            // the caller's streams, made before the warm-up and stepped before, during (as long as it runs) and after it
            int steps;
            long seen;
            float[][] states;
            try (Streams streams = new Streams(m, spec.output(), alone, batched)) {
                streams.step(BEFORE);
                AtomicReference<Throwable> failed = new AtomicReference<>();
                Thread warmUp = new Thread(() -> {
                    try {
                        m.warmUp(5);
                    } catch (Throwable e) {
                        failed.set(e);
                    }
                });
                warmUp.start();
                do {
                    streams.step(1);
                } while (warmUp.isAlive());
                warmUp.join();
                assertNull(failed.get(), () -> "the warm-up failed: " + failed.get());
                streams.step(BEFORE);
                steps = streams.steps;
                seen = streams.outputHash;
                states = streams.states();
            }

            // the same streams with no warm-up beside them
            try (Streams streams = new Streams(m, spec.output(), alone, batched)) {
                streams.step(steps);
                assertEquals(streams.outputHash, seen, "the outputs of " + steps + " steps of " + spec);
                float[][] expected = streams.states();
                for (int i = 0; i < expected.length; i++) {
                    assertArrayEquals(expected[i], states[i], "the state of stream " + i + " (0: alone, 1, 2: batched), " + spec);
                }
            }
        }
    }

    /**
     * A session stepped alone and two stepped together by a batch, on the caller's thread, through their
     * inputs in turn; the bits of every output are folded into one hash.
     */
    private static final class Streams implements AutoCloseable {
        final StreamSession alone;
        final StreamBatch batch;
        final StreamSession[] pair;
        final BatchFixture.Inputs aloneIn;
        final BatchFixture.Inputs[] pairIn;
        final float[] out;
        final float[][] outs;
        int steps;
        long outputHash = 1;

        Streams(StreamingModel m, StepOutput output, BatchFixture.Inputs aloneIn, BatchFixture.Inputs[] pairIn) {
            this.alone = m.newSession(output);
            this.batch = m.newBatch(2, output);
            this.pair = new StreamSession[] {m.newSession(StepOutput.HIDDEN), m.newSession(StepOutput.HIDDEN)};
            this.aloneIn = aloneIn;
            this.pairIn = pairIn;
            this.out = new float[alone.outputSize()];
            this.outs = new float[][] {new float[batch.outputSize()], new float[batch.outputSize()]};
        }

        void step(int n) {
            for (int i = 0; i < n; i++, steps++) {
                int t = steps % INPUTS;
                BatchFixture.stepAlone(alone, aloneIn, t, out);
                if (pairIn[0].tokens() != null) {
                    batch.step(pair, 2, new int[] {pairIn[0].tokens()[t], pairIn[1].tokens()[t]}, outs);
                } else {
                    batch.step(pair, 2, new float[][] {pairIn[0].features()[t], pairIn[1].features()[t]}, outs);
                }
                fold(out);
                fold(outs[0]);
                fold(outs[1]);
            }
        }

        private void fold(float[] values) {
            for (float v : values) {
                outputHash = 31 * outputHash + Float.floatToRawIntBits(v);
            }
        }

        float[][] states() {
            return new float[][] {state(alone), state(pair[0]), state(pair[1])};
        }

        @Override
        public void close() {
            batch.close();
            alone.close();
            pair[0].close();
            pair[1].close();
        }
    }

    private static float[] state(StreamSession s) {
        float[] state = new float[s.stateSize()];
        s.saveState(state);
        return state;
    }

    @Test
    void warmsUpEveryBatchSizeAndSessionsAloneAndCanRunAgain() {
        BatchFixture.Spec spec = new BatchFixture.Spec(List.of(CellKind.GRU), List.of(12), 4, 6, 5, true,
                PackedMatrix.Format.BF16, StepOutput.LOGITS, false, 7);
        try (Arena arena = Arena.ofShared(); BatchFixture.Built built = BatchFixture.build(arena, spec)) {
            StreamingModel m = built.model();
            for (int maxBatch : new int[] {0, 1, 13, 300}) {
                Duration took = m.warmUp(maxBatch);
                assertFalse(took.isNegative(), "warmUp(" + maxBatch + ") took " + took);
            }
            assertFalse(m.warmUp().isNegative());
            // the model serves as before
            try (StreamSession s = m.newSession(StepOutput.PROBABILITIES)) {
                float[] p = new float[5];
                s.step(3, p);
                float sum = 0;
                for (float v : p) {
                    sum += v;
                }
                assertEquals(1f, sum, 1e-5f);
            }
        }
    }

    @Test
    void batchSizesCoverRowsUpToMaxBatch() {
        assertArrayEquals(new int[] {1}, StreamWarmUp.rowCycle(1));
        assertArrayEquals(new int[] {1, 2, 3, 5, 8, 12, 13, 24, 31, 47, 64}, StreamWarmUp.rowCycle(64));
        assertArrayEquals(new int[] {1, 2, 3, 5, 8, 12, 13, 24, 31, 47, 64, 96, 97, 128, 200, 256, 300}, StreamWarmUp.rowCycle(300));
        assertArrayEquals(new int[] {1, 2, 3, 5, 8, 12, 12 + 1, 20}, StreamWarmUp.rowCycle(20));
    }

    @Test
    void aClosedModelIsNamedInTheError() {
        BatchFixture.Spec spec = new BatchFixture.Spec(List.of(CellKind.LSTM), List.of(8), 3, 0, 0, true,
                PackedMatrix.Format.F32, StepOutput.HIDDEN, false, 3);
        try (Arena arena = Arena.ofShared()) {
            BatchFixture.Built built = BatchFixture.build(arena, spec);
            StreamingModel m = built.model();
            assertThrows(IllegalArgumentException.class, () -> m.warmUp(-1));
            m.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, m::warmUp);
            assertEquals("cannot warm up: the streaming model is closed", e.getMessage());
            assertThrows(IllegalStateException.class, () -> m.warmUp(0));
        }
    }

    @Test
    void aModelClosedDuringTheWarmUpEndsItWithTheModelNamed() throws Exception {
        BatchFixture.Spec spec = new BatchFixture.Spec(List.of(CellKind.LSTM), List.of(64), 16, 0, 10, true,
                PackedMatrix.Format.F32, StepOutput.HIDDEN, true, 4);
        try (Arena arena = Arena.ofShared()) {
            StreamingModel m = BatchFixture.build(arena, spec).model();
            AtomicReference<Throwable> ended = new AtomicReference<>();
            Thread warmUp = new Thread(() -> {
                try {
                    for (int i = 0; i < 1_000; i++) {   // far longer than the close below takes to come
                        m.warmUp();
                    }
                } catch (Throwable e) {
                    ended.set(e);
                }
            });
            warmUp.start();
            Thread.sleep(50);
            m.close();
            warmUp.join(60_000);
            assertFalse(warmUp.isAlive(), "the warm-up ended");
            assertTrue(ended.get() instanceof IllegalStateException && ended.get().getMessage().contains("streaming model"),
                    "the warm-up ended with " + ended.get());
        }
    }
}
