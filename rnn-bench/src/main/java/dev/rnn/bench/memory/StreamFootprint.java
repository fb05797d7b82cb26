package dev.rnn.bench.memory;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.text.Vocabulary;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.management.ObjectName;

/**
 * What one open text stream costs, the figure that bounds a service's streams (max streams × this):
 * opens N streams of the default-sized LM (LSTM 2×512, embedding 64, V characters, seeded weights),
 * appends to each and reads its next-character top 5, and prints the heap (after full collections)
 * and the off-heap memory (native memory tracking's "Other", where the sessions' buffers are
 * allocated) they added, per stream.
 *
 * <pre>
 * java -XX:NativeMemoryTracking=summary --add-modules jdk.incubator.vector -cp rnn-bench/target/benchmarks.jar \
 *     dev.rnn.bench.memory.StreamFootprint [streams=1000] [vocabulary=100]
 * </pre>
 */
public final class StreamFootprint {

    private StreamFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int v = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        StringBuilder characters = new StringBuilder();
        for (int c = 32; characters.length() < v; c++) {
            characters.appendCodePoint(c);
        }
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.LSTM, 64, 512, 2, 0),
                Vocabulary.ofCharacters(characters.toString()), 1);
             TextStreamingModel text = lm.textStreaming(PackedMatrix.Format.F32)) {
            int stateFloats;
            try (TextStream s = text.newStream()) {   // the first stream also loads and initialises the classes stepping needs
                s.append("ab");
                s.mostLikelyNext(5);
                stateFloats = s.stateSize();
            }
            long heap0 = usedHeapAfterGc(), native0 = nativeOther();
            List<TextStream> streams = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                TextStream s = text.newStream();
                s.append("ab");
                s.mostLikelyNext(5);
                streams.add(s);
            }
            long heap = (usedHeapAfterGc() - heap0) / n, offHeap = (nativeOther() - native0) / n;
            System.out.printf(Locale.ROOT, "LSTM 2x512, embedding 64, V %d: state %d floats (%d B); per stream over %d streams:"
                    + " heap %d B, off-heap %d B, total %d B%n", v, stateFloats, 4 * stateFloats, n, heap, offHeap, heap + offHeap);
            for (TextStream s : streams) {
                s.close();
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Committed bytes of native memory tracking's "Other" category, where Unsafe and the foreign arenas allocate. */
    private static long nativeOther() throws Exception {
        String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "vmNativeMemory", new Object[] {new String[] {"summary", "scale=b"}}, new String[] {String[].class.getName()});
        for (String line : summary.split("\n")) {
            if (line.contains("Other (reserved=")) {
                return Long.parseLong(line.replaceAll(".*committed=(\\d+).*", "$1"));
            }
        }
        throw new IllegalStateException("no native memory summary: run with -XX:NativeMemoryTracking=summary");
    }
}
