package dev.rnn.models.io;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.models.layers.StackedLayers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The weights of a PyTorch {@code nn.RNN}, {@code nn.LSTM} or {@code nn.GRU} as its
 * {@code state_dict()} names them: per layer k, {@code weight_ih_l{k}} (G·H×I for k = 0, G·H×D·H
 * after), {@code weight_hh_l{k}} (G·H×H) and the optional 1-D {@code bias_ih_l{k}},
 * {@code bias_hh_l{k}} (G·H), with suffix {@code _reverse} for the backward direction (D = 2). The
 * {@code __metadata__} key {@code mode} names the cell as PyTorch does (RNN_TANH, RNN_RELU, LSTM,
 * GRU); without it the cell follows from G (1: RNN_TANH, 3: GRU, 4: LSTM). A state_dict saved
 * from a larger module holds these names under the module's path, e.g. {@code encoder.lstm.weight_ih_l0}:
 * {@link #read(SafetensorsFile, String)} takes that prefix, {@link #prefixes} lists the ones a file holds.
 *
 * <p>{@link #levels()} holds one {@link StackedLayers.Level} per layer, ready for a stack with
 * {@code MergeMode.CONCAT}, whose outputs and states then match the PyTorch module's.
 */
public record TorchRecurrentWeights(CellKind kind, int inputSize, int hiddenSize, int layers, boolean bidirectional,
                                    boolean bias, List<StackedLayers.Level> levels) {

    /** The {@code __metadata__} key naming the cell. */
    public static final String MODE_KEY = "mode";

    public TorchRecurrentWeights {
        levels = List.copyOf(levels);
    }

    /** Wraps the parameters of a stack built here, for {@link #addTo} (all levels of one kind and size). */
    public static TorchRecurrentWeights of(List<StackedLayers.Level> levels) {
        CellParameters first = levels.get(0).forwardParams();
        return new TorchRecurrentWeights(first.kind(), first.inputSize(), first.hiddenSize(), levels.size(),
                levels.get(0).bidirectional(), first.hasBias(), levels);
    }

    /** Directions per layer, 1 or 2. */
    public int directions() {
        return bidirectional ? 2 : 1;
    }

    /**
     * Reads the state_dict in {@code file} under the plain names ({@code weight_ih_l0}, …), as
     * {@link #read(SafetensorsFile, String)} with the empty prefix. When the plain names are absent
     * but the file holds modules under prefixes, the error lists them.
     */
    public static TorchRecurrentWeights read(SafetensorsFile file) throws SafetensorsException {
        return read(file, "");
    }

    /**
     * Reads the module whose tensors are named {@code prefix.weight_ih_l0}, … — the state_dict of a
     * larger module holding the RNN as, say, {@code encoder.lstm} ({@code "encoder.lstm"} and
     * {@code "encoder.lstm."} are the same prefix; {@code ""} means the plain names). Only tensors
     * directly under the prefix are the module's; every other tensor in the file is ignored. The
     * cell is named by the metadata key {@code prefix.mode} if present, else {@code mode}. F32
     * weights stay mapped; other float types are converted. A missing, unexpected or wrongly
     * shaped tensor of the module is an error naming it; an absent module is an error listing the
     * {@link #prefixes} the file does hold.
     */
    public static TorchRecurrentWeights read(SafetensorsFile file, String prefix) throws SafetensorsException {
        String module = normalise(prefix);
        String p = module.isEmpty() ? "" : module + ".";
        if (!file.contains(p + "weight_ih_l0")) {
            throw absent(file, module);
        }
        if (!file.contains(p + "weight_hh_l0")) {
            throw new SafetensorsException(file.path(), "missing tensor '" + p + "weight_hh_l0"
                    + "': not the state_dict of a PyTorch nn.RNN, nn.LSTM or nn.GRU");
        }
        TensorInfo hh = file.info(p + "weight_hh_l0");
        TensorInfo ih = file.info(p + "weight_ih_l0");
        if (hh.rank() != 2 || hh.dim(1) < 1 || hh.dim(1) > Integer.MAX_VALUE / 4) {
            throw new SafetensorsException(file.path(), "tensor '" + hh.name() + "' has shape " + hh.shapeString()
                    + ", expected [G·H, H] with H ≥ 1");
        }
        if (ih.rank() != 2 || ih.dim(1) < 1 || ih.dim(1) > Integer.MAX_VALUE) {
            throw new SafetensorsException(file.path(), "tensor '" + ih.name() + "' has shape " + ih.shapeString()
                    + ", expected [G·H, I] with I ≥ 1");
        }
        int hidden = (int) hh.dim(1), input = (int) ih.dim(1);
        CellKind kind = kind(file, module, hh, hidden);
        int g = kind.gates() * hidden;
        boolean bidirectional = file.contains(p + "weight_ih_l0_reverse") || file.contains(p + "weight_hh_l0_reverse");
        boolean bias = file.contains(p + "bias_ih_l0") || file.contains(p + "bias_hh_l0");
        int directions = bidirectional ? 2 : 1;
        int layers = 0;
        while (file.contains(p + "weight_ih_l" + layers) || file.contains(p + "weight_hh_l" + layers)) {
            layers++;
        }
        Set<String> used = new HashSet<>();
        List<StackedLayers.Level> levels = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            int in = k == 0 ? input : directions * hidden;
            CellParameters[] dirs = new CellParameters[2];
            for (int d = 0; d < directions; d++) {
                String suffix = "_l" + k + (d == 1 ? "_reverse" : "");
                Matrix wIh = file.floats(track(used, p + "weight_ih" + suffix), g, in);
                Matrix wHh = file.floats(track(used, p + "weight_hh" + suffix), g, hidden);
                Matrix bIh = bias ? file.floats(track(used, p + "bias_ih" + suffix), g) : null;
                Matrix bHh = bias ? file.floats(track(used, p + "bias_hh" + suffix), g) : null;
                dirs[d] = CellParameters.of(kind, wIh, wHh, bIh, bHh);
            }
            levels.add(new StackedLayers.Level(dirs[0], dirs[1]));
        }
        for (String name : file.names()) {
            // the module's own tensors sit directly under the prefix; deeper names belong to other modules
            if (!name.startsWith(p) || name.indexOf('.', p.length()) >= 0 || used.contains(name)) {
                continue;
            }
            String local = name.substring(p.length());
            String why = local.startsWith("weight_hr") ? " (LSTM projections, proj_size > 0, are not supported)"
                    : local.startsWith("bias") && !bias ? " (" + p + "bias_ih_l0 and " + p + "bias_hh_l0 are absent)"
                    : local.endsWith("_reverse") && !bidirectional ? " (layer 0 has no reverse direction)" : "";
            throw new SafetensorsException(file.path(), "unexpected tensor '" + name + "' in a PyTorch "
                    + kind + " state_dict of " + layers + " layer(s)" + why);
        }
        return new TorchRecurrentWeights(kind, input, hidden, layers, bidirectional, bias, levels);
    }

    /**
     * The prefixes under which {@code file} holds a recurrent module: every P such that
     * {@code P.weight_ih_l0} exists, sorted, preceded by {@code ""} when the plain
     * {@code weight_ih_l0} exists. Each can be passed to {@link #read(SafetensorsFile, String)}.
     */
    public static List<String> prefixes(SafetensorsFile file) {
        String first = "weight_ih_l0", dotted = "." + first;
        TreeSet<String> found = new TreeSet<>();
        for (String name : file.names()) {
            if (name.endsWith(dotted) && name.length() > dotted.length()) {
                found.add(name.substring(0, name.length() - dotted.length()));
            }
        }
        List<String> prefixes = new ArrayList<>();
        if (file.contains(first)) {
            prefixes.add("");
        }
        prefixes.addAll(found);
        return List.copyOf(prefixes);
    }

    /** The prefix without its trailing dot: "encoder.lstm." and "encoder.lstm" both name encoder.lstm. */
    private static String normalise(String prefix) {
        Objects.requireNonNull(prefix, "prefix (\"\" for the plain names)");
        return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    private static SafetensorsException absent(SafetensorsFile file, String module) {
        List<String> candidates = prefixes(file);
        if (module.isEmpty()) {
            return new SafetensorsException(file.path(), candidates.isEmpty()
                    ? "missing tensor 'weight_ih_l0': not the state_dict of a PyTorch nn.RNN, nn.LSTM or nn.GRU"
                    : "holds no plain recurrent module (weight_ih_l0); candidates: " + String.join(", ", candidates)
                            + " — pass one as the prefix");
        }
        String problem = "holds no recurrent module under prefix '" + module + "' (no tensor '" + module + ".weight_ih_l0')";
        if (candidates.isEmpty()) {
            return new SafetensorsException(file.path(), problem + ", nor under any other prefix");
        }
        StringBuilder list = new StringBuilder();
        for (String c : candidates) {
            list.append(list.isEmpty() ? "" : ", ").append(c.isEmpty() ? "(no prefix)" : c);
        }
        return new SafetensorsException(file.path(), problem + "; candidates: " + list);
    }

    private static String track(Set<String> used, String name) {
        used.add(name);
        return name;
    }

    private static CellKind kind(SafetensorsFile file, String module, TensorInfo hh, int hidden) throws SafetensorsException {
        String key = module.isEmpty() ? MODE_KEY : module + "." + MODE_KEY;
        if (!file.metadata().containsKey(key)) {
            key = MODE_KEY;
        }
        String mode = file.metadata().get(key);
        if (mode != null) {
            CellKind kind;
            try {
                kind = CellKind.valueOf(mode);
            } catch (IllegalArgumentException e) {
                throw new SafetensorsException(file.path(), "metadata " + key + " '" + mode + "' is not one of "
                        + Arrays.toString(CellKind.values()));
            }
            if (hh.dim(0) != (long) kind.gates() * hidden) {
                String hint = !module.isEmpty() && key.equals(MODE_KEY) ? " (the file's mode; a module of another kind"
                        + " names its own as metadata '" + module + "." + MODE_KEY + "')" : "";
                throw new SafetensorsException(file.path(), "tensor '" + hh.name() + "' has shape " + hh.shapeString()
                        + ", expected [" + kind.gates() * hidden + ", " + hidden + "] for " + key + " " + mode + hint);
            }
            return kind;
        }
        long g = hh.dim(0);
        if (g == hidden) {
            return CellKind.RNN_TANH;
        } else if (g == 3L * hidden) {
            return CellKind.GRU;
        } else if (g == 4L * hidden) {
            return CellKind.LSTM;
        }
        throw new SafetensorsException(file.path(), "tensor '" + hh.name() + "' has shape " + hh.shapeString() + ": " + g
                + " rows are not 1, 3 or 4 times the hidden size " + hidden + " (RNN, GRU or LSTM)");
    }

    /** Adds these weights under PyTorch's names, and {@code mode}, to {@code writer}. */
    public SafetensorsWriter addTo(SafetensorsWriter writer) {
        writer.metadata(MODE_KEY, kind.name());
        long g = (long) kind.gates() * hiddenSize;
        for (int k = 0; k < levels.size(); k++) {
            StackedLayers.Level level = levels.get(k);
            CellParameters[] dirs = level.bidirectional()
                    ? new CellParameters[] {level.forwardParams(), level.backwardParams()}
                    : new CellParameters[] {level.forwardParams()};
            for (int d = 0; d < dirs.length; d++) {
                String suffix = "_l" + k + (d == 1 ? "_reverse" : "");
                CellParameters p = dirs[d];
                writer.put("weight_ih" + suffix, p.weightIh());
                writer.put("weight_hh" + suffix, p.weightHh());
                if (p.hasBias()) {
                    writer.put("bias_ih" + suffix, p.biasIh(), Dtype.F32, g);
                    writer.put("bias_hh" + suffix, p.biasHh(), Dtype.F32, g);
                }
            }
        }
        return writer;
    }
}
