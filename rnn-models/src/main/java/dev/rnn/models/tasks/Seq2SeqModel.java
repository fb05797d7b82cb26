package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Decoding;
import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.layers.AttentionLayer;
import dev.rnn.models.layers.DenseLayer;
import dev.rnn.models.layers.Embedding;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.models.training.Initializers;
import dev.rnn.models.training.ParameterSet;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An encoder-decoder (many-to-many with unequal lengths), as in the seeds' translation model.
 *
 * <p>Encoder: source embedding (Vs×E) → L recurrent levels of H units, one- or bidirectional, whose
 * outputs are D = H or 2·H wide. Decoder: target embedding (Vt×E), plus in the "peeky" variant the
 * context vector (the encoder's top-level final state) at every step → L levels of D units, level l
 * starting from encoder level l's final state (both directions side by side) → optionally Luong
 * attention over the encoder outputs ({@link AttentionLayer}) → linear layer (plus the context again
 * when peeky) → softmax over the target vocabulary. Sources may be reversed before encoding. Tokens
 * are characters or whitespace-separated words; both vocabularies start with {@code <pad> <unk> <s> </s>}.
 *
 * <p>Trained with teacher forcing ({@link Seq2SeqTraining}); decoded greedily or with beam search
 * ({@link Seq2SeqDecoder}), up to {@code maxTargetLength} tokens or the end symbol.
 *
 * <p>Thread safety: inference ({@link #translate}, {@link #translateAll},
 * {@link #translateWithAttention}, {@link #exactMatch}) may run on any number of threads at once on
 * one model; each call borrows layers and buffers of its own, and a call of n inputs runs at batch n
 * (up to the model's batch size), never padded. Training changes the weights and must not run beside
 * it.
 *
 * <pre>{@code
 * try (Seq2SeqModel m = Seq2SeqModel.load(Kernels.preferred(), Path.of("dates.safetensors"))) {
 *     String iso = m.translate("March 3rd, 2021", 1);     // "2021-03-03"; beam width 1 is greedy
 * }
 * }</pre>
 */
public final class Seq2SeqModel extends PooledTaskModel<Seq2SeqModel.Config, Seq2SeqDecoder> implements TaskModel {

    public static final String TASK = "seq2seq";

    public static final List<String> SPECIALS = List.of("<pad>", "<unk>", "<s>", "</s>");
    static final int PAD = 0, UNKNOWN = 1, START = 2, END = 3;

    /** How the decoder looks at the encoder outputs. */
    public enum Attention { NONE, DOT, ADDITIVE }

    /** What a token is. */
    public enum Tokens { CHARS, WORDS }

    /** Architecture and decoding limit. */
    public record Config(CellKind cell, int embedding, int hidden, int layers, boolean bidirectional, Attention attention,
                         boolean peeky, boolean reverseSource, Tokens tokens, double dropout, int maxTargetLength) {
        public Config {
            if (embedding < 1 || hidden < 1 || layers < 1 || maxTargetLength < 1) {
                throw new IllegalArgumentException("embedding, hidden, layers and maximum length must be ≥ 1, found " + embedding + ", "
                        + hidden + ", " + layers + " and " + maxTargetLength);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), found " + dropout);
            }
        }

        /** D: the encoder's output width, which is also the decoder's hidden size. */
        public int width() {
            return bidirectional ? 2 * hidden : hidden;
        }
    }

    final Vocabulary source;
    final Vocabulary target;
    final Embedding sourceEmbedding;
    final Embedding targetEmbedding;
    final RecurrentStack encoder;
    final RecurrentStack decoder;
    final AttentionLayer.Parameters attention;
    final DenseLayer head;
    private PretrainedEmbeddings.Report pretrained;

    private Seq2SeqModel(Kernels kernels, Config config, Vocabulary source, Vocabulary target, Arena arena, ParameterSet parameters) {
        for (Vocabulary v : List.of(source, target)) {
            if (v.size() <= SPECIALS.size() || !v.tokens().subList(0, SPECIALS.size()).equals(SPECIALS)) {
                throw new IllegalArgumentException("a seq2seq vocabulary must start with " + SPECIALS + " and hold at least one token more");
            }
        }
        super(TASK, kernels, config, arena, parameters);
        this.source = source;
        this.target = target;
        int d = config.width();
        sourceEmbedding = new Embedding(parameters, "source_embedding.weight", source.size(), config.embedding());
        targetEmbedding = new Embedding(parameters, "target_embedding.weight", target.size(), config.embedding());
        encoder = RecurrentStack.of(parameters, "encoder.", config.cell(), config.embedding(), config.hidden(), config.layers(),
                config.bidirectional());
        decoder = RecurrentStack.of(parameters, "decoder.", config.cell(), config.embedding() + (config.peeky() ? d : 0), d,
                config.layers(), false);
        attention = config.attention() == Attention.NONE ? null : new AttentionLayer.Parameters(kernels, parameters, "attention.",
                config.attention() == Attention.DOT ? AttentionLayer.Score.DOT : AttentionLayer.Score.ADDITIVE, d);
        head = new DenseLayer(kernels, parameters, "head.", config.peeky() ? 2 * d : d, target.size(), true);
    }

    /** A new model whose vocabularies come from {@code pairs}; weights are seeded. */
    public static Seq2SeqModel create(Kernels kernels, Config config, List<TextPair> pairs, long seed) {
        return create(kernels, config, pairs, seed, null);
    }

    /**
     * As {@link #create(Kernels, Config, List, long)}, with the source and target word vectors started
     * from {@code pretrained} (null for none; word tokens only). The vocabularies stay those of the
     * pairs: a larger target vocabulary would only widen the output layer.
     */
    public static Seq2SeqModel create(Kernels kernels, Config config, List<TextPair> pairs, long seed, PretrainedEmbeddings pretrained) {
        if (pretrained != null && config.tokens() != Tokens.WORDS) {
            throw new IllegalArgumentException("pretrained word vectors need word tokens (--tokens words)");
        }
        List<String> src = new ArrayList<>(), tgt = new ArrayList<>();
        for (TextPair p : pairs) {
            src.addAll(tokenize(config.tokens(), p.source()));
            tgt.addAll(tokenize(config.tokens(), p.target()));
        }
        Vocabulary source = Vocabulary.build(SPECIALS, src, 1), target = Vocabulary.build(SPECIALS, tgt, 1);
        Seq2SeqModel m = ModelMetadata.allocate((arena, params) -> new Seq2SeqModel(kernels, config, source, target, arena, params));
        Initializers init = new Initializers(seed);
        init.uniform(m.sourceEmbedding.table(), 0.5);
        init.uniform(m.targetEmbedding.table(), 0.5);
        m.encoder.initialise(init);
        m.decoder.initialise(init);
        if (m.attention != null) {
            for (Matrix w : m.attention.values()) {
                if (w.rows() > 1) {
                    init.xavierUniform(w);
                } else if (m.attention.score() == AttentionLayer.Score.ADDITIVE && w == m.attention.values().get(4)) {
                    init.uniform(w, 1 / Math.sqrt(w.cols()));
                }
            }
        }
        init.xavierUniform(m.head.weight());
        if (pretrained != null) {
            PretrainedEmbeddings.Report a = pretrained.apply(m.source, SPECIALS.size(), m.sourceEmbedding.table(), 0);
            PretrainedEmbeddings.Report b = pretrained.apply(m.target, SPECIALS.size(), m.targetEmbedding.table(), 0);
            m.pretrained = new PretrainedEmbeddings.Report(a.found() + b.found(), a.missing() + b.missing(), 0);
            if (pretrained.freeze()) {
                m.parameters.freeze("source_embedding.weight").freeze("target_embedding.weight");
            }
        }
        return m;
    }

    /** The model saved in {@code file}, trainable. */
    public static Seq2SeqModel load(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, false);
    }

    /**
     * The model saved in {@code file}, for inference only: no gradients, F32 tensors used in place from
     * the file's mapping. Training it is an {@link IllegalStateException}.
     */
    public static Seq2SeqModel open(Kernels kernels, Path file) throws SafetensorsException {
        return read(kernels, file, true);
    }

    private static Seq2SeqModel read(Kernels kernels, Path file, boolean inference) throws SafetensorsException {
        return ModelMetadata.load(file, TASK, inference, (m, arena, params) -> fromMetadata(kernels, m, arena, params));
    }

    /** The model its file's metadata describes, after checking the tensors' shapes against it. */
    private static Seq2SeqModel fromMetadata(Kernels kernels, ModelMetadata m, Arena arena, ParameterSet params)
            throws SafetensorsException {
        Config config = new Config(m.cell("cell"), m.integer("embedding", 1), m.integer("hidden", 1), m.integer("layers", 1),
                m.flag("bidirectional"), Attention.valueOf(m.string("attention").toUpperCase(Locale.ROOT)), m.flag("peeky"),
                m.flag("reverseSource"), Tokens.valueOf(m.string("tokens").toUpperCase(Locale.ROOT)), m.decimal("dropout"),
                m.integer("maxTargetLength", 1));
        Vocabulary src = m.vocabulary("source"), tgt = m.vocabulary("target");
        long g = config.cell().gates();
        m.requireTensor("source_embedding.weight", src.size(), config.embedding());
        m.requireTensor("target_embedding.weight", tgt.size(), config.embedding());
        m.requireTensor("encoder.weight_hh_l" + (config.layers() - 1), g * config.hidden(), config.hidden());
        m.requireTensor("decoder.weight_hh_l" + (config.layers() - 1), g * config.width(), config.width());
        return new Seq2SeqModel(kernels, config, src, tgt, arena, params);
    }

    /** What starting from pretrained vectors did (source and target vocabularies together), or null when the model did not. */
    public PretrainedEmbeddings.Report pretrainedReport() {
        return pretrained;
    }

    public Vocabulary sourceVocabulary() {
        return source;
    }

    public Vocabulary targetVocabulary() {
        return target;
    }

    @Override
    public Map<String, String> metadata() {
        Map<String, String> m = taskMetadata();
        m.put("cell", CellNames.name(config.cell()));
        m.put("embedding", Integer.toString(config.embedding()));
        m.put("hidden", Integer.toString(config.hidden()));
        m.put("layers", Integer.toString(config.layers()));
        m.put("bidirectional", Boolean.toString(config.bidirectional()));
        m.put("attention", config.attention().name().toLowerCase(Locale.ROOT));
        m.put("peeky", Boolean.toString(config.peeky()));
        m.put("reverseSource", Boolean.toString(config.reverseSource()));
        m.put("tokens", config.tokens().name().toLowerCase(Locale.ROOT));
        m.put("dropout", Double.toString(config.dropout()));
        m.put("maxTargetLength", Integer.toString(config.maxTargetLength()));
        m.put("source", source.toJson());
        m.put("target", target.toJson());
        return m;
    }

    /** The tokens of {@code text}: its characters, or its whitespace-separated words. */
    public static List<String> tokenize(Tokens tokens, String text) {
        List<String> out = new ArrayList<>();
        if (tokens == Tokens.CHARS) {
            text.codePoints().forEach(cp -> out.add(Character.toString(cp)));
        } else {
            for (String w : text.strip().split("\\s+")) {
                if (!w.isEmpty()) {
                    out.add(w);
                }
            }
        }
        return out;
    }

    /** Tokens joined back into text. */
    String detokenize(List<String> tokens) {
        return String.join(config.tokens() == Tokens.CHARS ? "" : " ", tokens);
    }

    /** Source ids as the encoder reads them (reversed when configured); unknown tokens map to {@code <unk>}. */
    int[] encodeSource(String text) {
        List<String> t = tokenize(config.tokens(), text.strip());
        if (t.isEmpty()) {
            throw new IllegalArgumentException("the source text is empty");
        }
        int[] ids = new int[t.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[config.reverseSource() ? ids.length - 1 - i : i] = source.id(t.get(i), UNKNOWN);
        }
        return ids;
    }

    /** Target ids followed by the end symbol. */
    int[] encodeTarget(String text) {
        List<String> t = tokenize(config.tokens(), text.strip());
        int[] ids = new int[t.size() + 1];
        for (int i = 0; i < t.size(); i++) {
            ids[i] = target.id(t.get(i), UNKNOWN);
        }
        ids[t.size()] = END;
        return ids;
    }

    /** The translation of {@code text}: greedy with beam width 1, else beam search of that width. */
    public String translate(String text, int beam) {
        return translateAll(List.of(text), beam).get(0);
    }

    /** Translations of several texts (greedy ones in batches): greedy with beam width 1, else beam search of that width. */
    public List<String> translateAll(List<String> texts, int beam) {
        return translateAll(texts, Decoding.beam(beam));
    }

    /** Translations of several texts, decoded as {@code decoding} says (greedy ones in batches; each sample seeded by the decoding's seed). */
    public List<String> translateAll(List<String> texts, Decoding decoding) {
        runners.checkOpen();
        List<int[]> sources = new ArrayList<>();
        for (String t : texts) {
            sources.add(encodeSource(t));
        }
        List<String> out = new ArrayList<>();
        boolean greedy = !decoding.sampling() && decoding.beam() == 1;
        Sampler sampler = decoding.sampling() ? decoding.sampler() : null;
        // greedy decoding runs sources side by side, as many rows as sources (a padding row costs as much
        // as a source); beam search and sampling run one source at a time over the beam's rows
        int part = greedy ? Seq2SeqDecoder.GREEDY_BATCH : Math.max(1, sources.size());
        for (int from = 0; from < sources.size(); from += part) {
            List<int[]> some = sources.subList(from, Math.min(sources.size(), from + part));
            withRunner(greedy ? some.size() : decoding.beam(), maxLength(some), d -> {
                if (greedy) {
                    for (int[] ids : d.greedy(some, null)) {
                        out.add(text(ids));
                    }
                } else {
                    for (int[] s : some) {
                        out.add(text(sampler != null ? d.sample(s, sampler) : d.beam(s)));
                    }
                }
                return null;
            });
        }
        return out;
    }

    private static int maxLength(List<int[]> sources) {
        int n = 1;
        for (int[] s : sources) {
            n = Math.max(n, s.length);
        }
        return n;
    }

    String text(int[] ids) {
        List<String> t = new ArrayList<>();
        for (int id : ids) {
            t.add(target.token(id));
        }
        return detokenize(t);
    }

    /** A greedy translation with the attention weights of each output step (rows) over the source tokens (columns). */
    public record Attended(List<String> sourceTokens, List<String> outputTokens, float[][] weights) {
    }

    /** Translates {@code text} greedily, recording attention (the model must have attention). */
    public Attended translateWithAttention(String text) {
        runners.checkOpen();
        if (attention == null) {
            throw new IllegalStateException("this model has no attention to show");
        }
        int[] ids = encodeSource(text);
        List<float[]> rows = new ArrayList<>();
        int[] out = withRunner(1, ids.length, d -> d.greedy(List.of(ids), rows).get(0));
        List<String> src = tokenize(config.tokens(), text.strip());
        float[][] w = new float[rows.size()][];
        for (int t = 0; t < rows.size(); t++) {
            float[] r = rows.get(t);
            if (config.reverseSource()) {                  // show columns in reading order
                float[] flipped = new float[r.length];
                for (int j = 0; j < r.length; j++) {
                    flipped[j] = r[r.length - 1 - j];
                }
                r = flipped;
            }
            w[t] = r;
        }
        List<String> outTokens = new ArrayList<>();
        for (int id : out) {
            outTokens.add(target.token(id));
        }
        outTokens.add(SPECIALS.get(END));
        return new Attended(src, outTokens.subList(0, Math.min(outTokens.size(), w.length)), w);
    }

    /** Fraction of pairs whose translation equals the target exactly (after stripping spaces at both ends). */
    public double exactMatch(List<TextPair> pairs, int beam) {
        List<String> sources = new ArrayList<>();
        for (TextPair p : pairs) {
            sources.add(p.source());
        }
        List<String> got = translateAll(sources, beam);
        int right = 0;
        for (int i = 0; i < pairs.size(); i++) {
            if (got.get(i).strip().equals(detokenize(tokenize(config.tokens(), pairs.get(i).target().strip())))) {
                right++;
            }
        }
        return (double) right / pairs.size();
    }

    // source steps rounded up to a multiple of 64 so that sources of nearby lengths share decoders
    @Override
    Seq2SeqDecoder newRunner(int rows, int steps) {
        return new Seq2SeqDecoder(this, rows, (steps + 63) / 64 * 64);
    }
}
