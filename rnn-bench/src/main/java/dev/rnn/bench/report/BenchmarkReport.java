package dev.rnn.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Turns a JMH JSON result file ({@code -rf json}) into a Markdown table of the engines side by side,
 * with each engine's time relative to a reference engine, and a PNG bar chart (log scale).
 *
 * <pre>java -cp rnn-bench/target/benchmarks.jar dev.rnn.bench.report.BenchmarkReport RESULT.json CHART.png [REFERENCE]</pre>
 *
 * Rows are the benchmark's parameters other than {@code engine}; columns are the engines. REFERENCE
 * (default {@code onnxruntime}) is the engine the ratios divide by.
 */
public final class BenchmarkReport {

    private record Result(String row, String engine, double score, double error, String unit, double allocated) {
    }

    private BenchmarkReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: BenchmarkReport RESULT.json CHART.png [REFERENCE-ENGINE]");
            System.exit(2);
        }
        String reference = args.length > 2 ? args[2] : "onnxruntime";
        List<Result> results = read(Path.of(args[0]));
        System.out.print(table(results, reference));
        chart(results, Path.of(args[1]));
    }

    private static List<Result> read(Path json) throws IOException {
        List<Result> out = new ArrayList<>();
        for (JsonNode run : new ObjectMapper().readTree(json.toFile())) {
            JsonNode params = run.path("params");
            StringBuilder row = new StringBuilder();
            params.properties().forEach(e -> {
                if (!e.getKey().equals("engine")) {
                    row.append(row.isEmpty() ? "" : " ").append(e.getKey()).append('=').append(e.getValue().asText());
                }
            });
            JsonNode primary = run.path("primaryMetric");
            JsonNode alloc = run.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score");
            out.add(new Result(row.toString(), params.path("engine").asText("?"), primary.path("score").asDouble(),
                    primary.path("scoreError").asDouble(), primary.path("scoreUnit").asText(), alloc.isMissingNode() ? Double.NaN : alloc.asDouble()));
        }
        return out;
    }

    private static String table(List<Result> results, String reference) {
        Set<String> engines = new LinkedHashSet<>();
        Map<String, Map<String, Result>> rows = new LinkedHashMap<>();
        for (Result r : results) {
            engines.add(r.engine());
            rows.computeIfAbsent(r.row(), k -> new LinkedHashMap<>()).put(r.engine(), r);
        }
        String unit = results.isEmpty() ? "" : results.get(0).unit();
        StringBuilder sb = new StringBuilder("| parameters |");
        for (String e : engines) {
            sb.append(' ').append(e).append(" (").append(unit).append(") |");
        }
        for (String e : engines) {
            if (!e.equals(reference)) {
                sb.append(' ').append(e).append(" / ").append(reference).append(" |");
            }
        }
        sb.append(" allocated (B/op) |\n|---|");
        sb.append("---:|".repeat(engines.size() * 2));
        sb.append('\n');
        for (Map.Entry<String, Map<String, Result>> row : rows.entrySet()) {
            sb.append("| ").append(row.getKey()).append(" |");
            for (String e : engines) {
                Result r = row.getValue().get(e);
                sb.append(r == null ? " – |" : String.format(Locale.ROOT, " %.2f ± %.2f |", r.score(), r.error()));
            }
            Result ref = row.getValue().get(reference);
            for (String e : engines) {
                if (!e.equals(reference)) {
                    Result r = row.getValue().get(e);
                    sb.append(r == null || ref == null ? " – |" : String.format(Locale.ROOT, " %.2f |", r.score() / ref.score()));
                }
            }
            StringBuilder alloc = new StringBuilder();
            for (String e : engines) {
                Result r = row.getValue().get(e);
                if (r != null && !Double.isNaN(r.allocated())) {
                    alloc.append(alloc.isEmpty() ? "" : ", ").append(e).append(' ').append(String.format(Locale.ROOT, "%.0f", r.allocated()));
                }
            }
            sb.append(' ').append(alloc.isEmpty() ? "–" : alloc).append(" |\n");
        }
        return sb.toString();
    }

    private static void chart(List<Result> results, Path png) throws IOException {
        Set<String> rows = new LinkedHashSet<>(), engines = new LinkedHashSet<>();
        for (Result r : results) {
            rows.add(r.row());
            engines.add(r.engine());
        }
        String unit = results.isEmpty() ? "" : results.get(0).unit();
        CategoryChart chart = new CategoryChartBuilder().width(1200).height(600)
                .title("time per operation (log scale, lower is better)").xAxisTitle("").yAxisTitle(unit).build();
        double min = results.stream().mapToDouble(Result::score).min().orElse(1);
        double max = results.stream().mapToDouble(Result::score).max().orElse(10);
        chart.getStyler().setYAxisLogarithmic(true);
        // bars grow from the axis minimum, which a log axis needs above zero
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max))));
        chart.getStyler().setXAxisLabelRotation(20);
        for (String engine : engines) {
            List<String> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (String row : rows) {
                for (Result r : results) {
                    if (r.row().equals(row) && r.engine().equals(engine)) {
                        xs.add(row);
                        ys.add(r.score());
                    }
                }
            }
            chart.addSeries(engine, xs, ys);
        }
        String name = png.toString();
        BitmapEncoder.saveBitmap(chart, name.endsWith(".png") ? name.substring(0, name.length() - 4) : name,
                BitmapEncoder.BitmapFormat.PNG);
    }
}
