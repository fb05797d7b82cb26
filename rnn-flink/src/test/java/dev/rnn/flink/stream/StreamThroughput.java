package dev.rnn.flink.stream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Throughput of keyed streaming inference for the char LM, one slot: events/s stepped in-process (the
 * same event model, key states in a HashMap, one thread) against a Flink job with heap or RocksDB state
 * (parallelism 1, an unthrottled generated source, results discarded), with the state bytes per key and
 * the process's peak memory. Arguments: events keys hidden modes maxBatch, e.g.
 * {@code 1000000 1000000 16 inprocess,heap,rocksdb 1}. Run with the test class path and the module's JVM flags.
 */
public final class StreamThroughput {

    private StreamThroughput() {
    }

    public static void main(String[] args) throws Exception {
        long events = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int hidden = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        String modes = args.length > 3 ? args[3] : "inprocess,heap,rocksdb";
        int maxBatch = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        Path dir = Files.createTempDirectory("stream-throughput");
        Path model = TestModels.languageModel(dir, hidden);
        try (EventModel m = StreamTask.LM.open(model, 1)) {
            System.out.printf(Locale.ROOT, "char LM LSTM 2x%d, V=%d: state %d floats = %d bytes per key; %d events over %d keys; load %s%n",
                    hidden, m.stateSize() - 2 * 2 * hidden, m.stateSize(), 4 * m.stateSize(), events, keys, load());
        }
        for (String mode : modes.split(",")) {
            long start = System.nanoTime();
            double seconds = switch (mode) {
                case "inprocess" -> inProcess(model, events, keys);
                case "heap", "rocksdb" -> flink(model, events, keys, mode, maxBatch);
                default -> throw new IllegalArgumentException("mode " + mode);
            };
            System.out.printf(Locale.ROOT, "%-9s %,12.0f events/s  (%.1f s of %s run; wall %.1f s; peak RSS %s; load %s)%n", mode, events / seconds,
                    seconds, mode.equals("inprocess") ? "stepping" : "job", (System.nanoTime() - start) / 1e9, peakRss(), load());
        }
    }

    /** The event model stepped on this thread, states in a HashMap: what one slot could do without Flink. */
    private static double inProcess(Path model, long events, int keys) throws Exception {
        Map<String, float[]> states = new HashMap<>();
        long sink = 0;
        try (EventModel m = StreamTask.LM.open(model, 1)) {
            long start = System.nanoTime();
            for (long i = 0; i < events; i++) {
                String line = TestModels.lmLine(i, keys);
                int tab = line.indexOf('\t');
                if (tab <= 0) {
                    continue;
                }
                String key = line.substring(0, tab);
                float[] s = states.get(key);
                if (s == null) {
                    s = m.initialState();
                    states.put(key, s);
                }
                if (m.load(0, line.substring(tab + 1), s) != null) {
                    continue;
                }
                m.step(1);
                sink += (key + '\t' + m.finish(0)).length();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (sink == 42) {
                System.out.println();
            }
            return seconds;
        }
    }

    private static double flink(Path model, long events, int keys, String state, int maxBatch) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1,
                StreamJob.configuration(state, Duration.ofMinutes(10), Files.createTempDirectory("stream-checkpoints")));
        DataGeneratorSource<String> source = new DataGeneratorSource<>(new Line(keys), events, RateLimiterStrategy.noOp(), Types.STRING);
        new StreamPipeline(StreamTask.LM, model.toString(), maxBatch, Duration.ofMillis(5))
                .apply(env.fromSource(source, WatermarkStrategy.noWatermarks(), "lines"))
                .results().sinkTo(new DiscardingSink<>());
        JobExecutionResult r = env.execute("throughput " + state);
        return r.getNetRuntime() / 1e3;
    }

    private record Line(int keys) implements GeneratorFunction<Long, String> {
        @Override
        public String map(Long i) {
            return TestModels.lmLine(i, keys);
        }
    }

    private static String load() throws java.io.IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static String peakRss() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return line.substring(6).strip();
            }
        }
        return "?";
    }
}
