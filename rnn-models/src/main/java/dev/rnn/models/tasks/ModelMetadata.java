package dev.rnn.models.tasks;

import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.ParameterSet;
import java.util.Map;

/** Reads a task model's settings from its file's metadata, with one-line errors naming the file and key. */
final class ModelMetadata {

    static final String TASK = "task";

    private final SafetensorsFile file;
    private final Map<String, String> values;

    ModelMetadata(SafetensorsFile file) {
        this.file = file;
        this.values = file.metadata();
    }

    /** Checks that the file holds a model of {@code task}. */
    void requireTask(String task) throws SafetensorsException {
        String found = values.get(TASK);
        if (!task.equals(found)) {
            throw new SafetensorsException(file.path(), found == null
                    ? "not an rnn " + task + " model (no 'task' in its metadata)"
                    : "holds a " + found + " model, not a " + task + " model");
        }
    }

    String string(String key) throws SafetensorsException {
        String v = values.get(key);
        if (v == null) {
            throw new SafetensorsException(file.path(), "metadata '" + key + "' is missing");
        }
        return v;
    }

    int integer(String key, int min) throws SafetensorsException {
        String v = string(key);
        try {
            int n = Integer.parseInt(v);
            if (n < min) {
                throw new SafetensorsException(file.path(), "metadata '" + key + "' is " + n + ", expected ≥ " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new SafetensorsException(file.path(), "metadata '" + key + "' is '" + v + "', not an integer");
        }
    }

    double decimal(String key) throws SafetensorsException {
        String v = string(key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new SafetensorsException(file.path(), "metadata '" + key + "' is '" + v + "', not a number");
        }
    }

    /** A comma-separated list of numbers. */
    double[] decimals(String key) throws SafetensorsException {
        String[] parts = string(key).split(",", -1);
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new SafetensorsException(file.path(), "metadata '" + key + "' holds '" + parts[i] + "', not a number");
            }
        }
        return out;
    }

    boolean flag(String key) throws SafetensorsException {
        String v = string(key);
        if (!v.equals("true") && !v.equals("false")) {
            throw new SafetensorsException(file.path(), "metadata '" + key + "' is '" + v + "', expected true or false");
        }
        return v.equals("true");
    }

    Vocabulary vocabulary(String key) throws SafetensorsException {
        try {
            return Vocabulary.fromJson(string(key));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file.path(), "metadata '" + key + "': " + e.getMessage());
        }
    }

    /** Fills {@code params} from the file; on any failure closes {@code model} (which owns them) and rethrows. */
    void readParameters(ParameterSet params, AutoCloseable model) throws SafetensorsException {
        try {
            params.readFrom(file, "");
        } catch (SafetensorsException | RuntimeException e) {
            try {
                model.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A training task's metadata: the model's, plus the settings and data fingerprint a resumed run must share. */
    static Map<String, String> withTraining(Map<String, String> model, int batch, long seed, String data) {
        Map<String, String> m = new java.util.LinkedHashMap<>(model);
        m.put("training.batch", Integer.toString(batch));
        m.put("training.seed", Long.toString(seed));
        m.put("training.data", data);
        return m;
    }

    /**
     * Checks, before anything is allocated, that the tensor sized by the metadata is in the file with
     * that shape: the sizes a model allocates are then bounded by the file's own data.
     */
    void requireTensor(String name, long rows, long cols) throws SafetensorsException {
        file.requireShape(name, rows, cols);
    }

    dev.rnn.core.cells.CellKind cell(String key) throws SafetensorsException {
        try {
            return CellNames.parse(string(key));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file.path(), "metadata '" + key + "': " + e.getMessage());
        }
    }
}
