package dev.rnn.models.series;

/**
 * A table encoded by a {@link SeriesSchema}: {@code inputs} is rows×width, row-major, the standardized
 * target in column 0, NaN where a value is missing; {@code target} holds the raw target values (NaN
 * where missing); {@code unseenCategories} counts categorical values the schema did not know.
 */
public record EncodedSeries(CsvTable table, int width, float[] inputs, double[] target, int unseenCategories) {

    public int rows() {
        return target.length;
    }

    /** Whether every input of row {@code r} is present. */
    public boolean complete(int r) {
        for (int i = r * width, end = i + width; i < end; i++) {
            if (Float.isNaN(inputs[i])) {
                return false;
            }
        }
        return true;
    }
}
