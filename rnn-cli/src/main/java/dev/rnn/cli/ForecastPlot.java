package dev.rnn.cli;

import dev.rnn.models.tasks.ForecastScores;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws a forecaster's predictions against the truth, by row of the CSV, as a PNG. */
final class ForecastPlot {

    private ForecastPlot() {
    }

    static void write(Path png, String title, ForecastScores s) throws IOException {
        XYChart chart = new XYChartBuilder().width(1200).height(500).title(title).xAxisTitle("row").yAxisTitle("value").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendVisible(true);
        double[] x = new double[s.rows().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = s.rows()[i] + 1;
        }
        chart.addSeries("truth", x, s.truth()).setMarker(SeriesMarkers.NONE).setLineColor(Color.GRAY);
        chart.addSeries("prediction", x, s.predicted()).setMarker(SeriesMarkers.NONE).setLineColor(new Color(0xC0, 0x30, 0x20));
        PngFiles.write(png, chart);
    }
}
