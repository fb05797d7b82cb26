package dev.rnn.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A PNG of curves against a count on a log x axis (streams, users), one line per series, each point
 * marked: the charts of the load harnesses. Series map x (sorted) to y.
 */
public final class CurveChart {

    private CurveChart() {
    }

    /** Writes {@code <name>.png} (1000×600) and returns its path; a log y axis shows zeros as 10⁻³. */
    public static Path write(String name, String title, String xTitle, String yTitle, Map<String, TreeMap<Integer, Double>> series,
                             boolean logY) throws IOException {
        XYChart chart = new XYChartBuilder().width(1000).height(600).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(logY);
        for (var e : series.entrySet()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            e.getValue().forEach((at, v) -> {
                x.add(at.doubleValue());
                // a log axis cannot show zero
                y.add(logY ? Math.max(v, 1e-3) : v);
            });
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
        return Path.of(name + ".png");
    }
}
