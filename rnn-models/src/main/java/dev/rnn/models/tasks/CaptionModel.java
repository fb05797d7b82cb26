package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Decoding;
import dev.rnn.models.decoding.SequenceDecoder;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.layers.DenseLayer;
import dev.rnn.models.layers.Embedding;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Initializers;
import dev.rnn.models.training.ParameterSet;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Generation from a feature vector (one-to-many, the captioning pattern): a learned projection
 * h0 = tanh(P·f + p) of the feature vector f (F values) starts every level of a recurrent decoder,
 * which then writes words one at a time, each step reading the previous word's embedding (and, with
 * {@code feedFeatures}, f again). Tokens are the text's words, split at white space; {@code <s>}
 * starts and {@code </s>} ends an output.
 *
 * <p>Tensors: {@code projection.weight} ((L·H)×F: level l's block is rows l·H..(l+1)·H),
 * {@code projection.bias} [L·H], {@code embedding.weight} (V×E), {@code rnn.*} in PyTorch's layout,
 * {@code head.weight} (V×H), {@code head.bias} [V]. Vocabulary and architecture are in the metadata.
 *
 * <p>Thread safety: inference ({@link #generate}, {@link #generateAll}, {@link #exactMatch}) may run
 * on any number of threads at once on one model; each call borrows layers and buffers of its own, and
 * a call of n inputs runs at batch n (up to the model's batch size), never padded. Training changes
 * the weights and must not run beside it.
 *
 * <pre>{@code
 * try (CaptionModel m = CaptionModel.load(Kernels.preferred(), Path.of("numbers.safetensors"))) {
 *     String words = m.generate(features, Decoding.beam(4));          // "four hundred twelve"
 *     String sample = m.generate(features, Decoding.sampled(0.8, 5, 1));
 * }
 * }</pre>
 */
public final class CaptionModel extends PooledTaskModel<CaptionModel.Config, CaptionDecoder> implements TaskModel {

    public static final String TASK = "caption";

    public static final List<String> SPECIALS = List.of("<pad>", "<unk>", "<s>", "</s>");
    static final int UNKNOWN = 1, START = 2, END = 3;

    /** A training example: a feature vector and the text it should produce. */
    public record Example(float[] features, String text) {
    }

    /** Architecture: F = {@code features}, E = {@code embedding}, H = {@code hidden}, L = {@code layers}. */
    public record Config(CellKind cell, int features, int embedding, int hidden, int layers, boolean feedFeatures, double dropout,
                         int maxLength) {
        public Config {
            if (features < 1 || embedding < 1 || hidden < 1 || layers < 1 || maxLength < 1) {
                throw new IllegalArgumentException("features, embedding, hidden, layers and max length must be ≥ 1, found " + features
                        + ", " + embedding + ", " + hidden + ", " + layers + " and " + maxLength);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), found " + dropout);
            }
        }

        /** The decoder's input per step: E, plus F when features are fed at every step. */
        int stepInput() {
            return embedding + (feedFeatures ? features : 0);
        }
    }

    final Vocabulary words;
    final DenseLayer projection;
    final Embedding embedding;
    final RecurrentStack stack;
    final DenseLayer head;

    private CaptionModel(Kernels kernels, Config config, Vocabulary words, Arena arena, ParameterSet parameters) {
        if (words.size() <= SPECIALS.size() || !words.tokens().subList(0, SPECIALS.size()).equals(SPECIALS)) {
            throw new IllegalArgumentException("a caption vocabulary must start with " + SPECIALS + " and hold at least one word more");
        }
        super(TASK, kernels, config, arena, parameters);
        this.words = words;
        projection = new DenseLayer(kernels, parameters, "projection.", config.features(), config.layers() * config.hidden(), true);
        embedding = new Embedding(parameters, "embedding.weight", words.size(), config.embedding());
        stack = RecurrentStack.of(parameters, "rnn.", config.cell(), config.stepInput(), config.hidden(), config.layers(), false);
        head = new DenseLayer(kernels, parameters, "head.", config.hidden(), words.size(), true);
    }

    /** A new model whose vocabulary comes from the examples' words; weights are seeded. */
    public static CaptionModel create(Kernels kernels, Config config, List<Example> examples, long seed) {
        List<String> all = new ArrayList<>();
        for (Example e : examples) {
            if (e.features().length != config.features()) {
                throw new IllegalArgumentException("an example has " + e.features().length + " features, the model reads "
                        + config.features());
            }
            all.addAll(tokenize(e.text()));
        }
        Vocabulary words = Vocabulary.build(SPECIALS, all, 1);
        CaptionModel m = ModelMetadata.allocate((arena, params) -> new CaptionModel(kernels, config, words, arena, params));
        Initializers init = new Initializers(seed);
        init.xavierUniform(m.projection.weight());
        init.uniform(m.embedding.table(), 0.5);
        m.stack.initialise(init);
        init.xavierUniform(m.head.weight());
        return m;
    }

    /** The model saved in {@code file}, trainable. */
    public static CaptionModel load(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, false);
    }

    /**
     * The model saved in {@code file}, for inference only: no gradients, F32 tensors used in place from
     * the file's mapping. Training it is an {@link IllegalStateException}.
     */
    public static CaptionModel open(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, true);
    }

    private static CaptionModel read(Kernels kernels, Path file, boolean inference) throws SafetensorsException {
        return ModelMetadata.load(file, TASK, inference, (m, arena, params) -> fromMetadata(kernels, m, arena, params));
    }

    /** The model its file's metadata describes, after checking the tensors' shapes against it. */
    private static CaptionModel fromMetadata(Kernels kernels, ModelMetadata m, Arena arena, ParameterSet params)
            throws SafetensorsException {
        Config config = new Config(m.cell("cell"), m.integer("features", 1), m.integer("embedding", 1), m.integer("hidden", 1),
                m.integer("layers", 1), m.flag("feedFeatures"), m.decimal("dropout"), m.integer("maxLength", 1));
        Vocabulary words = m.vocabulary("words");
        m.requireTensor("projection.weight", (long) config.layers() * config.hidden(), config.features());
        m.requireTensor("embedding.weight", words.size(), config.embedding());
        m.requireTensor("rnn.weight_hh_l" + (config.layers() - 1), (long) config.cell().gates() * config.hidden(), config.hidden());
        m.requireTensor("head.weight", words.size(), config.hidden());
        return new CaptionModel(kernels, config, words, arena, params);
    }

    /** A text's words. */
    public static List<String> tokenize(String text) {
        String t = text.strip();
        return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
    }

    public Vocabulary vocabulary() {
        return words;
    }

    @Override
    public Map<String, String> metadata() {
        Map<String, String> m = taskMetadata();
        m.put("cell", CellNames.name(config.cell()));
        m.put("features", Integer.toString(config.features()));
        m.put("embedding", Integer.toString(config.embedding()));
        m.put("hidden", Integer.toString(config.hidden()));
        m.put("layers", Integer.toString(config.layers()));
        m.put("feedFeatures", Boolean.toString(config.feedFeatures()));
        m.put("dropout", Double.toString(config.dropout()));
        m.put("maxLength", Integer.toString(config.maxLength()));
        m.put("words", words.toJson());
        return m;
    }

    /** Word ids of {@code text} followed by the end token; unknown words map to {@code <unk>}. */
    int[] encode(String text) {
        List<String> t = tokenize(text);
        int[] ids = new int[t.size() + 1];
        for (int i = 0; i < t.size(); i++) {
            ids[i] = words.id(t.get(i), UNKNOWN);
        }
        ids[t.size()] = END;
        return ids;
    }

    void checkFeatures(float[] f) {
        if (f.length != config.features()) {
            throw new IllegalArgumentException("a feature vector of " + f.length + " values, the model reads " + config.features());
        }
        for (int i = 0; i < f.length; i++) {
            if (!Float.isFinite(f[i])) {
                throw new IllegalArgumentException("feature " + i + " is " + f[i] + ", not a finite number");
            }
        }
    }

    /** The text generated from {@code features}. */
    public String generate(float[] features, Decoding decoding) {
        return generateAll(List.of(features), decoding).get(0);
    }

    /** The texts generated from each feature vector (greedy ones in batches; each sample seeded by the decoding's seed). */
    public List<String> generateAll(List<float[]> features, Decoding decoding) {
        runners.checkOpen();
        for (float[] f : features) {
            checkFeatures(f);
        }
        List<String> out = new ArrayList<>();
        boolean greedy = !decoding.sampling() && decoding.beam() == 1;
        // greedy decoding runs feature vectors side by side, as many rows as vectors (a padding row costs
        // as much as a vector); beam search and sampling run one vector at a time over the beam's rows
        int part = greedy ? CaptionDecoder.GREEDY_BATCH : Math.max(1, features.size());
        for (int from = 0; from < features.size(); from += part) {
            List<float[]> some = features.subList(from, Math.min(features.size(), from + part));
            withRunner(greedy ? some.size() : decoding.beam(), 1, d -> {
                if (greedy) {
                    d.start(some);
                    for (int[] ids : SequenceDecoder.greedy(d, some.size(), START, END, config.maxLength())) {
                        out.add(text(ids));
                    }
                } else {
                    for (float[] f : some) {
                        d.start(List.of(f));
                        out.add(text(decoding.sampling()
                                ? SequenceDecoder.sample(d, decoding.sampler(), START, END, config.maxLength())
                                : SequenceDecoder.beam(d, START, END, config.maxLength())));
                    }
                }
                return null;
            });
        }
        return out;
    }

    /** Fraction of examples whose generated text equals theirs (words compared after splitting at white space). */
    public double exactMatch(List<Example> examples, Decoding decoding) {
        List<float[]> features = new ArrayList<>();
        for (Example e : examples) {
            features.add(e.features());
        }
        List<String> out = generateAll(features, decoding);
        int right = 0;
        for (int i = 0; i < out.size(); i++) {
            if (tokenize(out.get(i)).equals(tokenize(examples.get(i).text()))) {
                right++;
            }
        }
        return (double) right / examples.size();
    }

    String text(int[] ids) {
        List<String> t = new ArrayList<>();
        for (int id : ids) {
            t.add(words.token(id));
        }
        return String.join(" ", t);
    }

    /** h0 ((L·B)×H, level blocks of B rows) = tanh of the projection of features (B×F); {@code projected} is B×(L·H). */
    void initialStates(Matrix features, Matrix projected, Matrix h0) {
        projection.forward(features, projected);
        kernels.tanh(projected, projected);
        int b = features.rows(), hid = config.hidden();
        for (int l = 0; l < config.layers(); l++) {
            h0.sliceRows(l * b, (l + 1) * b).copyFrom(projected.sliceCols(l * hid, (l + 1) * hid));
        }
    }

    /** Adds the projection's gradients for dh0 ((L·B)×H), given the last {@link #initialStates}' features and tanh output. */
    void initialStatesBackward(Matrix features, Matrix projected, Matrix dh0, Matrix dProjected) {
        int b = features.rows(), hid = config.hidden();
        for (int l = 0; l < config.layers(); l++) {
            dProjected.sliceCols(l * hid, (l + 1) * hid).copyFrom(dh0.sliceRows(l * b, (l + 1) * b));
        }
        kernels.tanhBackward(projected, dProjected, dProjected);
        projection.backward(features, dProjected, null);
    }

    @Override
    CaptionDecoder newRunner(int rows, int steps) {
        return new CaptionDecoder(this, rows);
    }
}
