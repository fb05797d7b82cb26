package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.layers.DenseLayer;
import dev.rnn.models.layers.Dropout;
import dev.rnn.models.layers.Embedding;
import dev.rnn.models.layers.MergeMode;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Initializers;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A character-level language model (one-to-many): embedding (V×E) → stacked one-directional
 * RNN/LSTM/GRU levels (hidden H) → dropout → linear head (V×H) → softmax over the next character.
 * V is the vocabulary of the training text's characters, stored in the model file with the
 * architecture, so {@link #load} rebuilds the model from the file alone.
 *
 * <p>Tensor names in the file: {@code embedding.weight} (V×E), {@code rnn.weight_ih_l0} … in PyTorch's
 * {@code nn.LSTM}/{@code nn.GRU}/{@code nn.RNN} layout, {@code head.weight} (V×H), {@code head.bias} [V].
 *
 * <pre>{@code
 * try (CharLanguageModel lm = CharLanguageModel.load(Kernels.preferred(), Path.of("shakespeare.safetensors"));
 *      StreamingModel generator = lm.streaming(PackedMatrix.Format.F32)) {
 *     double nats = lm.loss(text);                        // mean cross-entropy per character
 *     StreamSession s = generator.newSession(StepOutput.LOGITS);   // then one step per character
 * }
 * }</pre>
 */
public final class CharLanguageModel implements AutoCloseable {

    /** The {@code task} metadata value of these models. */
    public static final String TASK = "char-lm";

    /** Architecture: cell, embedding size E, hidden size H, levels, and dropout (between levels and before the head). */
    public record Config(CellKind cell, int embedding, int hidden, int layers, double dropout) {
        public Config {
            if (embedding < 1 || hidden < 1 || layers < 1) {
                throw new IllegalArgumentException("embedding, hidden and layers must be ≥ 1, found " + embedding + ", " + hidden
                        + " and " + layers);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), found " + dropout);
            }
        }
    }

    private static final int EVAL_STREAMS = 32;
    private static final int EVAL_STEPS = 128;
    private static final int BURN_IN = 64;

    private final Kernels kernels;
    private final Config config;
    private final Vocabulary vocabulary;
    private final Arena arena = Arena.ofShared();
    private final Embedding embedding;
    private final RecurrentStack stack;
    private final DenseLayer head;
    private final ParameterSet parameters = new ParameterSet();
    private Runner evalRunner;

    private CharLanguageModel(Kernels kernels, Config config, Vocabulary vocabulary) {
        this.kernels = kernels;
        this.config = config;
        this.vocabulary = vocabulary;
        int v = vocabulary.size();
        embedding = new Embedding(arena, v, config.embedding());
        stack = RecurrentStack.allocate(arena, config.cell(), config.embedding(), config.hidden(), config.layers(), false);
        head = new DenseLayer(kernels, arena, config.hidden(), v, true);
        parameters.add("embedding.weight", embedding.table(), embedding.gradient());
        parameters.addRecurrent("rnn.", stack.params(), stack.grads());
        parameters.add("head.weight", head.weight(), head.gradients().get(0));
        parameters.add("head.bias", head.bias(), head.gradients().get(1), true);
    }

    /** A new model with seeded random weights. */
    public static CharLanguageModel create(Kernels kernels, Config config, Vocabulary vocabulary, long seed) {
        if (vocabulary.size() < 2) {
            throw new IllegalArgumentException("a language model needs at least 2 distinct characters, found " + vocabulary.size());
        }
        CharLanguageModel m = new CharLanguageModel(kernels, config, vocabulary);
        Initializers init = new Initializers(seed);
        init.uniform(m.embedding.table(), 0.5);
        m.stack.initialise(init);
        init.xavierUniform(m.head.weight());
        return m;
    }

    /** The model saved in {@code file}; every tensor is checked against the architecture in its metadata. */
    public static CharLanguageModel load(Kernels kernels, Path file) throws SafetensorsException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            ModelMetadata meta = new ModelMetadata(f);
            meta.requireTask(TASK);
            CharLanguageModel m;
            try {
                Config config = new Config(meta.cell("cell"), meta.integer("embedding", 1), meta.integer("hidden", 1),
                        meta.integer("layers", 1), meta.decimal("dropout"));
                Vocabulary vocabulary = meta.vocabulary("vocabulary");
                long gh = (long) config.cell().gates() * config.hidden();
                meta.requireTensor("embedding.weight", vocabulary.size(), config.embedding());
                meta.requireTensor("rnn.weight_hh_l" + (config.layers() - 1), gh, config.hidden());
                meta.requireTensor("head.weight", vocabulary.size(), config.hidden());
                m = new CharLanguageModel(kernels, config, vocabulary);
            } catch (IllegalArgumentException e) {
                throw new SafetensorsException(file, e.getMessage());
            }
            meta.readParameters(m.parameters, m);
            return m;
        }
    }

    public Config config() {
        return config;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The trainable tensors, named as in the model file. */
    public ParameterSet parameters() {
        return parameters;
    }

    /** What the model file records besides the tensors. */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ModelMetadata.TASK, TASK);
        m.put("cell", CellNames.name(config.cell()));
        m.put("embedding", Integer.toString(config.embedding()));
        m.put("hidden", Integer.toString(config.hidden()));
        m.put("layers", Integer.toString(config.layers()));
        m.put("dropout", Double.toString(config.dropout()));
        m.put("vocabulary", vocabulary.toJson());
        return m;
    }

    /** The ids of {@code text}'s characters; a character outside the vocabulary is an error naming it and its position. */
    public int[] encode(String text) {
        int[] ids = new int[text.codePointCount(0, text.length())];
        int k = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int id = vocabulary.id(Character.toString(cp));
            if (id < 0) {
                throw new IllegalArgumentException(String.format("character '%s' (U+%04X) at position %d is not in the model's vocabulary",
                        Character.toString(cp), cp, k));
            }
            ids[k++] = id;
            i += Character.charCount(cp);
        }
        return ids;
    }

    /** A batch-1 streaming copy of this model for generation (one cell step per character); close it after use. */
    public StreamingModel streaming(PackedMatrix.Format format) {
        StreamingModel.Builder b = StreamingModel.builder(kernels).format(format).embedding(embedding.table())
                .head(head.weight(), head.bias());
        for (StackedLayers.Level level : stack.params()) {
            b.level(level.forwardParams());
        }
        return b.build();
    }

    /** Mean cross-entropy in nats per character of predicting each character of {@code text} from those before it. */
    public double loss(String text) {
        return loss(encode(text));
    }

    /**
     * Mean cross-entropy of ids[1..n) given their prefixes. The text is cut into up to 32 segments run
     * side by side; each segment is preceded by the 64 characters before it (the end of the text for
     * the first), read but not scored, so that every scored character has context, as in one pass.
     */
    public double loss(int[] ids) {
        int n = ids.length;
        if (n < 2) {
            throw new IllegalArgumentException("scoring needs at least 2 characters, found " + n);
        }
        int streams = Math.max(1, Math.min(EVAL_STREAMS, (n - 1) / 512));
        int per = (n - 1 + streams - 1) / streams;
        int burn = streams == 1 ? 0 : BURN_IN;
        int total = burn + per;
        if (evalRunner == null || evalRunner.batch != streams) {
            if (evalRunner != null) {
                evalRunner.close();
            }
            evalRunner = new Runner(streams, EVAL_STEPS);
        }
        Runner r = evalRunner;
        r.resetState();
        double sum = 0;
        long counted = 0;
        for (int t0 = 0; t0 < total; t0 += EVAL_STEPS) {
            int steps = Math.min(EVAL_STEPS, total - t0);
            int[] in = new int[steps * streams], target = new int[steps * streams];
            for (int t = 0; t < steps; t++) {
                for (int s = 0; s < streams; s++) {
                    long pos = (long) s * per - burn + t0 + t;        // input position; pos + 1 is predicted
                    long from = 1 + (long) s * per, to = Math.min(n, 1 + (long) (s + 1) * per);
                    in[t * streams + s] = ids[(int) Math.floorMod(pos, (long) n)];
                    target[t * streams + s] = pos + 1 >= from && pos + 1 < to ? ids[(int) (pos + 1)] : -1;
                }
            }
            int c = SoftmaxCrossEntropy.counted(target);
            if (c > 0 || t0 + steps < total) {
                double mean = r.forward(in, target, steps, false, 0, false);
                if (c > 0) {
                    sum += mean * c;
                    counted += c;
                }
            }
        }
        return sum / counted;
    }

    /** Batched training and scoring over B parallel streams, state carried from call to call. */
    final class Runner implements AutoCloseable {
        final int batch;
        private final int maxSteps;
        private final Arena runArena = Arena.ofShared();
        private final StackedLayers layers;
        private final Matrix x, dropped, logits, dLogits, dOut, dx, h, c;
        private final Dropout outputDropout;
        private final SoftmaxCrossEntropy loss;

        Runner(int batch, int maxSteps) {
            this.batch = batch;
            this.maxSteps = maxSteps;
            int rows = batch * maxSteps, hidden = config.hidden(), v = vocabulary.size();
            layers = new StackedLayers(kernels, stack.params(), MergeMode.CONCAT, config.dropout(), false, maxSteps, batch, 0);
            x = Matrix.allocate(runArena, rows, config.embedding());
            dropped = Matrix.allocate(runArena, rows, hidden);
            logits = Matrix.allocate(runArena, rows, v);
            dLogits = Matrix.allocate(runArena, rows, v);
            dOut = Matrix.allocate(runArena, rows, hidden);
            dx = Matrix.allocate(runArena, rows, config.embedding());
            h = Matrix.allocate(runArena, config.layers() * batch, hidden);
            c = config.cell().hasCellState() ? Matrix.allocate(runArena, config.layers() * batch, hidden) : null;
            outputDropout = new Dropout(kernels, runArena, config.dropout(), rows, hidden);
            loss = new SoftmaxCrossEntropy(kernels, rows);
        }

        /** The carried states (h, then c for LSTM), (layers·B)×H each. */
        List<Matrix> state() {
            return c == null ? List.of(h) : List.of(h, c);
        }

        void resetState() {
            h.fill(0f);
            if (c != null) {
                c.fill(0f);
            }
        }

        /**
         * Runs {@code steps} time-major steps (in and target hold steps·B ids; targets < 0 are not
         * scored) from the carried state, which it then advances; with {@code backward}, adds the
         * gradients of the mean loss. Returns the mean loss over the scored targets.
         */
        double forward(int[] in, int[] target, int steps, boolean training, long seed, boolean backward) {
            int rows = steps * batch;
            Matrix xs = x.sliceRows(0, rows), drop = dropped.sliceRows(0, rows), lg = logits.sliceRows(0, rows);
            embedding.forward(in, xs);
            if (training) {
                layers.reseed(seed);
            }
            Matrix out = layers.forward(xs, h, c, null, training);
            layers.finalStates(h, c);
            outputDropout.forward(out, drop, training, ~seed);
            head.forward(drop, lg);
            if (!backward) {
                return loss.loss(lg, target);
            }
            Matrix dl = dLogits.sliceRows(0, rows), d = dOut.sliceRows(0, rows), dxs = dx.sliceRows(0, rows);
            double mean = loss.lossAndGradient(lg, target, dl);
            head.backward(drop, dl, d);
            outputDropout.backward(d, d);
            layers.backward(d, stack.grads(), dxs);
            embedding.backward(in, dxs);
            return mean;
        }

        @Override
        public void close() {
            layers.close();
            runArena.close();
        }
    }

    /** A runner for training with B streams of up to {@code maxSteps} steps (package use: {@link CharLanguageModelTraining}). */
    Runner runner(int batch, int maxSteps) {
        return new Runner(batch, maxSteps);
    }

    @Override
    public void close() {
        if (evalRunner != null) {
            evalRunner.close();
            evalRunner = null;
        }
        arena.close();
    }
}
