package dev.rnn.models.training;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.models.io.Dtype;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.layers.TensorSource;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainable tensors of a model, each under the name it has in the model file, with its
 * gradient. Names follow PyTorch's state_dict conventions ({@code embedding.weight},
 * {@code rnn.weight_ih_l0}, {@code head.bias}); vectors are saved with shape [n], matrices [rows, cols].
 * Insertion order is the order optimizers and checkpoints see.
 *
 * <p>As a {@link TensorSource} it makes the parameters a model asks for while it builds its layers:
 * {@link #allocating} zeroed values with gradients in an arena (for training), or {@link #inference}
 * the tensors of a model file, F32 ones as read-only views of its mapping and others converted to
 * float32, without gradients. Inference-only sets hold no gradient: every gradient operation on them
 * is an {@link IllegalStateException}. Not thread-safe while being filled; read-only afterwards.
 */
public final class ParameterSet implements TensorSource {

    /** One tensor: its value and gradient (same shape; null in an inference-only set), and its shape in the file. */
    public record Entry(String name, Matrix value, Matrix gradient, long[] shape) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final java.util.Set<String> frozen = new java.util.LinkedHashSet<>();
    private final Arena arena;            // where allocating sets allocate, else null
    private final SafetensorsFile file;   // where inference sets read, else null

    /** An empty set, filled by {@link #add}. */
    public ParameterSet() {
        this(null, null);
    }

    private ParameterSet(Arena arena, SafetensorsFile file) {
        this.arena = arena;
        this.file = file;
    }

    /** A set whose {@link #tensor} allocates a zeroed value and its gradient in {@code arena}. */
    public static ParameterSet allocating(Arena arena) {
        return new ParameterSet(arena, null);
    }

    /**
     * A set whose {@link #tensor} is the tensor of that name in {@code file}, shape checked: F32 data
     * in place (a read-only view of the mapping, valid while the file's arena is open), other
     * floating-point types converted into that arena; no gradients.
     */
    public static ParameterSet inference(SafetensorsFile file) {
        return new ParameterSet(null, file);
    }

    @Override
    public Matrix tensor(String name, int rows, int cols, boolean vector) {
        if (arena != null) {
            Matrix value = Matrix.allocate(arena, rows, cols);
            add(name, value, Matrix.allocate(arena, rows, cols), vector);
            return value;
        }
        if (file != null) {
            long[] shape = vector ? new long[] {(long) rows * cols} : new long[] {rows, cols};
            Matrix value;
            try {
                value = file.floats(name, shape).reshape(rows, cols);
            } catch (SafetensorsException e) {
                throw new InvalidModelFile(e);
            }
            add(name, value, null, vector);
            return value;
        }
        throw new IllegalStateException("this parameter set is filled with add(), it makes no tensors");
    }

    @Override
    public Matrix gradient(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return e.gradient();
    }

    /** Whether every parameter has a gradient: false for an inference-only set. */
    public boolean hasGradients() {
        for (Entry e : entries.values()) {
            if (e.gradient() == null) {
                return false;
            }
        }
        return true;
    }

    private void requireGradients() {
        if (!hasGradients()) {
            throw new IllegalStateException("these parameters were opened for inference only: they have no gradients to train with");
        }
    }

    /**
     * A model file's problem met while a model asks an {@link #inference} set for its tensors (wrong
     * shape, missing tensor, unreadable dtype): unchecked so that layers can be built through
     * {@link TensorSource}; {@link #getCause()} is the {@link SafetensorsException} naming file and tensor.
     */
    public static final class InvalidModelFile extends RuntimeException {
        InvalidModelFile(SafetensorsException cause) {
            super(cause.getMessage(), cause);
        }

        @Override
        public synchronized SafetensorsException getCause() {
            return (SafetensorsException) super.getCause();
        }
    }

    /** Adds a matrix parameter (saved as rows×cols, or [n] when {@code vector}); {@code gradient} null for inference only. */
    public ParameterSet add(String name, Matrix value, Matrix gradient, boolean vector) {
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("parameter '" + name + "' added twice");
        }
        if (gradient != null && (value.rows() != gradient.rows() || value.cols() != gradient.cols())) {
            throw new IllegalArgumentException("parameter '" + name + "' is " + value.shape() + " but its gradient is " + gradient.shape());
        }
        long[] shape = vector ? new long[] {value.size()} : new long[] {value.rows(), value.cols()};
        entries.put(name, new Entry(name, value, gradient, shape));
        return this;
    }

    /** Adds a matrix parameter saved as rows×cols. */
    public ParameterSet add(String name, Matrix value, Matrix gradient) {
        return add(name, value, gradient, false);
    }

    /**
     * Adds the levels of a recurrent stack under PyTorch's names with {@code prefix}
     * ({@code prefix + "weight_ih_l0"}, {@code "_reverse"} for backward directions); {@code grads}
     * has the same structure.
     */
    public ParameterSet addRecurrent(String prefix, List<StackedLayers.Level> params, List<StackedLayers.Level> grads) {
        for (int k = 0; k < params.size(); k++) {
            addCell(prefix, "_l" + k, params.get(k).forwardParams(), grads.get(k).forwardParams());
            if (params.get(k).bidirectional()) {
                addCell(prefix, "_l" + k + "_reverse", params.get(k).backwardParams(), grads.get(k).backwardParams());
            }
        }
        return this;
    }

    private void addCell(String prefix, String suffix, CellParameters p, CellParameters g) {
        add(prefix + "weight_ih" + suffix, p.weightIh(), g.weightIh());
        add(prefix + "weight_hh" + suffix, p.weightHh(), g.weightHh());
        if (p.hasBias()) {
            add(prefix + "bias_ih" + suffix, p.biasIh(), g.biasIh(), true);
            add(prefix + "bias_hh" + suffix, p.biasHh(), g.biasHh(), true);
        }
    }

    /**
     * Keeps parameter {@code name} fixed in training: the optimizer and gradient clipping leave it
     * out (its gradient is still computed, and it is still saved).
     */
    public ParameterSet freeze(String name) {
        if (!entries.containsKey(name)) {
            throw new IllegalArgumentException("no parameter '" + name + "' to freeze");
        }
        frozen.add(name);
        return this;
    }

    /** The frozen parameters' names, in the order they were frozen. */
    public List<String> frozen() {
        return List.copyOf(frozen);
    }

    /** The values of the parameters training updates (all but the frozen), in insertion order. */
    public List<Matrix> trainableValues() {
        List<Matrix> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (!frozen.contains(e.name())) {
                out.add(e.value());
            }
        }
        return out;
    }

    /** Their gradients, in the same order. */
    public List<Matrix> trainableGradients() {
        requireGradients();
        List<Matrix> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (!frozen.contains(e.name())) {
                out.add(e.gradient());
            }
        }
        return out;
    }

    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public List<Matrix> values() {
        List<Matrix> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            out.add(e.value());
        }
        return out;
    }

    public List<Matrix> gradients() {
        requireGradients();
        List<Matrix> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            out.add(e.gradient());
        }
        return out;
    }

    /** The number of trainable scalars. */
    public long count() {
        long n = 0;
        for (Entry e : entries.values()) {
            n += e.value().size();
        }
        return n;
    }

    public void zeroGradients() {
        requireGradients();
        for (Entry e : entries.values()) {
            e.gradient().fill(0f);
        }
    }

    /** Puts every parameter value into {@code writer} under {@code prefix + name}. */
    public void writeTo(SafetensorsWriter writer, String prefix) {
        for (Entry e : entries.values()) {
            writer.put(prefix + e.name(), e.value(), Dtype.F32, e.shape());
        }
    }

    /** Copies every parameter from {@code file} (tensor {@code prefix + name}, shape checked). */
    public void readFrom(SafetensorsFile file, String prefix) throws SafetensorsException {
        for (Entry e : entries.values()) {
            e.value().copyFrom(file.floats(prefix + e.name(), e.shape()).reshape(e.value().rows(), e.value().cols()));
        }
    }

    /**
     * The name of the first parameter whose value or gradient holds a NaN or an infinity, with
     * which of the two; null when every one is finite.
     */
    public String firstNonFinite() {
        for (Entry e : entries.values()) {
            if (e.gradient() != null && !finite(e.gradient())) {
                return "the gradient of " + e.name();
            }
            if (!finite(e.value())) {
                return e.name();
            }
        }
        return null;
    }

    private static boolean finite(Matrix m) {
        for (int r = 0; r < m.rows(); r++) {
            for (int c = 0; c < m.cols(); c++) {
                if (!Float.isFinite(m.get(r, c))) {
                    return false;
                }
            }
        }
        return true;
    }
}
