package dev.rnn.models.tasks;

import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Checkpoint;
import dev.rnn.models.training.ParameterSet;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

/** Reads a task model's settings from its file's metadata, with one-line errors naming the file and key. */
final class ModelMetadata {

    static final String TASK = "task";

    private final SafetensorsFile file;
    private final Map<String, String> values;

    /** Builds a task model, which owns {@code arena}, from its file's metadata and the set it takes its parameters from. */
    interface Reader<T extends AutoCloseable> {
        T read(ModelMetadata meta, Arena arena, ParameterSet parameters) throws SafetensorsException;
    }

    /** Builds a new task model, which owns {@code arena}, taking zeroed parameters with gradients from the set. */
    interface Maker<T extends AutoCloseable> {
        T make(Arena arena, ParameterSet parameters);
    }

    /** A new trainable model in an arena of its own, which is closed again when the model cannot be made. */
    static <T extends AutoCloseable> T allocate(Maker<T> maker) {
        Arena arena = Arena.ofShared();
        try {
            return maker.make(arena, ParameterSet.allocating(arena));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The {@code task} model in {@code file}. Trainable: the parameters are copied into memory the model
     * owns, with gradients. Inference only: F32 tensors are used in place from the file's mapping (kept
     * for the model's life, in its arena), other dtypes converted, and there are no gradients. Any
     * failure leaves nothing open and is a {@link SafetensorsException} naming the file.
     */
    static <T extends AutoCloseable> T load(Path file, String task, boolean inference, Reader<T> reader) throws SafetensorsException {
        Arena arena = Arena.ofShared();
        T model = null;
        try (SafetensorsFile f = inference ? SafetensorsFile.open(file, arena) : SafetensorsFile.open(file)) {
            ModelMetadata meta = new ModelMetadata(f);
            meta.requireTask(task);
            ParameterSet parameters = inference ? ParameterSet.inference(f) : ParameterSet.allocating(arena);
            try {
                model = reader.read(meta, arena, parameters);
            } catch (IllegalArgumentException e) {
                throw new SafetensorsException(file, e.getMessage());
            }
            if (!inference) {
                parameters.readFrom(f, "");
            }
            return model;
        } catch (ParameterSet.InvalidModelFile e) {
            release(model, arena, e);
            throw e.getCause();
        } catch (SafetensorsException | RuntimeException | Error e) {
            release(model, arena, e);
            throw e;
        }
    }

    private static void release(AutoCloseable model, Arena arena, Throwable failure) {
        try {
            if (model != null) {
                model.close();
            } else {
                arena.close();
            }
        } catch (Exception suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    ModelMetadata(SafetensorsFile file) {
        this.file = file;
        this.values = file.metadata();
    }

    /** Every metadata entry of the file. */
    Map<String, String> all() {
        return values;
    }

    /** Checks that the file holds a model of {@code task}. */
    void requireTask(String task) throws SafetensorsException {
        if (Checkpoint.isCheckpoint(values)) {
            throw new SafetensorsException(file.path(), "this is a training checkpoint, not a model file; resume training from it"
                    + " (--resume), or open the model file beside it, " + Checkpoint.modelFor(file.path()).getFileName());
        }
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
