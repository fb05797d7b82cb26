package dev.rnn.bench.streams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn.bench.report.CurveChart;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders {@link ConcurrentStreams}' JSON as two PNG curves against the number of streams (log x axis),
 * one line per engine and model: {@code <prefix>-throughput.png} (steps per second) and
 * {@code <prefix>-p99.png} (p99 step latency, log y axis).
 *
 * <pre>java -cp rnn-bench/target/benchmarks.jar dev.rnn.bench.streams.StreamsChart out.json [prefix]</pre>
 */
public final class StreamsChart {

    private StreamsChart() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: StreamsChart results.json [output prefix, default: the JSON's name without .json]");
            System.exit(2);
        }
        Path json = Path.of(args[0]);
        String prefix = args.length > 1 ? args[1] : json.toString().replaceFirst("\\.json$", "");
        for (Path p : render(json, prefix)) {
            System.out.println("wrote " + p);
        }
    }

    /** Writes both charts and returns their paths. */
    static List<Path> render(Path json, String prefix) throws IOException {
        // series "engine model" → streams → value, streams sorted for the lines
        Map<String, TreeMap<Integer, Double>> throughput = new TreeMap<>(), p99 = new TreeMap<>();
        for (JsonNode r : new ObjectMapper().readTree(json.toFile())) {
            String series = r.get("engine").asText() + " " + r.get("model").asText();
            int streams = r.get("streams").asInt();
            throughput.computeIfAbsent(series, k -> new TreeMap<>()).put(streams, r.get("stepsPerSecond").asDouble());
            p99.computeIfAbsent(series, k -> new TreeMap<>()).put(streams, r.get("p99Micros").asDouble());
        }
        List<Path> written = new ArrayList<>();
        written.add(CurveChart.write(prefix + "-throughput", "throughput (closed loop, higher is better)", "concurrent streams (log)",
                "steps per second", throughput, false));
        written.add(CurveChart.write(prefix + "-p99", "p99 step latency (lower is better)", "concurrent streams (log)",
                "p99 µs (log)", p99, true));
        return written;
    }
}
