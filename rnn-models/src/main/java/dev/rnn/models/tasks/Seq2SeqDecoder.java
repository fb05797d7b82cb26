package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.models.layers.AttentionLayer;
import dev.rnn.models.layers.MergeMode;
import dev.rnn.models.layers.StackedLayers;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decoding for a {@link Seq2SeqModel}, one target step at a time over R rows: R sources side by side
 * (greedy), or R hypotheses of one source (beam search). Holds the encoder run for up to
 * {@code maxSource} steps of R rows, a one-step decoder over R rows, their states and attention
 * buffers. Not thread-safe.
 */
final class Seq2SeqDecoder implements AutoCloseable {

    static final int GREEDY_BATCH = 64;

    private final Seq2SeqModel m;
    private final int rows;
    final int maxSource;
    private final Arena arena = Arena.ofShared();
    private final StackedLayers encoder;
    private final StackedLayers decoder;
    private final AttentionLayer attention;
    private final int dirs, width, layers, hidden, embedding;
    private final Matrix srcIn, encH, encC, h, c, ctx, decIn, headIn, logits, swapH, swapC, encOut;
    private int[] lengths;

    Seq2SeqDecoder(Seq2SeqModel model, int rows, int maxSource) {
        this.m = model;
        this.rows = rows;
        this.maxSource = maxSource;
        Seq2SeqModel.Config c0 = model.config;
        dirs = c0.bidirectional() ? 2 : 1;
        width = c0.width();
        layers = c0.layers();
        hidden = c0.hidden();
        embedding = c0.embedding();
        encoder = new StackedLayers(model.kernels, model.encoder.params(), MergeMode.CONCAT, 0, false, maxSource, rows, 0);
        decoder = new StackedLayers(model.kernels, model.decoder.params(), MergeMode.CONCAT, 0, false, 1, rows, 0);
        attention = model.attention == null ? null : new AttentionLayer(model.kernels, model.attention, rows, maxSource, 1);
        boolean lstm = c0.cell().hasCellState();
        srcIn = Matrix.allocate(arena, maxSource * rows, embedding);
        encOut = Matrix.allocate(arena, maxSource * rows, width);
        encH = Matrix.allocate(arena, layers * dirs * rows, hidden);
        encC = lstm ? Matrix.allocate(arena, layers * dirs * rows, hidden) : null;
        h = Matrix.allocate(arena, layers * rows, width);
        c = lstm ? Matrix.allocate(arena, layers * rows, width) : null;
        swapH = Matrix.allocate(arena, layers * rows, width);
        swapC = lstm ? Matrix.allocate(arena, layers * rows, width) : null;
        ctx = Matrix.allocate(arena, rows, width);
        decIn = Matrix.allocate(arena, rows, embedding + (c0.peeky() ? width : 0));
        headIn = Matrix.allocate(arena, rows, c0.peeky() ? 2 * width : width);
        logits = Matrix.allocate(arena, rows, model.target.size());
    }

    /** Encodes sources (at most R; missing rows repeat the last source) and sets the decoder's start state. */
    private void start(List<int[]> sources) {
        int steps = 1;
        for (int[] s : sources) {
            steps = Math.max(steps, s.length);
        }
        if (steps > maxSource) {
            throw new IllegalArgumentException("a source of " + steps + " tokens is longer than this decoder's " + maxSource);
        }
        int[] ids = new int[steps * rows];
        lengths = new int[rows];
        for (int r = 0; r < rows; r++) {
            int[] s = sources.get(Math.min(r, sources.size() - 1));
            lengths[r] = s.length;
            for (int t = 0; t < s.length; t++) {
                ids[t * rows + r] = s[t];
            }
        }
        Matrix x = srcIn.sliceRows(0, steps * rows);
        m.sourceEmbedding.forward(ids, x);
        Matrix out = encoder.forward(x, lengths, false);
        encOut.sliceRows(0, steps * rows).copyFrom(out);
        encoder.finalStates(encH, encC);
        Seq2SeqBridge.toDecoder(encH, h, layers, dirs, rows, hidden);
        if (c != null) {
            Seq2SeqBridge.toDecoder(encC, c, layers, dirs, rows, hidden);
        }
        ctx.copyFrom(h.sliceRows((layers - 1) * rows, layers * rows));
    }

    /** One decoder step for the given previous tokens (R); returns the logits, R×Vt. */
    private Matrix step(int[] tokens, int sourceSteps) {
        Matrix emb = decIn.sliceCols(0, embedding);
        m.targetEmbedding.forward(tokens, emb);
        if (m.config.peeky()) {
            decIn.sliceCols(embedding, embedding + width).copyFrom(ctx);
        }
        Matrix out = decoder.forward(decIn, h, c, null, false);
        decoder.finalStates(h, c);
        Matrix feature = attention == null ? out : attention.forward(encOut.sliceRows(0, sourceSteps * rows), lengths, out);
        headIn.sliceCols(0, width).copyFrom(feature);
        if (m.config.peeky()) {
            headIn.sliceCols(width, 2 * width).copyFrom(ctx);
        }
        m.head.forward(headIn, logits);
        return logits;
    }

    private int sourceSteps() {
        int s = 1;
        for (int len : lengths) {
            s = Math.max(s, len);
        }
        return s;
    }

    /**
     * Greedy outputs (without the end symbol) of up to R sources; with {@code attentionRows}, records
     * row 0's attention weights at every step.
     */
    List<int[]> greedy(List<int[]> sources, List<float[]> attentionRows) {
        start(sources);
        int n = sources.size(), steps = sourceSteps(), max = m.config.maxTargetLength();
        int[] tokens = new int[rows];
        Arrays.fill(tokens, Seq2SeqModel.START);
        List<List<Integer>> out = new ArrayList<>();
        boolean[] done = new boolean[n];
        for (int i = 0; i < n; i++) {
            out.add(new ArrayList<>());
        }
        int finished = 0;
        for (int t = 0; t < max + 1 && finished < n; t++) {
            Matrix lg = step(tokens, steps);
            if (attentionRows != null && attention != null) {
                attentionRows.add(attention.weights(0).toArray());
            }
            for (int r = 0; r < rows; r++) {
                int best = argmax(lg, r);
                tokens[r] = best;
                if (r < n && !done[r]) {
                    if (best == Seq2SeqModel.END || out.get(r).size() == max) {
                        done[r] = true;
                        finished++;
                    } else {
                        out.get(r).add(best);
                    }
                }
            }
        }
        List<int[]> result = new ArrayList<>();
        for (List<Integer> o : out) {
            result.add(o.stream().mapToInt(Integer::intValue).toArray());
        }
        return result;
    }

    private int argmax(Matrix lg, int r) {
        int best = 0;
        for (int v = 1; v < lg.cols(); v++) {
            if (lg.get(r, v) > lg.get(r, best)) {
                best = v;
            }
        }
        return best;
    }

    /**
     * Beam search of width R for one source: keeps the R best partial outputs by total log-probability;
     * an output ends at the end symbol (or at the length limit) and is ranked by its log-probability
     * divided by its length (end symbol included). Width 1 gives the greedy output.
     */
    int[] beam(int[] source) {
        start(List.of(source));
        int k = rows, steps = sourceSteps(), max = m.config.maxTargetLength(), v = m.target.size();
        double[] scores = new double[k];
        Arrays.fill(scores, Double.NEGATIVE_INFINITY);
        scores[0] = 0;
        List<List<Integer>> beams = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            beams.add(new ArrayList<>());
        }
        int[] tokens = new int[k];
        Arrays.fill(tokens, Seq2SeqModel.START);
        List<int[]> finishedSeqs = new ArrayList<>();
        List<Double> finishedScores = new ArrayList<>();
        double[] logp = new double[v];
        for (int t = 0; t <= max && finishedSeqs.size() < k; t++) {
            Matrix lg = step(tokens, steps);
            // candidates (score, beam, token), best first; ties go to the lower beam, then the lower token
            double[] candScore = new double[k * v];
            for (int b = 0; b < k; b++) {
                double mx = Double.NEGATIVE_INFINITY, z = 0;
                for (int j = 0; j < v; j++) {
                    mx = Math.max(mx, lg.get(b, j));
                }
                for (int j = 0; j < v; j++) {
                    z += Math.exp(lg.get(b, j) - mx);
                }
                double lz = Math.log(z) + mx;
                for (int j = 0; j < v; j++) {
                    logp[j] = lg.get(b, j) - lz;
                    candScore[b * v + j] = scores[b] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : scores[b] + logp[j];
                }
            }
            Integer[] order = new Integer[k * v];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(candScore[b], candScore[a]) != 0
                    ? Double.compare(candScore[b], candScore[a]) : Integer.compare(a, b));
            double[] nextScores = new double[k];
            Arrays.fill(nextScores, Double.NEGATIVE_INFINITY);
            int[] parent = new int[k], nextTokens = new int[k];
            List<List<Integer>> nextBeams = new ArrayList<>();
            int kept = 0;
            for (int i = 0; i < order.length && kept < k && finishedSeqs.size() < k; i++) {
                int idx = order[i], b = idx / v, tok = idx % v;
                double s = candScore[idx];
                if (s == Double.NEGATIVE_INFINITY) {
                    break;
                }
                if (tok == Seq2SeqModel.END || beams.get(b).size() == max) {
                    finishedSeqs.add(beams.get(b).stream().mapToInt(Integer::intValue).toArray());
                    finishedScores.add(s / (beams.get(b).size() + 1));
                    continue;
                }
                List<Integer> nb = new ArrayList<>(beams.get(b));
                nb.add(tok);
                nextBeams.add(nb);
                parent[kept] = b;
                nextTokens[kept] = tok;
                nextScores[kept] = s;
                kept++;
            }
            if (kept == 0) {
                break;
            }
            reorder(parent, kept);
            for (int i = kept; i < k; i++) {
                nextBeams.add(new ArrayList<>());
                nextTokens[i] = Seq2SeqModel.START;
            }
            beams = nextBeams;
            scores = nextScores;
            tokens = nextTokens;
        }
        if (finishedSeqs.isEmpty()) {
            return beams.get(0).stream().mapToInt(Integer::intValue).toArray();
        }
        int best = 0;
        for (int i = 1; i < finishedSeqs.size(); i++) {
            if (finishedScores.get(i) > finishedScores.get(best)) {
                best = i;
            }
        }
        return finishedSeqs.get(best);
    }

    /** Row i of every state block becomes the former row parent[i], for i < kept. */
    private void reorder(int[] parent, int kept) {
        swapH.copyFrom(h);
        if (c != null) {
            swapC.copyFrom(c);
        }
        for (int l = 0; l < layers; l++) {
            for (int i = 0; i < kept; i++) {
                h.row(l * rows + i).copyFrom(swapH.row(l * rows + parent[i]));
                if (c != null) {
                    c.row(l * rows + i).copyFrom(swapC.row(l * rows + parent[i]));
                }
            }
        }
    }

    @Override
    public void close() {
        encoder.close();
        decoder.close();
        if (attention != null) {
            attention.close();
        }
        arena.close();
    }
}
