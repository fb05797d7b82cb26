package dev.rnn.models.tasks;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.io.TorchRecurrentWeights;
import dev.rnn.models.layers.RecurrentModule;
import dev.rnn.models.streaming.StreamingModel;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recurrent module ({@code nn.RNN}, {@code nn.LSTM} or {@code nn.GRU}) of a PyTorch state_dict,
 * for inference: F32 weights stay memory-mapped and are used in place. Immutable and thread-safe:
 * each thread runs whole sequences through its own {@link #newModule()} or steps streams through
 * {@link #streaming}.
 */
public final class TorchRecurrentModel implements TaskModel {

    /** What {@link #task()} returns: such files carry no {@code task} metadata. */
    public static final String TASK = "pytorch-recurrent";

    private final Kernels kernels;
    private final Arena arena;
    private final TorchRecurrentWeights weights;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    private TorchRecurrentModel(Kernels kernels, Arena arena, TorchRecurrentWeights weights, Map<String, String> metadata) {
        this.kernels = kernels;
        this.arena = arena;
        this.weights = weights;
        this.metadata = metadata;
    }

    /**
     * The module whose tensors are named {@code prefix.weight_ih_l0}, … in {@code file} ({@code ""} for
     * the plain names); an absent module is an error listing the prefixes the file holds.
     */
    public static TorchRecurrentModel open(Kernels kernels, Path file, String prefix) throws SafetensorsException {
        Arena arena = Arena.ofShared();
        try {
            SafetensorsFile f = SafetensorsFile.open(file, arena);
            return new TorchRecurrentModel(kernels, arena, TorchRecurrentWeights.read(f, prefix), Map.copyOf(f.metadata()));
        } catch (SafetensorsException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public String task() {
        return TASK;
    }

    @Override
    public Map<String, String> metadata() {
        return new LinkedHashMap<>(metadata);
    }

    /** The module's architecture and weights (views of the mapped file). */
    public TorchRecurrentWeights weights() {
        requireOpen();
        return weights;
    }

    /** A context running whole sequences through the module; one thread at a time uses it. Close it after use. */
    public RecurrentModule newModule() {
        requireOpen();
        return new RecurrentModule(kernels, weights.levels());
    }

    /** The module packed for streaming, one step at a time (one-directional modules only); close it after use. */
    public StreamingModel streaming(PackedMatrix.Format format) {
        requireOpen();
        return StreamingModel.of(kernels, weights, format);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this TorchRecurrentModel is closed");
        }
    }

    /** Unmaps the file; modules and streaming models made from it must not be used after. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
