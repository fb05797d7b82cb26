package dev.rnn.flink.stream;

import dev.rnn.models.io.SafetensorsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The {@code stream} subcommand: keyed streaming inference over {@code key<TAB>value} lines from a file
 * or a socket, results and rejected lines written to {@code --output} by exactly-once file sinks.
 *
 * <pre>
 * stream --task lm|forecast --model M (--input FILE | --socket HOST:PORT) --output DIR
 *        [--parallelism N] [--state heap|rocksdb] [--checkpoint-interval 10s] [--checkpoint-dir DIR (default DIR/checkpoints)]
 *        [--batch N] [--max-delay 5ms] [--rate LINES_PER_SECOND] [--restart-attempts 3]
 * </pre>
 *
 * {@code --rate} replays a recorded {@code --input} file at a live pace instead of as fast as it can be read.
 *
 * Run from a plain JVM it starts an embedded local cluster; under {@code flink run} it goes to that cluster.
 */
public final class StreamJob {

    private static final List<String> OPTIONS = List.of("--task", "--model", "--input", "--socket", "--output", "--parallelism",
            "--state", "--checkpoint-interval", "--checkpoint-dir", "--batch", "--max-delay", "--rate", "--restart-attempts");

    private StreamJob() {
    }

    /** Runs the job; bad options or a missing, unreadable or wrong-task model are an IllegalArgumentException of one line. */
    public static void run(String[] args) throws Exception {
        Map<String, String> o = options(args);
        StreamTask task = StreamTask.of(required(o, "--task"));
        Path model = Path.of(required(o, "--model"));
        try {
            task.check(model);
        } catch (SafetensorsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        String input = o.get("--input"), socket = o.get("--socket");
        if ((input == null) == (socket == null)) {
            throw new IllegalArgumentException("give one source: --input FILE or --socket HOST:PORT");
        }
        if (input != null && !Files.isReadable(Path.of(input))) {
            throw new IllegalArgumentException(input + ": cannot read the input");
        }
        String output = required(o, "--output");
        Configuration config = configuration(o.getOrDefault("--state", "heap"), duration(o.getOrDefault("--checkpoint-interval", "10s"),
                "--checkpoint-interval"), Path.of(o.getOrDefault("--checkpoint-dir", output + "/checkpoints")));
        if (o.containsKey("--restart-attempts")) {
            config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, positive(o.get("--restart-attempts"), "--restart-attempts"));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(positive(o.getOrDefault("--parallelism", "1"), "--parallelism"));
        DataStream<String> lines;
        if (input != null) {
            FileSource<String> file = FileSource.forRecordStreamFormat(new TextLineInputFormat(),
                    new org.apache.flink.core.fs.Path(Path.of(input).toAbsolutePath().toString())).build();
            String rate = o.get("--rate");
            Source<String, ?, ?> source = rate == null ? file : new RateLimitedSource<>(file, positive(rate, "--rate"));
            lines = env.fromSource(source, WatermarkStrategy.noWatermarks(), "lines", Types.STRING).uid("lines");
        } else if (o.containsKey("--rate")) {
            throw new IllegalArgumentException("--rate paces an --input file; a socket source runs at its sender's pace");
        } else {
            int colon = socket.lastIndexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("--socket must be HOST:PORT, found '" + socket + "'");
            }
            lines = env.socketTextStream(socket.substring(0, colon), positive(socket.substring(colon + 1), "--socket port"));
        }
        new StreamPipeline(task, model.toAbsolutePath().toString(), positive(o.getOrDefault("--batch", "1"), "--batch"),
                duration(o.getOrDefault("--max-delay", "5ms"), "--max-delay"))
                .apply(lines).writeTo(Path.of(output).toAbsolutePath().toString());
        env.execute("rnn stream " + task.option());
    }

    /** For a command line: runs the job, or prints the one-line problem and exits with status 2. */
    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("rnn stream: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * The job's settings: no generic (Kryo) types, {@code state} "heap" or "rocksdb", exactly-once
     * checkpoints every {@code checkpointInterval}, and restarts from the last checkpoint after a failure
     * (fixed delay, 3 attempts, 2 s apart; {@code --restart-attempts} sets the count). Checkpoints go to files under {@code checkpointDir} (on a cluster, a
     * directory every process can reach): the JobManager's memory, Flink's default, takes only a few MB of
     * state, and a million keys checkpointed there fail.
     */
    public static Configuration configuration(String state, Duration checkpointInterval, Path checkpointDir) {
        Configuration config = new Configuration();
        config.set(PipelineOptions.GENERIC_TYPES, false);
        config.set(StateBackendOptions.STATE_BACKEND, switch (state) {
            case "heap" -> "hashmap";
            case "rocksdb" -> "rocksdb";
            default -> throw new IllegalArgumentException("--state must be heap or rocksdb, found '" + state + "'");
        });
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toAbsolutePath().toUri().toString());
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
        return config;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!OPTIONS.contains(args[i])) {
                throw new IllegalArgumentException("unknown option '" + args[i] + "' (options: " + String.join(" ", OPTIONS) + ")");
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            o.put(args[i], args[i + 1]);
        }
        return o;
    }

    private static String required(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing " + name);
        }
        return v;
    }

    private static int positive(String v, String name) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number ≥ 1, found '" + v + "'");
    }

    /** "250ms", "10s", "2min" or plain milliseconds. */
    static Duration duration(String v, String name) {
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("min")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 3)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.ofMillis(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a duration such as 500ms, 10s or 2min, found '" + v + "'");
        }
    }
}
