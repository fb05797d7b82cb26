package dev.rnn.flink.stream;

import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.text.DataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Events of a forecaster: each event is one CSV record, its fields in the model's column order (the
 * target, then each feature; see {@link #columns()}). A key's state is its last W records, encoded by
 * the model's schema (W×F floats, oldest first), then how many of them are filled (1 float), then the H
 * values of the forecast made at the previous event (NaN when there was none): W·F + 1 + H floats.
 *
 * <p>Output per event: {@code forecast, error}: the H values forecast after this record (comma-separated;
 * {@code -} until the key has W complete records), and the anomaly score, this record's target minus
 * the previous event's first forecast value, in the CSV's units ({@code -} without one).
 *
 * <p>The windows of a step's rows go through one {@link Forecaster#predict} call (at most 64 windows run
 * side by side there).
 */
final class ForecastEvents implements EventModel {

    private static final Path SOURCE = Path.of("event");

    private final Forecaster model;
    private final SeriesSchema schema;
    private final List<String> columns;
    private final int window, width, horizon, maxBatch;
    private final float[][] states;    // per row: the key's state array given to load
    private final boolean[] forecasts; // per row: whether its window is full and complete
    private final double[] errors;     // per row: the anomaly score, NaN without one
    private double[][] results;        // the last step's forecasts, by order among the forecasting rows
    private final int[] resultOf;      // per row: its index in results, or -1

    ForecastEvents(Forecaster model, int maxBatch) {
        this.model = model;
        this.schema = model.schema();
        this.window = model.config().window();
        this.horizon = model.config().horizon();
        this.width = schema.width();
        this.maxBatch = maxBatch;
        List<String> names = new ArrayList<>();
        names.add(schema.target().name());
        for (SeriesSchema.Column c : schema.features()) {
            names.add(c.name());
        }
        this.columns = List.copyOf(names);
        this.states = new float[maxBatch][];
        this.forecasts = new boolean[maxBatch];
        this.errors = new double[maxBatch];
        this.resultOf = new int[maxBatch];
    }

    /** The fields an event carries, in order: the target column, then the features. */
    List<String> columns() {
        return columns;
    }

    @Override
    public int stateSize() {
        return window * width + 1 + horizon;
    }

    @Override
    public int maxBatch() {
        return maxBatch;
    }

    @Override
    public float[] initialState() {
        float[] s = new float[stateSize()];
        java.util.Arrays.fill(s, window * width + 1, s.length, Float.NaN);
        return s;
    }

    @Override
    public String load(int row, String value, float[] state) {
        EncodedSeries encoded;
        try {
            List<String> fields = CsvTable.fields(SOURCE, value);
            if (fields.size() != columns.size()) {
                return "wrong column count: expected " + columns.size() + " (" + String.join(",", columns) + "), found " + fields.size();
            }
            encoded = schema.encode(CsvTable.ofRow(SOURCE, columns, fields));
        } catch (DataException e) {
            return "bad record: " + e.getMessage();
        }
        int rows = window * width, filledAt = rows;
        float previous = state[filledAt + 1];
        double target = encoded.target()[0];
        errors[row] = Float.isNaN(previous) || Double.isNaN(target) ? Double.NaN : target - previous;
        // slide the window by one record
        System.arraycopy(state, width, state, 0, rows - width);
        System.arraycopy(encoded.inputs(), 0, state, rows - width, width);
        int filled = Math.min(window, (int) state[filledAt] + 1);
        state[filledAt] = filled;
        boolean complete = filled == window;
        for (int i = 0; i < rows && complete; i++) {
            complete = !Float.isNaN(state[i]);
        }
        forecasts[row] = complete;
        states[row] = state;
        return null;
    }

    @Override
    public void step(int count) {
        int n = 0;
        for (int r = 0; r < count; r++) {
            resultOf[r] = forecasts[r] ? n++ : -1;
        }
        if (n == 0) {
            return;
        }
        int rows = window * width;
        float[] inputs = new float[n * rows];
        int[] ends = new int[n];
        for (int r = 0; r < count; r++) {
            int j = resultOf[r];
            if (j >= 0) {
                System.arraycopy(states[r], 0, inputs, j * rows, rows);
                ends[j] = (j + 1) * window - 1;
            }
        }
        results = model.predict(new EncodedSeries(null, width, inputs, new double[n * window], 0), ends);
    }

    @Override
    public String finish(int row) {
        float[] state = states[row];
        states[row] = null;
        int at = window * width + 1;
        StringBuilder out = new StringBuilder(16 * horizon + 16);
        if (resultOf[row] < 0) {
            java.util.Arrays.fill(state, at, at + horizon, Float.NaN);
            out.append('-');
        } else {
            double[] f = results[resultOf[row]];
            for (int h = 0; h < horizon; h++) {
                state[at + h] = (float) f[h];
                out.append(h == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6g", (float) f[h]));
            }
        }
        out.append('\t').append(Double.isNaN(errors[row]) ? "-" : String.format(Locale.ROOT, "%.6g", errors[row]));
        return out.toString();
    }

    @Override
    public void close() {
        model.close();
    }
}
