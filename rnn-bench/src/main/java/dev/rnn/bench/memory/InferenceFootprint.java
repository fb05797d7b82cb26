package dev.rnn.bench.memory;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.ModelFiles;
import dev.rnn.models.text.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The resident memory a served language model costs: opens a model file for inference
 * ({@link ModelFiles}), packs its streaming form and steps it, printing the process's resident set
 * (VmRSS, with its anonymous and file-backed parts, from {@code /proc/self/status}) before and after,
 * against the file's size.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp rnn-bench/target/benchmarks.jar dev.rnn.bench.memory.InferenceFootprint \
 *     --write /tmp/lm.safetensors           # a default-sized LM (LSTM 2×512, embedding 64, 65 characters), seeded weights
 * java --add-modules jdk.incubator.vector -cp rnn-bench/target/benchmarks.jar dev.rnn.bench.memory.InferenceFootprint \
 *     /tmp/lm.safetensors [steps]
 * </pre>
 *
 * Run the two in separate JVMs: the one that writes holds the trainable model with its gradients.
 * The baseline is measured in the measuring JVM before the file is touched, after the same number of
 * steps of a small model (LSTM 2×32) has compiled the stepping code, and a full GC: the difference is
 * what the model adds. With {@code -Dcold=true} the baseline is a JVM that has run nothing, and the
 * difference also holds what JIT warm-up costs (compiled code, and the heap the interpreter's boxed
 * vectors grow, which {@code -Xmx} bounds).
 */
public final class InferenceFootprint {

    private InferenceFootprint() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--write")) {
            write(Path.of(args[1]));
            return;
        }
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: InferenceFootprint --write FILE | InferenceFootprint FILE [steps]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int steps = args.length == 2 ? Integer.parseInt(args[1]) : 10_000;
        Kernels kernels = Kernels.preferred();
        if (!Boolean.getBoolean("cold")) {
            warmTheJvm(kernels, steps);
        }
        System.gc();
        long[] before = rss();
        long size = Files.size(file);
        report("before opening", before, before, size);
        try (CharLanguageModel lm = ModelFiles.open(kernels, file, CharLanguageModel.class)) {
            report("opened (mapped, nothing read)", rss(), before, size);
            try (StreamingModel model = lm.streaming(PackedMatrix.Format.F32);
                 StreamSession session = model.newSession(StepOutput.PROBABILITIES)) {
                report("packed for streaming", rss(), before, size);
                float[] out = new float[session.outputSize()];
                int token = 0;
                for (int i = 0; i < steps; i++) {
                    session.step(token, out);
                    token = (token * 31 + 7) % model.inputSize();
                }
                System.gc();
                report("after " + steps + " steps", rss(), before, size);
            }
        }
    }

    /**
     * Compiles the stepping code on a small model of the same cell, so that the baseline already holds
     * what any JVM running these steps holds (compiled code, a heap grown by the interpreter's vector
     * boxes): the difference then is the model's. {@code -Dcold=true} skips it.
     */
    private static void warmTheJvm(Kernels kernels, int steps) {
        try (CharLanguageModel small = CharLanguageModel.create(kernels, new CharLanguageModel.Config(CellKind.LSTM, 8, 32, 2, 0),
                Vocabulary.ofCharacters("abcdefgh"), 2);
             StreamingModel model = small.streaming(PackedMatrix.Format.F32);
             StreamSession session = model.newSession(StepOutput.PROBABILITIES)) {
            float[] out = new float[session.outputSize()];
            for (int i = 0; i < steps; i++) {
                session.step(i % 8, out);
            }
        }
    }

    private static void write(Path file) throws IOException {
        StringBuilder chars = new StringBuilder();
        for (int i = 0; i < 65; i++) {
            chars.append((char) (' ' + i));
        }
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.LSTM, 64, 512, 2, 0.25),
                Vocabulary.ofCharacters(chars.toString()), 1)) {
            SafetensorsWriter w = new SafetensorsWriter().metadata(lm.metadata());
            lm.parameters().writeTo(w, "");
            w.write(file);
        }
        System.out.println("wrote " + file + " (" + Files.size(file) + " bytes)");
    }

    /** VmRSS, RssAnon and RssFile in bytes. */
    private static long[] rss() throws IOException {
        long[] out = new long[3];
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            int k = line.startsWith("VmRSS:") ? 0 : line.startsWith("RssAnon:") ? 1 : line.startsWith("RssFile:") ? 2 : -1;
            if (k >= 0) {
                out[k] = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return out;
    }

    private static void report(String when, long[] now, long[] before, long fileSize) {
        long added = now[0] - before[0];
        System.out.printf(Locale.ROOT, "%-32s RSS %7.1f MiB (anon %7.1f, file %6.1f)  added %6.1f MiB = %.2f× the file (%.1f MiB)%n",
                when, mib(now[0]), mib(now[1]), mib(now[2]), mib(added), (double) added / fileSize, mib(fileSize));
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
