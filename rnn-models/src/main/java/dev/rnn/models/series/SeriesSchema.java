package dev.rnn.models.series;

import dev.rnn.models.text.DataException;
import dev.rnn.models.text.Vocabulary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * How the columns of a CSV become a model's input at each row: the target column first, then each
 * feature column in the order given. Numeric columns are standardized, (x − mean) / std with the
 * statistics of the training rows only; the target is first put through its {@link TargetTransform}
 * (its mean and std are those of the transformed values). Non-numeric columns are one-hot over the
 * categories seen in the training rows (sorted), and a category the model has not seen becomes all
 * zeros. The schema is saved in a model's metadata so that every file is encoded the same way.
 * Immutable.
 */
public final class SeriesSchema {

    /** A column: numeric with its mean and standard deviation, or categorical with its categories. */
    public record Column(String name, boolean numeric, double mean, double std, List<String> categories) {
        public Column {
            categories = List.copyOf(categories);
            if (numeric && !(std > 0 && Double.isFinite(mean) && Double.isFinite(std))) {
                throw new IllegalArgumentException("column '" + name + "' needs a finite mean and a std > 0, found " + mean + " and " + std);
            }
            if (!numeric && categories.isEmpty()) {
                throw new IllegalArgumentException("column '" + name + "' is categorical but has no categories");
            }
        }

        /** Inputs it takes: 1, or one per category. */
        public int width() {
            return numeric ? 1 : categories.size();
        }

        double standardize(double x) {
            return (x - mean) / std;
        }
    }

    private final Column target;
    private final TargetTransform transform;
    private final List<Column> features;
    private final int width;

    /** {@code target}'s mean and std are those of its values after {@code transform}. */
    public SeriesSchema(Column target, TargetTransform transform, List<Column> features) {
        if (!target.numeric()) {
            throw new IllegalArgumentException("the target column '" + target.name() + "' must be numeric");
        }
        this.target = target;
        this.transform = transform;
        this.features = List.copyOf(features);
        int w = 1;
        for (Column c : features) {
            if (c.name().equals(target.name())) {
                throw new IllegalArgumentException("column '" + c.name() + "' is the target; its past is always an input");
            }
            w += c.width();
        }
        this.width = w;
    }

    /**
     * Fits a schema to the first {@code trainRows} rows of {@code table}. A column is numeric when
     * every present value in the whole file is a number; the target must be.
     */
    public static SeriesSchema fit(CsvTable table, String target, List<String> features, int trainRows) {
        return fit(table, target, TargetTransform.NONE, features, trainRows);
    }

    /** As {@link #fit(CsvTable, String, List, int)}, with the target put through {@code transform}. */
    public static SeriesSchema fit(CsvTable table, String target, TargetTransform transform, List<String> features, int trainRows) {
        if (trainRows < 2 || trainRows > table.rows()) {
            throw new DataException(table.file(), "needs at least 2 training rows, found " + trainRows + " of " + table.rows());
        }
        List<Column> cols = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String f : features) {
            if (f.equals(target)) {
                throw new DataException(table.file(), "--features lists the target column '" + target + "'; its past is always an input");
            }
            if (seen.contains(f)) {
                throw new DataException(table.file(), "--features lists column '" + f + "' twice");
            }
            seen.add(f);
            cols.add(fitColumn(table, f, trainRows, null));
        }
        return new SeriesSchema(fitColumn(table, target, trainRows, transform), transform, cols);
    }

    /**
     * A feature column when {@code targetTransform} is null, else the target, which must be numeric and
     * in the transform's domain.
     */
    private static Column fitColumn(CsvTable table, String name, int trainRows, TargetTransform targetTransform) {
        int c = table.column(name);
        boolean numeric = true;
        for (int r = 0; r < table.rows() && numeric; r++) {
            if (targetTransform != null) {
                targetValue(table, r, c, name, targetTransform);
            } else if (CsvTable.number(table.value(r, c)) == null) {
                numeric = false;
            }
        }
        TargetTransform transform = targetTransform == null ? TargetTransform.NONE : targetTransform;
        if (numeric) {
            double sum = 0, sumSq = 0;
            int count = 0;
            for (int r = 0; r < trainRows; r++) {
                double x = transform.apply(CsvTable.number(table.value(r, c)));
                if (!Double.isNaN(x)) {
                    sum += x;
                    count++;
                }
            }
            if (count < 2) {
                throw new DataException(table.file(), "column '" + name + "' has " + count + " values in the " + trainRows
                        + " training rows; at least 2 are needed");
            }
            double mean = sum / count;
            for (int r = 0; r < trainRows; r++) {
                double x = transform.apply(CsvTable.number(table.value(r, c)));
                if (!Double.isNaN(x)) {
                    sumSq += (x - mean) * (x - mean);
                }
            }
            double std = Math.sqrt(sumSq / count);
            return new Column(name, true, mean, std > 0 ? std : 1, List.of());
        }
        TreeSet<String> categories = new TreeSet<>();
        for (int r = 0; r < trainRows; r++) {
            String v = table.value(r, c);
            if (!CsvTable.missing(v)) {
                categories.add(v.strip());
            }
        }
        if (categories.isEmpty()) {
            throw new DataException(table.file(), "column '" + name + "' has no values in the " + trainRows + " training rows");
        }
        return new Column(name, false, 0, 0, new ArrayList<>(categories));
    }

    /** The target value at row {@code r}, NaN when missing; a value that is not a number in the transform's domain is an error. */
    private static double targetValue(CsvTable table, int r, int c, String name, TargetTransform transform) {
        Double x = CsvTable.number(table.value(r, c));
        if (x == null) {
            throw new DataException(table.file(), table.line(r), "the target column '" + name + "' holds '"
                    + table.value(r, c).strip() + "', not a number");
        }
        if (!transform.accepts(x)) {
            throw new DataException(table.file(), table.line(r), "the target column '" + name + "' holds " + table.value(r, c).strip()
                    + ", but the " + transform.label() + " transform needs " + transform.domain());
        }
        return x;
    }

    public Column target() {
        return target;
    }

    public TargetTransform transform() {
        return transform;
    }

    /** A target value in the CSV's units, transformed and standardized: what the model reads and predicts. */
    public double standardizeTarget(double x) {
        return target.standardize(transform.apply(x));
    }

    /**
     * A model output (standardized, transformed) in the CSV's units: the expected value given a forecast
     * error of variance {@code errorVariance} in standardized units (see {@link TargetTransform#expectedValue}).
     */
    public double targetValue(double standardized, double errorVariance) {
        return transform.expectedValue(standardized * target.std() + target.mean(), errorVariance * target.std() * target.std());
    }

    public List<Column> features() {
        return features;
    }

    /** Inputs per row: 1 for the target, plus each feature's width. */
    public int width() {
        return width;
    }

    /**
     * Encodes every row of {@code table} (which must have the schema's columns, in any order). Missing
     * values become NaN in all of their column's inputs.
     */
    public EncodedSeries encode(CsvTable table) {
        int n = table.rows();
        float[] inputs = new float[n * width];
        double[] raw = new double[n];
        int unseen = 0;
        int tc = table.column(target.name());
        for (int r = 0; r < n; r++) {
            raw[r] = targetValue(table, r, tc, target.name(), transform);
            inputs[r * width] = (float) standardizeTarget(raw[r]);
        }
        int at = 1;
        for (Column col : features) {
            int c = table.column(col.name());
            Map<String, Integer> ids = new LinkedHashMap<>();
            for (int i = 0; i < col.categories().size(); i++) {
                ids.put(col.categories().get(i), i);
            }
            for (int r = 0; r < n; r++) {
                String v = table.value(r, c);
                int base = r * width + at;
                if (CsvTable.missing(v)) {
                    java.util.Arrays.fill(inputs, base, base + col.width(), Float.NaN);
                } else if (col.numeric()) {
                    Double x = CsvTable.number(v);
                    if (x == null) {
                        throw new DataException(table.file(), table.line(r), "column '" + col.name() + "' holds '" + v.strip()
                                + "', but the model reads it as numeric");
                    }
                    inputs[base] = (float) col.standardize(x);
                } else {
                    Integer id = ids.get(v.strip());
                    if (id == null) {
                        unseen++;
                    } else {
                        inputs[base + id] = 1f;
                    }
                }
            }
            at += col.width();
        }
        return new EncodedSeries(table, width, inputs, raw, unseen);
    }

    /** Writes the schema into model metadata, under {@code series.*}. */
    public void putMetadata(Map<String, String> m) {
        put(m, "series.target", target);
        m.put("series.target.transform", transform.label());
        List<String> names = new ArrayList<>();
        for (Column c : features) {
            names.add(c.name());
        }
        m.put("series.features", names.isEmpty() ? "[]" : Vocabulary.of(names).toJson());
        for (int i = 0; i < features.size(); i++) {
            put(m, "series.feature." + i, features.get(i));
        }
    }

    private static void put(Map<String, String> m, String prefix, Column c) {
        m.put(prefix + ".name", c.name());
        if (c.numeric()) {
            m.put(prefix + ".mean", Double.toString(c.mean()));
            m.put(prefix + ".std", Double.toString(c.std()));
        } else {
            m.put(prefix + ".categories", Vocabulary.of(c.categories()).toJson());
        }
    }

    /** The schema in model metadata; an absent or malformed key is an {@link IllegalArgumentException} naming it. */
    public static SeriesSchema fromMetadata(Map<String, String> m) {
        Column target = column(m, "series.target");
        String list = get(m, "series.features");
        List<String> names = list.strip().equals("[]") ? List.of() : Vocabulary.fromJson(list).tokens();
        List<Column> features = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Column c = column(m, "series.feature." + i);
            if (!c.name().equals(names.get(i))) {
                throw new IllegalArgumentException("metadata 'series.feature." + i + ".name' is '" + c.name() + "', expected '"
                        + names.get(i) + "'");
            }
            features.add(c);
        }
        String transform = m.getOrDefault("series.target.transform", "none");     // absent in files from before transforms
        try {
            return new SeriesSchema(target, TargetTransform.parse(transform), features);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metadata 'series.target.transform': " + e.getMessage());
        }
    }

    private static Column column(Map<String, String> m, String prefix) {
        String name = get(m, prefix + ".name");
        if (m.containsKey(prefix + ".categories")) {
            return new Column(name, false, 0, 0, Vocabulary.fromJson(m.get(prefix + ".categories")).tokens());
        }
        return new Column(name, true, decimal(m, prefix + ".mean"), decimal(m, prefix + ".std"), List.of());
    }

    private static String get(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("metadata '" + key + "' is missing");
        }
        return v;
    }

    private static double decimal(Map<String, String> m, String key) {
        String v = get(m, key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata '" + key + "' is '" + v + "', not a number");
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "target %s (%smean %.4g, std %.4g)", target.name(),
                transform == TargetTransform.NONE ? "" : transform.label() + "; ", target.mean(), target.std()));
        for (Column c : features) {
            b.append(c.numeric() ? String.format(Locale.ROOT, "; %s numeric", c.name())
                    : String.format(Locale.ROOT, "; %s one-hot over %d categories", c.name(), c.width()));
        }
        return b.toString();
    }
}
