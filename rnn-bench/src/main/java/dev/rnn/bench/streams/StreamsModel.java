package dev.rnn.bench.streams;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.training.Initializers;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * A model shape of the harness and its weights, the same for every engine: LSTM levels from PyTorch's
 * default init (seed {@link #SEED}), an optional token embedding V×I and an optional logits head V×H.
 */
final class StreamsModel implements AutoCloseable {

    static final long SEED = 42;

    final String name;
    final int vocabulary;   // V for token input, 0 for feature vectors
    final int input;        // I: the embedding width, or the features per step
    final int hidden;       // H of every level
    final boolean head;
    final List<CellParameters> levels = new ArrayList<>();
    final Matrix embedding;   // V×I or null
    final Matrix headWeight;  // V×H or null
    final Matrix headBias;    // 1×V or null
    private final Arena arena = Arena.ofShared();

    private StreamsModel(String name, int vocabulary, int input, int hidden, int depth, boolean head) {
        this.name = name;
        this.vocabulary = vocabulary;
        this.input = input;
        this.hidden = hidden;
        this.head = head;
        Initializers init = new Initializers(SEED);
        for (int l = 0; l < depth; l++) {
            CellParameters p = CellParameters.allocate(arena, CellKind.LSTM, l == 0 ? input : hidden, hidden, true);
            init.pytorchDefault(p);
            levels.add(p);
        }
        // nn.Embedding draws N(0, 1) and nn.Linear ±1/√H; uniform ±1 stands in for the former (same scale)
        embedding = vocabulary > 0 ? Matrix.allocate(arena, vocabulary, input) : null;
        if (embedding != null) {
            init.uniform(embedding, 1);
        }
        headWeight = head ? Matrix.allocate(arena, vocabulary, hidden) : null;
        headBias = head ? Matrix.allocate(arena, 1, vocabulary) : null;
        if (head) {
            init.uniform(headWeight, 1 / Math.sqrt(hidden));
            init.uniform(headBias, 1 / Math.sqrt(hidden));
        }
    }

    /** lm-2x512, lstm-1024, or the test-only tiny (one LSTM level 8 → 16, no head). */
    static StreamsModel named(String name) {
        return switch (name) {
            case "lm-2x512" -> new StreamsModel(name, 65, 64, 512, 2, true);
            case "lstm-1024" -> new StreamsModel(name, 0, 64, 1024, 1, false);
            case "tiny" -> new StreamsModel(name, 0, 8, 16, 1, false);
            case "tiny-lm" -> new StreamsModel(name, 11, 8, 16, 2, true);
            default -> throw new IllegalArgumentException("unknown model " + name + " (lm-2x512, lstm-1024)");
        };
    }

    boolean takesTokens() {
        return vocabulary > 0;
    }

    /** Values per step out: V logits with a head, else H. */
    int outputSize() {
        return head ? vocabulary : hidden;
    }

    /**
     * Whether the ONNX engines can run it (see OnnxRecurrentModel): one level on feature vectors, or a
     * token model with an embedding and a head.
     */
    boolean onnxReady() {
        return takesTokens() ? head : levels.size() == 1 && !head;
    }

    StreamingModel streaming(Kernels kernels) {
        StreamingModel.Builder b = StreamingModel.builder(kernels);
        for (CellParameters p : levels) {
            b.level(p);
        }
        if (embedding != null) {
            b.embedding(embedding);
        }
        if (head) {
            b.head(headWeight, headBias);
        }
        return b.build();
    }

    @Override
    public void close() {
        arena.close();
    }
}
