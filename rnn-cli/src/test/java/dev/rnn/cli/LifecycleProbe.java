package dev.rnn.cli;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.text.Vocabulary;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;

/**
 * Loads and closes a model many times and prints native memory (NMT's "Other", where arenas
 * allocate), all native memory NMT tracks (its total less the Java heap) and the resident size, after
 * a warm-up and at the end: {@code other native rss other native rss}, in KB. Run with {@code -XX:NativeMemoryTracking=summary}; args: model file, count.
 */
public final class LifecycleProbe {

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        String text = "to be or not to be, that is the question\n".repeat(4);
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(),
                new CharLanguageModel.Config(CellKind.LSTM, 16, 64, 2, 0), Vocabulary.ofCharacters(text), 1)) {
            SafetensorsWriter w = new SafetensorsWriter().metadata(lm.metadata());
            lm.parameters().writeTo(w, "");
            w.write(file);
        }
        long[] warm = null;
        int warmAt = count / 3;
        for (int i = 0; i < count; i++) {
            if (i == warmAt) {
                System.gc();
                warm = new long[] {nmtOtherKb(), nmtNativeKb(), rssKb()};
            }
            CharLanguageModel lm = CharLanguageModel.load(Kernels.preferred(), file);
            lm.loss(text);
            try (StreamingModel s = lm.streaming(i % 2 == 0 ? PackedMatrix.Format.F32 : PackedMatrix.Format.BF16);
                 StreamSession session = s.newSession(StepOutput.PROBABILITIES)) {
                session.step(1, new float[lm.vocabulary().size()]);
            }
            lm.close();
            if (i == 0) {
                try {
                    lm.loss(text);
                    throw new AssertionError("a closed model was used");
                } catch (IllegalStateException expected) {
                    // use after close throws
                }
            }
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                f.floats("head.weight", f.info("head.weight").shape());
            }
        }
        System.gc();
        if (System.getProperty("probe.dump") != null) {
            System.out.println(ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "vmNativeMemory", new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()}));
        }
        System.out.println(warm[0] + " " + warm[1] + " " + warm[2] + " " + nmtOtherKb() + " " + nmtNativeKb() + " " + rssKb());
        Files.deleteIfExists(file);
    }

    static long nmtOtherKb() throws Exception {
        String out = (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "vmNativeMemory", new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
        for (String line : out.split("\n")) {
            String l = line.strip();
            if (l.startsWith("-") && l.contains("Other (reserved=")) {
                int c = l.indexOf("committed=");
                return Long.parseLong(l.substring(c + "committed=".length(), l.indexOf("KB", c)));
            }
        }
        throw new IllegalStateException("no 'Other' line in NMT output: run with -XX:NativeMemoryTracking=summary");
    }

    /** NMT's total committed minus the Java heap's: every native allocation the JVM tracks. */
    static long nmtNativeKb() throws Exception {
        String out = (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "vmNativeMemory", new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
        long total = -1, heap = -1;
        for (String line : out.split("\n")) {
            String l = line.strip();
            if (l.startsWith("Total: reserved=") || l.startsWith("-") && l.contains("Java Heap (reserved=")) {
                int c = l.indexOf("committed=");
                long v = Long.parseLong(l.substring(c + "committed=".length(), l.indexOf("KB", c)));
                if (l.startsWith("Total")) {
                    total = v;
                } else {
                    heap = v;
                }
            }
        }
        return total - heap;
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
