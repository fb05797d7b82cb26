package dev.rnn.cli;

import dev.rnn.models.training.TrainingListener;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws the training curve (training and validation loss against epochs, and validation accuracy when there is one) as a PNG. */
final class CurvePlot {

    private CurvePlot() {
    }

    /** Writes the chart of {@code history} to {@code png}, atomically (a temporary file renamed over it). */
    static void write(Path png, String title, List<TrainingListener.Point> history) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("epochs").yAxisTitle("loss (nats)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setXAxisDecimalPattern("0.##");
        chart.getStyler().setYAxisDecimalPattern("0.###");
        List<Double> x = new ArrayList<>(), train = new ArrayList<>(), val = new ArrayList<>(), acc = new ArrayList<>(), xt = new ArrayList<>();
        for (TrainingListener.Point p : history) {
            x.add(p.epochs());
            val.add(p.validationLoss());
            if (Double.isFinite(p.trainLoss())) {
                xt.add(p.epochs());
                train.add(p.trainLoss());
            }
            acc.add(p.validationAccuracy());
        }
        if (x.isEmpty()) {
            return;
        }
        if (!xt.isEmpty()) {
            chart.addSeries("training loss", xt, train).setMarker(SeriesMarkers.NONE);
        }
        chart.addSeries("validation loss", x, val).setMarker(SeriesMarkers.CIRCLE);
        if (acc.stream().anyMatch(Double::isFinite)) {
            XYSeries s = chart.addSeries("validation accuracy", x, acc);
            s.setYAxisGroup(1);
            s.setMarker(SeriesMarkers.DIAMOND);
            chart.setYAxisGroupTitle(1, "accuracy");
        }
        PngFiles.write(png, chart);
    }
}
