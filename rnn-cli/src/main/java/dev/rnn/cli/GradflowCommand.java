package dev.rnn.cli;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.GradientFlowProbe;
import dev.rnn.models.layers.RecurrentLayer;
import dev.rnn.models.tasks.CellNames;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.training.Initializers;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn gradflow}: the seeds' central argument, measured. For each cell, a layer at its
 * initialisation runs over random inputs; backward from a loss on the last state alone gives
 * ‖∂E_T/∂h_k‖, printed and drawn against the distance T − k on a log scale, relative to distance 0.
 */
@Command(name = "gradflow", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"How far gradients reach back in time: ‖∂E_T/∂h_k‖ / ‖∂E_T/∂h_T‖ against T − k for each cell at initialisation"
                + " (PyTorch's default, LSTM forget bias 1), and for the first level of a trained language model with --model."})
final class GradflowCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--cells", converter = CellNameConverter.class, defaultValue = "rnn,lstm,gru", split = ",", description = "cells to measure (default: ${DEFAULT-VALUE})")
    List<String> cells;

    @Option(names = "--hidden", defaultValue = "128", description = "hidden size (default: ${DEFAULT-VALUE})")
    int hidden;

    @Option(names = "--steps", defaultValue = "100", description = "sequence length T (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--input", defaultValue = "32", description = "input size (default: ${DEFAULT-VALUE})")
    int input;

    @Option(names = "--batch", defaultValue = "16", description = "sequences averaged over (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--model", paramLabel = "M", description = "also measure level 0 of this character language model, on random characters")
    Path model;

    @Option(names = "--png", defaultValue = "gradflow.png", paramLabel = "FILE", description = "chart to write (default: ${DEFAULT-VALUE})")
    Path png;

    @Override
    public Integer call() throws Exception {
        if (hidden < 1 || steps < 1 || input < 1 || batch < 1) {
            throw new IllegalArgumentException("--hidden, --steps, --input and --batch must be ≥ 1");
        }
        Kernels k = Kernels.preferred();
        Map<String, double[]> curves = new LinkedHashMap<>();
        try (Arena arena = Arena.ofShared()) {
            for (String name : cells) {
                CellKind kind = CellNames.parse(name.strip());
                CellParameters p = CellParameters.allocate(arena, kind, input, hidden, true);
                Initializers init = new Initializers(seed);
                init.pytorchDefault(p);
                if (kind == CellKind.LSTM) {
                    Initializers.forgetGateBias(p, 1f);
                }
                curves.put(CellNames.name(kind) + " (initialised)", measure(k, arena, p, randomInput(arena, input)));
            }
            if (model != null) {
                try (CharLanguageModel lm = CharLanguageModel.load(k, model)) {
                    CellParameters p = level0(lm);
                    Matrix table = lm.parameters().entries().get(0).value();
                    Matrix x = Matrix.allocate(arena, steps * batch, table.cols());
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int i = 0; i < x.rows(); i++) {
                        x.row(i).copyFrom(table.row(r.nextInt(table.rows())));
                    }
                    curves.put(CellNames.name(p.kind()) + " (trained: " + model.getFileName() + ")", measure(k, arena, p, x));
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%-10s", "T − k");
        for (String name : curves.keySet()) {
            out.printf(Locale.ROOT, " %26s", name);
        }
        out.println();
        for (int d : distances()) {
            out.printf(Locale.ROOT, "%-10d", d);
            for (double[] c : curves.values()) {
                out.printf(Locale.ROOT, " %26.3e", c[d]);
            }
            out.println();
        }
        draw(curves);
        out.println("chart: " + png);
        return 0;
    }

    private Matrix randomInput(Arena arena, int width) {
        Matrix x = Matrix.allocate(arena, steps * batch, width);
        SplittableRandom r = new SplittableRandom(seed + 7);
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < width; j++) {
                x.set(i, j, (float) (r.nextDouble() * 2 - 1));
            }
        }
        return x;
    }

    private static CellParameters level0(CharLanguageModel lm) {
        List<Matrix> v = new ArrayList<>();
        for (var e : lm.parameters().entries()) {
            if (e.name().startsWith("rnn.") && e.name().endsWith("_l0")) {
                v.add(e.value());
            }
        }
        return CellParameters.of(lm.config().cell(), v.get(0), v.get(1), v.get(2), v.get(3));
    }

    /** Norms by distance, relative to distance 0. */
    private double[] measure(Kernels k, Arena arena, CellParameters p, Matrix x) {
        Matrix dh = Matrix.allocate(arena, batch, p.hiddenSize());
        dh.fill(1f);
        try (RecurrentLayer layer = new RecurrentLayer(k, p.kind().cell(p.inputSize(), p.hiddenSize()), p, steps, batch)) {
            double[] n = GradientFlowProbe.normsByDistance(layer, x, null, null, dh);
            double first = n[0];
            for (int d = 0; d < n.length; d++) {
                n[d] /= first;
            }
            return n;
        }
    }

    private List<Integer> distances() {
        List<Integer> d = new ArrayList<>();
        for (int x : new int[] {0, 1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000}) {
            if (x <= steps) {
                d.add(x);
            }
        }
        if (!d.contains(steps)) {
            d.add(steps);
        }
        return d;
    }

    private void draw(Map<String, double[]> curves) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(550).title("gradient flow through time (hidden " + hidden + ")")
                .xAxisTitle("distance T − k (steps back)").yAxisTitle("‖∂E_T/∂h_k‖ / ‖∂E_T/∂h_T‖").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setYAxisDecimalPattern("0.#E0");
        for (Map.Entry<String, double[]> e : curves.entrySet()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (int d = 0; d < e.getValue().length; d++) {
                x.add((double) d);
                y.add(Math.max(e.getValue()[d], 1e-30));   // a log axis cannot show 0: underflow is drawn at 1e-30
            }
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.NONE);
        }
        PngFiles.write(png, chart);
    }
}
