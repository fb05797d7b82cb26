package dev.rnn.models.streaming;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.models.streaming.BatchFixture.Built;
import dev.rnn.models.streaming.BatchFixture.Spec;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Steady-state steps allocate nothing at sizes that are not multiples of the vector width (partial
 * lane blocks in every product, masked tails in every elementwise pass and in the softmax), for every
 * cell, both weight formats, token and feature input and every output, and at the size of the default
 * language model: each {@link StreamSession} alone, and {@link StreamBatch} steps of 1, 3 and 17 rows.
 */
class SteadyStateAllocationTest {

    private static final int FEATURES = 0;   // a vocabulary of 0: feature input, no embedding

    /** Hidden sizes, input, vocabulary (0: features), classes (0: no head), format and output of each shape. */
    private static final List<Spec> SHAPES = List.of(
            spec(CellKind.LSTM, List.of(24), 5, 28, 28, PackedMatrix.Format.F32, StepOutput.LOGITS),
            spec(CellKind.LSTM, List.of(33), 64, FEATURES, 100, PackedMatrix.Format.BF16, StepOutput.PROBABILITIES),
            spec(CellKind.GRU, List.of(24), 5, 28, 28, PackedMatrix.Format.BF16, StepOutput.PROBABILITIES),
            spec(CellKind.GRU, List.of(40, 24), 5, FEATURES, 65, PackedMatrix.Format.F32, StepOutput.LOGITS),
            spec(CellKind.GRU, List.of(17), 64, 65, 0, PackedMatrix.Format.F32, StepOutput.HIDDEN),
            spec(CellKind.RNN_TANH, List.of(24), 64, FEATURES, 100, PackedMatrix.Format.F32, StepOutput.PROBABILITIES),
            spec(CellKind.RNN_RELU, List.of(7), 3, 5, 3, PackedMatrix.Format.BF16, StepOutput.PROBABILITIES));

    /** The default character language model: LSTM 2×512 over a 64-wide embedding of 65 characters. */
    private static final Spec LANGUAGE_MODEL =
            spec(CellKind.LSTM, List.of(512, 512), 64, 65, 65, PackedMatrix.Format.F32, StepOutput.PROBABILITIES);

    private static final int[] BATCH_ROWS = {1, 3, 17};

    private static Spec spec(CellKind kind, List<Integer> hidden, int input, int vocab, int classes, PackedMatrix.Format format,
                             StepOutput output) {
        return new Spec(hidden.stream().map(h -> kind).toList(), hidden, input, vocab, classes, true, format, output, false, 11);
    }

    /** One model with a session, or a batch of sessions, and the buffers its steps read and write. */
    private static final class Stepper {
        final String name;
        final StreamingModel model;
        final StreamSession[] sessions;
        final StreamBatch batch;       // null: the session steps alone
        final int stepsPerWindow;
        final int[] tokens;
        final float[][] features;
        final float[][] outs;
        long bytes;                    // allocated in the last window

        Stepper(String name, StreamingModel model, StepOutput output, int sessions, boolean batched, int stepsPerWindow, Random rnd) {
            this.name = name;
            this.model = model;
            this.sessions = new StreamSession[sessions];
            for (int i = 0; i < sessions; i++) {
                this.sessions[i] = model.newSession(output);
            }
            this.batch = batched ? model.newBatch(sessions, output) : null;
            this.stepsPerWindow = stepsPerWindow;
            this.tokens = new int[sessions];
            this.features = new float[sessions][model.inputSize()];
            for (float[] row : features) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = rnd.nextFloat() * 2 - 1;
                }
            }
            this.outs = new float[sessions][this.sessions[0].outputSize()];
        }

        /** stepsPerWindow steps; batched ones cycle through the row counts. */
        void run(int window) {
            for (int s = 0; s < stepsPerWindow; s++) {
                int t = window * stepsPerWindow + s;
                if (batch == null) {
                    if (model.takesTokens()) {
                        sessions[0].step(t % model.inputSize(), outs[0]);
                    } else {
                        sessions[0].step(features[0], outs[0]);
                    }
                } else {
                    int count = BATCH_ROWS[t % BATCH_ROWS.length];
                    if (model.takesTokens()) {
                        for (int i = 0; i < count; i++) {
                            tokens[i] = (t + 7 * i) % model.inputSize();
                        }
                        batch.step(sessions, count, tokens, outs);
                    } else {
                        batch.step(sessions, count, features, outs);
                    }
                }
            }
        }

        void close() {
            if (batch != null) {
                batch.close();
            }
            for (StreamSession s : sessions) {
                s.close();
            }
        }
    }

    /**
     * Windows of steps over every shape, alone and batched, are measured with the stepping thread's
     * allocated-bytes counter (com.sun.management.ThreadMXBean) until one window reads 0 bytes, at most
     * 200 of them: interpreted, every vector is an object, so the JIT must first compile the kernels; a
     * step that allocates in steady state never lets a window reach 0. The language model takes fewer
     * steps per window than the small shapes, which run the same kernels often enough for the JIT.
     * When no window reads 0, the message names the shapes that allocated in the last one.
     */
    @Test
    void steadyStateStepsAllocateNothingAtAwkwardSizes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        Random rnd = new Random(3);
        List<Built> built = new ArrayList<>();
        List<Stepper> steppers = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            try {
                for (Spec s : SHAPES) {
                    Built b = BatchFixture.build(arena, s);
                    built.add(b);
                    steppers.add(new Stepper(s + " session", b.model(), s.output(), 1, false, 400, rnd));
                    steppers.add(new Stepper(s + " batch of 1, 3, 17", b.model(), s.output(), 17, true, 90, rnd));
                }
                Built lm = BatchFixture.build(arena, LANGUAGE_MODEL);
                built.add(lm);
                StepOutput lmOutput = LANGUAGE_MODEL.output();
                steppers.add(new Stepper("language model " + LANGUAGE_MODEL + " session", lm.model(), lmOutput, 1, false, 6, rnd));
                steppers.add(new Stepper("language model " + LANGUAGE_MODEL + " batch of 1, 3, 17", lm.model(), lmOutput, 17, true, 3, rnd));

                long[] windows = new long[200];
                for (int w = 0; w < windows.length; w++) {
                    for (Stepper s : steppers) {
                        long before = threads.getCurrentThreadAllocatedBytes();
                        s.run(w);
                        s.bytes = threads.getCurrentThreadAllocatedBytes() - before;
                        windows[w] += s.bytes;
                    }
                    if (windows[w] == 0) {
                        System.out.println("a window of steps over " + steppers.size() + " streams and batches allocated 0 bytes after "
                                + w + " warm-up windows");
                        return;
                    }
                }
                StringBuilder last = new StringBuilder();
                for (Stepper s : steppers) {
                    if (s.bytes != 0) {
                        last.append("\n  ").append(s.name).append(": ").append(s.bytes).append(" bytes in ").append(s.stepsPerWindow)
                                .append(" steps");
                    }
                }
                fail("no window of steps allocated 0 bytes; bytes per window: " + Arrays.toString(windows)
                        + "; in the last window:" + last);
            } finally {
                steppers.forEach(Stepper::close);
                built.forEach(Built::close);
            }
        }
    }
}
