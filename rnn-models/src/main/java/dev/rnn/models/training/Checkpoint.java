package dev.rnn.models.training;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.rnn.core.Matrix;
import dev.rnn.models.io.Dtype;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a resumed run needs, in one safetensors file written atomically: parameters
 * ({@code param.NAME}), optimizer state ({@code optimizer.I}), carried state ({@code carried.I}) and,
 * in the metadata, the task's metadata plus where training stood ({@code checkpoint.*}).
 */
public final class Checkpoint {

    /** Where training stood when the checkpoint was written. */
    public record Position(int epoch, int batch, long step, long optimizerSteps, double seconds, double bestScore,
                           double learningRate, double lossSum, long lossUnits, List<TrainingListener.Point> history) {
    }

    private static final String PREFIX = "checkpoint.";

    private Checkpoint() {
    }

    /** The checkpoint beside a model file: {@code NAME.checkpoint.safetensors} for {@code NAME.safetensors}. */
    public static Path pathFor(Path model) {
        return sibling(model, ".checkpoint.safetensors");
    }

    /**
     * Whether a file with this metadata is a training checkpoint (it records where training stood)
     * rather than a model file.
     */
    public static boolean isCheckpoint(Map<String, String> metadata) {
        return metadata.containsKey(PREFIX + "epoch");
    }

    /** The model file a checkpoint sits beside: {@code NAME.safetensors} for {@code NAME.checkpoint.safetensors}. */
    public static Path modelFor(Path checkpoint) {
        String name = checkpoint.getFileName().toString();
        String suffix = ".checkpoint.safetensors";
        return name.endsWith(suffix) ? checkpoint.resolveSibling(name.substring(0, name.length() - suffix.length()) + ".safetensors")
                : sibling(checkpoint, ".safetensors");
    }

    /** {@code model}'s path with its {@code .safetensors} extension (if any) replaced by {@code suffix}. */
    public static Path sibling(Path model, String suffix) {
        String name = model.getFileName().toString();
        String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return model.resolveSibling(stem + suffix);
    }

    /** The checkpoint of a run standing at {@code p}, ready to be written. */
    static SafetensorsWriter of(ParameterSet params, Optimizer optimizer, List<Matrix> carried, Map<String, String> metadata,
                                Position p) {
        SafetensorsWriter w = new SafetensorsWriter().metadata(metadata);
        params.writeTo(w, "param.");
        List<Matrix> state = optimizer.state();
        for (int i = 0; i < state.size(); i++) {
            w.put("optimizer." + i, state.get(i), Dtype.F32, state.get(i).rows(), state.get(i).cols());
        }
        for (int i = 0; i < carried.size(); i++) {
            w.put("carried." + i, carried.get(i), Dtype.F32, carried.get(i).rows(), carried.get(i).cols());
        }
        w.metadata(PREFIX + "epoch", Integer.toString(p.epoch()))
                .metadata(PREFIX + "batch", Integer.toString(p.batch()))
                .metadata(PREFIX + "step", Long.toString(p.step()))
                .metadata(PREFIX + "optimizerSteps", Long.toString(p.optimizerSteps()))
                .metadata(PREFIX + "seconds", Double.toString(p.seconds()))
                .metadata(PREFIX + "bestScore", Double.toString(p.bestScore()))
                .metadata(PREFIX + "learningRate", Double.toString(p.learningRate()))
                .metadata(PREFIX + "lossSum", Double.toString(p.lossSum()))
                .metadata(PREFIX + "lossUnits", Long.toString(p.lossUnits()))
                .metadata(PREFIX + "history", historyJson(p.history()));
        return w;
    }

    /**
     * Restores parameters and optimizer state from {@code file} and returns the
     * position. The task's metadata must equal the checkpoint's, else the run differs from the one
     * that wrote it and resuming is refused.
     */
    static Position read(Path file, ParameterSet params, Optimizer optimizer, Map<String, String> metadata)
            throws SafetensorsException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, String> saved = f.metadata();
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                String was = saved.get(e.getKey());
                if (!e.getValue().equals(was)) {
                    throw new TrainingException(file + ": made by a different run (" + e.getKey() + " was "
                            + abbreviate(was) + ", now " + abbreviate(e.getValue()) + "); resume with the same data and settings, or start afresh without --resume");
                }
            }
            params.readFrom(f, "param.");
            List<Matrix> state = optimizer.state();
            for (int i = 0; i < state.size(); i++) {
                state.get(i).copyFrom(f.floats("optimizer." + i, state.get(i).rows(), state.get(i).cols()));
            }
            try {
                return new Position(Integer.parseInt(need(f, "epoch")), Integer.parseInt(need(f, "batch")),
                        Long.parseLong(need(f, "step")), Long.parseLong(need(f, "optimizerSteps")),
                        Double.parseDouble(need(f, "seconds")), Double.parseDouble(need(f, "bestScore")),
                        Double.parseDouble(need(f, "learningRate")), Double.parseDouble(need(f, "lossSum")),
                        Long.parseLong(need(f, "lossUnits")), parseHistory(need(f, "history")));
            } catch (NumberFormatException | IOException e) {
                throw new SafetensorsException(file, "checkpoint metadata is malformed (" + e.getMessage() + ")");
            }
        }
    }

    /** Restores the carried state saved in {@code file}. */
    static void readCarried(Path file, List<Matrix> carried) throws SafetensorsException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (int i = 0; i < carried.size(); i++) {
                carried.get(i).copyFrom(f.floats("carried." + i, carried.get(i).rows(), carried.get(i).cols()));
            }
        }
    }

    private static String need(SafetensorsFile f, String key) throws SafetensorsException {
        String v = f.metadata().get(PREFIX + key);
        if (v == null) {
            throw new SafetensorsException(f.path(), "not a training checkpoint (metadata '" + PREFIX + key + "' is missing)");
        }
        return v;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "absent";
        }
        return s.length() > 40 ? "'" + s.substring(0, 37) + "...'" : "'" + s + "'";
    }

    static String historyJson(List<TrainingListener.Point> history) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartArray();
            for (TrainingListener.Point p : history) {
                g.writeStartObject();
                g.writeNumberField("epoch", p.epoch());
                g.writeNumberField("step", p.step());
                g.writeNumberField("epochs", p.epochs());
                g.writeNumberField("seconds", p.seconds());
                g.writeNumberField("trainLoss", p.trainLoss());
                g.writeNumberField("validationLoss", p.validationLoss());
                g.writeNumberField("validationAccuracy", p.validationAccuracy());
                g.writeBooleanField("best", p.best());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static List<TrainingListener.Point> parseHistory(String json) throws IOException {
        List<TrainingListener.Point> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS).createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("history is not an array");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                Map<String, Double> v = new HashMap<>();
                boolean best = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    if (name.equals("best")) {
                        best = t == JsonToken.VALUE_TRUE;
                    } else {
                        v.put(name, p.getValueAsDouble(Double.NaN));
                    }
                }
                out.add(new TrainingListener.Point(v.getOrDefault("epoch", 0.0).intValue(), v.getOrDefault("step", 0.0).longValue(),
                        v.getOrDefault("epochs", 0.0), v.getOrDefault("seconds", 0.0), v.getOrDefault("trainLoss", Double.NaN),
                        v.getOrDefault("validationLoss", Double.NaN), v.getOrDefault("validationAccuracy", Double.NaN), best));
            }
        }
        return out;
    }
}
