package dev.rnn.bench.memory;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamBatch;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Bytes a steady-state step allocates on the stepping thread (com.sun.management.ThreadMXBean's
 * allocated-bytes counter), for streaming models of many shapes in one JVM, as a service holding several
 * models would run them. Every shape first runs a warm-up pass of {@code -Dwarm=20} windows (so that the
 * JIT compiles the kernels with every shape's profile), then a measured pass of windows until three in a
 * row read 0 bytes, at most {@code -Dwindows=60}; it prints the fewest bytes per step of any measured
 * window. A window is 1,000 steps, fewer for models that read more than 400 KB of weights per step (at
 * least 20), so that the large ones do not dominate the run.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp rnn-bench/target/benchmarks.jar dev.rnn.bench.memory.StepAllocation \
 *     [CELL:H[,H…]:V:I:F32|BF16:tokens|features:HIDDEN|LOGITS|PROBABILITIES[:BATCH] …]
 * </pre>
 *
 * V is the number of classes of the output layer (0: none) and, with {@code tokens}, of the embedding;
 * I the input width; BATCH, when given, steps a {@link StreamBatch} of that many sessions instead of one
 * session. Without arguments it runs a spread of sizes that are not multiples of the vector width, and
 * the default language model (LSTM 2×512, embedding 64, 65 characters).
 */
public final class StepAllocation {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int WINDOW = 1000;
    private static final long WINDOW_BYTES = 400_000_000L;   // weight bytes a window reads, beyond which it has fewer steps

    private StepAllocation() {
    }

    /** One shape, parsed from CELL:H[,H…]:V:I:FORMAT:INPUT:OUTPUT[:BATCH]. */
    private record Shape(String text, CellKind kind, int[] hidden, int classes, int input, PackedMatrix.Format format,
                         boolean tokens, StepOutput output, int batch) {

        static Shape parse(String text) {
            String[] p = text.split(":");
            if (p.length != 7 && p.length != 8) {
                throw new IllegalArgumentException(text + ": expected CELL:H[,H…]:V:I:F32|BF16:tokens|features:OUTPUT[:BATCH]");
            }
            String[] h = p[1].split(",");
            int[] hidden = new int[h.length];
            for (int i = 0; i < h.length; i++) {
                hidden[i] = Integer.parseInt(h[i]);
            }
            boolean tokens = switch (p[5]) {
                case "tokens" -> true;
                case "features" -> false;
                default -> throw new IllegalArgumentException(text + ": input is " + p[5] + ", expected tokens or features");
            };
            return new Shape(text, CellKind.valueOf(p[0]), hidden, Integer.parseInt(p[2]), Integer.parseInt(p[3]),
                    PackedMatrix.Format.valueOf(p[4]), tokens, StepOutput.valueOf(p[6]), p.length == 8 ? Integer.parseInt(p[7]) : 0);
        }

        StreamingModel build(Arena arena) {
            Initializers init = new Initializers(7);
            StreamingModel.Builder b = StreamingModel.builder(Kernels.preferred()).format(format);
            int in = input;
            for (int h : hidden) {
                CellParameters p = CellParameters.allocate(arena, kind, in, h, true);
                init.pytorchDefault(p);
                b.level(p);
                in = h;
            }
            if (tokens) {
                Matrix table = Matrix.allocate(arena, classes, input);
                init.uniform(table, 1);
                b.embedding(table);
            }
            if (classes > 0) {
                Matrix w = Matrix.allocate(arena, classes, in), bias = Matrix.allocate(arena, 1, classes);
                init.uniform(w, 1 / Math.sqrt(in));
                init.uniform(bias, 0.5);
                b.head(w, bias);
            }
            return b.build();
        }
    }

    /** A built shape with its sessions (and batch) and buffers. */
    private static final class Stepper implements AutoCloseable {
        final Shape shape;
        final StreamingModel model;
        final StreamSession[] sessions;
        final StreamBatch batch;
        final int[] tokens;
        final float[][] features;
        final float[][] outs;
        final int windowSteps;
        int step;

        Stepper(Shape shape, Arena arena) {
            this.shape = shape;
            this.model = shape.build(arena);
            int n = Math.max(1, shape.batch());
            this.sessions = new StreamSession[n];
            for (int i = 0; i < n; i++) {
                sessions[i] = model.newSession(shape.output());
            }
            this.batch = shape.batch() > 0 ? model.newBatch(n, shape.output()) : null;
            this.tokens = new int[n];
            this.features = new float[n][model.inputSize()];
            for (float[] row : features) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = (float) Math.sin(j + 1);
                }
            }
            this.outs = new float[n][sessions[0].outputSize()];
            this.windowSteps = (int) Math.max(20, Math.min(WINDOW, WINDOW_BYTES / ((long) n * model.bytesPerStep())));
        }

        /** Bytes allocated by one window of steps. */
        long window() {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < windowSteps; i++, step++) {
                if (batch == null) {
                    if (shape.tokens()) {
                        sessions[0].step(step % model.inputSize(), outs[0]);
                    } else {
                        sessions[0].step(features[0], outs[0]);
                    }
                } else if (shape.tokens()) {
                    for (int s = 0; s < tokens.length; s++) {
                        tokens[s] = (step + s) % model.inputSize();
                    }
                    batch.step(sessions, sessions.length, tokens, outs);
                } else {
                    batch.step(sessions, sessions.length, features, outs);
                }
            }
            return THREADS.getCurrentThreadAllocatedBytes() - before;
        }

        @Override
        public void close() {
            if (batch != null) {
                batch.close();
            }
            for (StreamSession s : sessions) {
                s.close();
            }
            model.close();
        }
    }

    public static void main(String[] args) {
        List<String> texts = args.length > 0 ? List.of(args) : defaultShapes();
        int warm = Integer.getInteger("warm", 20), windows = Integer.getInteger("windows", 60);
        Kernels k = Kernels.preferred();
        System.out.printf(Locale.ROOT, "kernels %s, %d-bit vectors; bytes per steady-state step%n", k.name(), k.vectorBitSize());
        try (Arena arena = Arena.ofShared()) {
            List<Stepper> steppers = new ArrayList<>();
            try {
                for (String t : texts) {
                    steppers.add(new Stepper(Shape.parse(t), arena));
                }
                for (Stepper s : steppers) {
                    for (int w = 0; w < warm; w++) {
                        s.window();
                    }
                }
                for (Stepper s : steppers) {
                    long fewest = Long.MAX_VALUE;
                    int zeros = 0, w = 0;
                    while (w < windows && zeros < 3) {
                        long bytes = s.window();
                        fewest = Math.min(fewest, bytes);
                        zeros = bytes == 0 ? zeros + 1 : 0;
                        w++;
                    }
                    System.out.printf(Locale.ROOT, "%-48s %8.1f%n", s.shape.text(), fewest / (double) s.windowSteps);
                }
            } finally {
                steppers.forEach(Stepper::close);
            }
        }
    }

    private static List<String> defaultShapes() {
        List<String> shapes = new ArrayList<>();
        for (String cell : List.of("LSTM", "GRU", "RNN_TANH")) {
            for (int h : new int[] {24, 64, 256}) {
                for (int v : new int[] {28, 65, 100}) {
                    shapes.add(cell + ":" + h + ":" + v + ":5:F32:tokens:LOGITS");
                }
                shapes.add(cell + ":" + h + ":28:5:F32:tokens:HIDDEN");
                shapes.add(cell + ":" + h + ":65:64:F32:tokens:PROBABILITIES");
                shapes.add(cell + ":" + h + ":0:5:F32:features:HIDDEN");
                shapes.add(cell + ":" + h + ":100:64:BF16:features:PROBABILITIES");
                shapes.add(cell + ":" + h + ":28:5:BF16:tokens:LOGITS");
            }
        }
        shapes.addAll(List.of("LSTM:512,512:65:64:F32:tokens:PROBABILITIES", "LSTM:512,512:65:64:BF16:tokens:PROBABILITIES",
                "LSTM:1024:28:5:F32:tokens:LOGITS", "GRU:1024:100:64:BF16:features:PROBABILITIES", "GRU:512:65:5:F32:tokens:HIDDEN"));
        for (int n : new int[] {1, 3, 17}) {
            shapes.addAll(List.of("LSTM:24:28:5:F32:tokens:PROBABILITIES:" + n, "GRU:24:65:5:F32:features:LOGITS:" + n,
                    "LSTM:512,512:65:64:F32:tokens:PROBABILITIES:" + n, "GRU:64:100:64:BF16:tokens:HIDDEN:" + n,
                    "RNN_TANH:24:28:5:F32:features:PROBABILITIES:" + n));
        }
        return shapes;
    }
}
