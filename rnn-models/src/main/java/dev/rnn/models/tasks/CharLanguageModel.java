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
import dev.rnn.models.streaming.StreamBatcher;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Initializers;
import dev.rnn.models.training.ParameterSet;
import dev.rnn.models.training.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.nio.file.Path;
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
 * <p>Thread safety: scoring ({@link #loss}) may run on any number of threads at once on one model;
 * each call borrows layers and buffers of its own. Training ({@link CharLanguageModelTraining})
 * changes the weights and must not run beside it.
 *
 * <pre>{@code
 * try (CharLanguageModel lm = CharLanguageModel.load(Kernels.preferred(), Path.of("shakespeare.safetensors"));
 *      TextStreamingModel generator = lm.textStreaming(PackedMatrix.Format.F32);
 *      TextStream s = generator.newStream()) {
 *     double nats = lm.loss(text);                        // mean cross-entropy per character
 *     s.append("ROMEO:");                                 // one cell step per character
 *     String line = s.complete(60, new Sampler(0.8, 0, 1, 42), '\n');
 * }
 * }</pre>
 */
public final class CharLanguageModel extends PooledTaskModel<CharLanguageModel.Config, CharLanguageModel.Runner>
        implements TaskModel {

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

    private final Vocabulary vocabulary;
    private final Embedding embedding;
    private final RecurrentStack stack;
    private final DenseLayer head;

    private CharLanguageModel(Kernels kernels, Config config, Vocabulary vocabulary, Arena arena, ParameterSet parameters) {
        super(TASK, kernels, config, arena, parameters);
        this.vocabulary = vocabulary;
        int v = vocabulary.size();
        embedding = new Embedding(parameters, "embedding.weight", v, config.embedding());
        stack = RecurrentStack.of(parameters, "rnn.", config.cell(), config.embedding(), config.hidden(), config.layers(), false);
        head = new DenseLayer(kernels, parameters, "head.", config.hidden(), v, true);
    }

    /** A new model with seeded random weights. */
    public static CharLanguageModel create(Kernels kernels, Config config, Vocabulary vocabulary, long seed) {
        if (vocabulary.size() < 2) {
            throw new IllegalArgumentException("a language model needs at least 2 distinct characters, found " + vocabulary.size());
        }
        CharLanguageModel m = ModelMetadata.allocate((arena, params) -> new CharLanguageModel(kernels, config, vocabulary, arena, params));
        Initializers init = new Initializers(seed);
        init.uniform(m.embedding.table(), 0.5);
        m.stack.initialise(init);
        init.xavierUniform(m.head.weight());
        return m;
    }

    /** The model saved in {@code file}, trainable; every tensor is checked against the architecture in its metadata. */
    public static CharLanguageModel load(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, false);
    }

    /**
     * The model saved in {@code file}, for inference only: no gradients, F32 tensors used in place from
     * the file's mapping. Training it is an {@link IllegalStateException}.
     */
    public static CharLanguageModel open(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, true);
    }

    private static CharLanguageModel read(Kernels kernels, Path file, boolean inference) throws SafetensorsException {
        return ModelMetadata.load(file, TASK, inference, (meta, arena, params) -> fromMetadata(kernels, meta, arena, params));
    }

    /** The model its file's metadata describes, after checking the tensors' shapes against it. */
    private static CharLanguageModel fromMetadata(Kernels kernels, ModelMetadata meta, Arena arena, ParameterSet params)
            throws SafetensorsException {
        Config config = new Config(meta.cell("cell"), meta.integer("embedding", 1), meta.integer("hidden", 1),
                meta.integer("layers", 1), meta.decimal("dropout"));
        Vocabulary vocabulary = meta.vocabulary("vocabulary");
        long gh = (long) config.cell().gates() * config.hidden();
        meta.requireTensor("embedding.weight", vocabulary.size(), config.embedding());
        meta.requireTensor("rnn.weight_hh_l" + (config.layers() - 1), gh, config.hidden());
        meta.requireTensor("head.weight", vocabulary.size(), config.hidden());
        return new CharLanguageModel(kernels, config, vocabulary, arena, params);
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    @Override
    public Map<String, String> metadata() {
        Map<String, String> m = taskMetadata();
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

    /**
     * A batch-1 streaming copy of this model for generation (one cell step per character); close it
     * after use. The copy is the model's one packed form of its recurrent and output weights: in a
     * model opened for inference, the file pages they were packed from are then dropped from resident
     * memory (read again only if the model scores text). A latency-sensitive service calls its
     * {@link StreamingModel#warmUp()} before the first request.
     */
    public StreamingModel streaming(PackedMatrix.Format format) {
        runners.checkOpen();
        StreamingModel.Builder b = StreamingModel.builder(kernels).format(format).embedding(embedding.table())
                .head(head.weight(), head.bias());
        for (StackedLayers.Level level : stack.params()) {
            b.level(level.forwardParams());
        }
        StreamingModel model = b.build();
        if (!trainable()) {
            // the packed copy serves every step: keep one copy resident, not two
            for (StackedLayers.Level level : stack.params()) {
                SafetensorsFile.evict(level.forwardParams().weightIh());
                SafetensorsFile.evict(level.forwardParams().weightHh());
            }
            SafetensorsFile.evict(head.weight());
        }
        return model;
    }

    /**
     * A batch-1 streaming copy of this model that reads and writes text: characters in, the
     * next-character distribution out (see {@link TextStreamingModel}); shareable by any number of
     * threads, each with its own {@link dev.rnn.models.streaming.TextStream}. Close it after use.
     */
    public TextStreamingModel textStreaming(PackedMatrix.Format format) {
        StreamingModel model = streaming(format);
        try {
            return TextStreamingModel.of(model, vocabulary);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * As {@link #textStreaming}, in the batched form ({@link TextStreamingModel#batched}): every stream's
     * steps go through a {@link StreamBatcher} of {@code workers} threads and batches of at most
     * {@code maxBatch} steps, which the returned model owns and stops on close.
     */
    public TextStreamingModel batchedTextStreaming(PackedMatrix.Format format, int workers, int maxBatch) {
        StreamingModel model = streaming(format);
        try {
            return TextStreamingModel.batched(StreamBatcher.builder(model).workers(workers).maxBatch(maxBatch), vocabulary);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
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
        runners.checkOpen();
        int n = ids.length;
        if (n < 2) {
            throw new IllegalArgumentException("scoring needs at least 2 characters, found " + n);
        }
        int streams = Math.max(1, Math.min(EVAL_STREAMS, (n - 1) / 512));
        int per = (n - 1 + streams - 1) / streams;
        int burn = streams == 1 ? 0 : BURN_IN;
        int total = burn + per;
        return withRunner(streams, EVAL_STEPS, r -> {
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
        });
    }

    /**
     * Batched training and scoring over B parallel streams, state carried from call to call. Owns its
     * layers and buffers; one thread at a time.
     */
    final class Runner implements RunnerPool.Lendable {
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

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public int steps() {
            return maxSteps;
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
            return forward(in, target, steps, training, seed, backward ? Integer.MAX_VALUE : 0);
        }

        /**
         * As above, with the gradients (unless {@code stepsBack} is 0) of the graph truncated to the
         * last {@code stepsBack} steps ({@link StackedLayers#backward(Matrix, Matrix, Matrix, List, Matrix, int)}).
         */
        double forward(int[] in, int[] target, int steps, boolean training, long seed, int stepsBack) {
            boolean backward = stepsBack > 0;
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
            layers.backward(d, null, null, stack.grads(), dxs, stepsBack);
            embedding.backward(in, dxs);
            return mean;
        }

        @Override
        public void close() {
            layers.close();
            runArena.close();
        }
    }

    @Override
    Runner newRunner(int batch, int steps) {
        return new Runner(batch, steps);
    }

    /**
     * A runner for training with B streams of up to {@code maxSteps} steps, which the caller owns and
     * closes (package use: {@link CharLanguageModelTraining}).
     */
    Runner runner(int batch, int maxSteps) {
        return new Runner(batch, maxSteps);
    }
}
