package dev.rnn.models.tasks;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.layers.AttentionLayer;
import dev.rnn.models.layers.MergeMode;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.training.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a {@link Seq2SeqModel} with teacher forcing: the decoder reads {@code <s> y1 … yn} and
 * learns to emit {@code y1 … yn </s>}, masked past each target's length, over batches of sources
 * grouped by length. Validation: teacher-forced loss and greedy exact-match on the held-out pairs.
 *
 * <p>Scheduled sampling, when the teacher-forcing ratio is below 1, is the parallel form (Duckworth
 * et al., 2019): a first teacher-forced pass predicts every position; then each decoder input after
 * {@code <s>} is, with probability 1 − ratio, the model's own prediction for that position instead of
 * the true token, and the second pass trains on those inputs. The ratio is multiplied by
 * {@code decay} every epoch. At ratio 1 this is plain teacher forcing, exactly.
 *
 * <p>The data fingerprint hashes each pair's source, then its target.
 */
public final class Seq2SeqTraining extends TaskTraining implements AutoCloseable {

    private final Seq2SeqModel model;
    private final List<int[]> sources = new ArrayList<>(), targets = new ArrayList<>();
    private final List<TextPair> validation;
    private final List<int[]> validationSources = new ArrayList<>(), validationTargets = new ArrayList<>();
    private final double teacherForcing;
    private final double decay;
    private final Runner runner;
    private double ratio = 1;

    public Seq2SeqTraining(Seq2SeqModel model, List<TextPair> train, List<TextPair> validation, int batch, long seed,
                           double teacherForcing, double decay) {
        super(model, model.parameters(), "pairs", "pairs", train.size(), validation.size(), batch, seed,
                DataFingerprint.of(train, validation, (f, p) -> f.text(p.source()).text(p.target())));
        if (!(teacherForcing >= 0 && teacherForcing <= 1) || !(decay > 0 && decay <= 1)) {
            throw new IllegalArgumentException("teacher-forcing ratio must be in [0, 1] and its decay in (0, 1], found "
                    + teacherForcing + " and " + decay);
        }
        this.model = model;
        this.validation = List.copyOf(validation);
        this.teacherForcing = teacherForcing;
        this.decay = decay;
        int maxSource = 1, maxTarget = 1;
        for (TextPair p : train) {
            sources.add(model.encodeSource(p.source()));
            targets.add(model.encodeTarget(p.target()));
        }
        for (TextPair p : validation) {
            validationSources.add(model.encodeSource(p.source()));
            validationTargets.add(model.encodeTarget(p.target()));
        }
        for (List<int[]> l : List.of(sources, validationSources)) {
            for (int[] s : l) {
                maxSource = Math.max(maxSource, s.length);
            }
        }
        for (List<int[]> l : List.of(targets, validationTargets)) {
            for (int[] t : l) {
                maxTarget = Math.max(maxTarget, t.length);
            }
        }
        if (maxTarget - 1 > model.config().maxTargetLength()) {
            throw new IllegalArgumentException("a target of " + (maxTarget - 1) + " tokens is longer than the model's limit of "
                    + model.config().maxTargetLength());
        }
        int[] lengths = new int[sources.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = sources.get(i).length;
        }
        batchByLength(lengths);
        this.runner = new Runner(batch, maxSource, maxTarget);
    }

    @Override
    void epochStarted(int epoch) {
        ratio = teacherForcing * Math.pow(decay, epoch);
    }

    /** The teacher-forcing ratio of the current epoch. */
    public double teacherForcingRatio() {
        return ratio;
    }

    @Override
    public BatchLoss trainBatch(int index, long step) {
        int[] members = members(index);
        List<int[]> src = new ArrayList<>(), tgt = new ArrayList<>();
        long tokens = 0;
        for (int i : members) {
            src.add(sources.get(i));
            tgt.add(targets.get(i));
            tokens += targets.get(i).length;
        }
        runner.layout(src, tgt);
        if (ratio < 1) {
            runner.forward(false);
            runner.mixPredictions(1 - ratio, new SplittableRandom(stepSeed(TrainingSeeds.DROPOUT, step)));
        }
        runner.reseed(stepSeed(TrainingSeeds.SECOND, step));
        double loss = runner.forward(true);
        return new BatchLoss(loss, members.length);
    }

    /** Mean loss of batch {@code index} of the current epoch under teacher forcing, adding gradients with {@code backward} (tests). */
    double batchLoss(int index, boolean backward) {
        List<int[]> src = new ArrayList<>(), tgt = new ArrayList<>();
        for (int i : members(index)) {
            src.add(sources.get(i));
            tgt.add(targets.get(i));
        }
        runner.layout(src, tgt);
        return runner.forward(backward);
    }

    @Override
    public Evaluation evaluate() {
        Tally t = validateInBatches(validationSources.size(), (from, to, tally) -> {
            List<int[]> tgt = validationTargets.subList(from, to);
            runner.layout(validationSources.subList(from, to), tgt);
            long n = 0;
            for (int[] target : tgt) {
                n += target.length;
            }
            tally.add(runner.forward(false), n, 0);
        });
        return new Evaluation(t.meanLoss(), model.exactMatch(validation, 1));
    }

    @Override
    void putTrainingMetadata(Map<String, String> metadata) {
        metadata.put("training.teacherForcing", teacherForcing + "×" + decay);
    }

    @Override
    public void close() {
        runner.close();
    }

    /** Teacher-forced forward and backward over B pairs. */
    private final class Runner implements AutoCloseable {
        private final int b;
        private final int maxSource, maxTarget;
        private final Arena arena = Arena.ofShared();
        private final Kernels k = model.kernels;
        private final StackedLayers encoder, decoder;
        private final AttentionLayer attention;
        private final int dirs, width, layers, hidden, embedding;
        private final boolean peeky;
        private final Matrix srcIn, encH, encC, h0, c0, ctx, decIn, headIn, logits, dLogits, dHeadIn, dFeature, dDecOut, dDecIn,
                dEncOut, dSrcIn, dh0, dc0, dEncH, dEncC, dCtx;
        private final SoftmaxCrossEntropy loss;
        private int[] srcIds, decIds, targetIds, srcLengths, tgtLengths;
        private int ts, tt;

        Runner(int b, int maxSource, int maxTarget) {
            this.b = b;
            this.maxSource = maxSource;
            this.maxTarget = maxTarget;
            Seq2SeqModel.Config c = model.config();
            dirs = c.bidirectional() ? 2 : 1;
            width = c.width();
            layers = c.layers();
            hidden = c.hidden();
            embedding = c.embedding();
            peeky = c.peeky();
            encoder = new StackedLayers(k, model.encoder.params(), MergeMode.CONCAT, c.dropout(), false, maxSource, b, seed);
            decoder = new StackedLayers(k, model.decoder.params(), MergeMode.CONCAT, c.dropout(), false, maxTarget, b, seed + 1);
            attention = model.attention == null ? null : new AttentionLayer(k, model.attention, b, maxSource, maxTarget);
            boolean lstm = c.cell().hasCellState();
            int sRows = maxSource * b, tRows = maxTarget * b, decWidth = embedding + (peeky ? width : 0), headWidth = peeky ? 2 * width : width;
            srcIn = Matrix.allocate(arena, sRows, embedding);
            dSrcIn = Matrix.allocate(arena, sRows, embedding);
            dEncOut = Matrix.allocate(arena, sRows, width);
            encH = Matrix.allocate(arena, layers * dirs * b, hidden);
            encC = lstm ? Matrix.allocate(arena, layers * dirs * b, hidden) : null;
            dEncH = Matrix.allocate(arena, layers * dirs * b, hidden);
            dEncC = lstm ? Matrix.allocate(arena, layers * dirs * b, hidden) : null;
            h0 = Matrix.allocate(arena, layers * b, width);
            c0 = lstm ? Matrix.allocate(arena, layers * b, width) : null;
            dh0 = Matrix.allocate(arena, layers * b, width);
            dc0 = lstm ? Matrix.allocate(arena, layers * b, width) : null;
            ctx = Matrix.allocate(arena, b, width);
            dCtx = Matrix.allocate(arena, b, width);
            decIn = Matrix.allocate(arena, tRows, decWidth);
            dDecIn = Matrix.allocate(arena, tRows, decWidth);
            headIn = Matrix.allocate(arena, tRows, headWidth);
            dHeadIn = Matrix.allocate(arena, tRows, headWidth);
            dFeature = Matrix.allocate(arena, tRows, width);
            dDecOut = Matrix.allocate(arena, tRows, width);
            logits = Matrix.allocate(arena, tRows, model.target.size());
            dLogits = Matrix.allocate(arena, tRows, model.target.size());
            loss = new SoftmaxCrossEntropy(k, tRows);
        }

        void reseed(long s) {
            encoder.reseed(s);
            decoder.reseed(~s);
        }

        /** Lays out up to B pairs time-major; absent slots get a one-token source and no targets. */
        void layout(List<int[]> src, List<int[]> tgt) {
            ts = 1;
            tt = 1;
            for (int i = 0; i < src.size(); i++) {
                ts = Math.max(ts, src.get(i).length);
                tt = Math.max(tt, tgt.get(i).length);
            }
            srcIds = new int[ts * b];
            decIds = new int[tt * b];
            targetIds = new int[tt * b];
            Arrays.fill(targetIds, -1);
            srcLengths = new int[b];
            tgtLengths = new int[b];
            for (int r = 0; r < b; r++) {
                if (r >= src.size()) {
                    srcLengths[r] = 1;
                    tgtLengths[r] = 1;
                    decIds[r] = Seq2SeqModel.START;
                    continue;
                }
                int[] s = src.get(r), t = tgt.get(r);
                srcLengths[r] = s.length;
                tgtLengths[r] = t.length;
                for (int j = 0; j < s.length; j++) {
                    srcIds[j * b + r] = s[j];
                }
                for (int j = 0; j < t.length; j++) {
                    decIds[j * b + r] = j == 0 ? Seq2SeqModel.START : t[j - 1];
                    targetIds[j * b + r] = t[j];
                }
            }
        }

        /** Replaces each decoder input after the first, with probability p, by the last forward's prediction for it. */
        void mixPredictions(double p, SplittableRandom random) {
            for (int j = 1; j < tt; j++) {
                for (int r = 0; r < b; r++) {
                    int prev = (j - 1) * b + r;
                    if (targetIds[prev] >= 0 && random.nextDouble() < p) {
                        int best = 0;
                        for (int v = 1; v < logits.cols(); v++) {
                            if (logits.get(prev, v) > logits.get(prev, best)) {
                                best = v;
                            }
                        }
                        decIds[j * b + r] = best;
                    }
                }
            }
        }

        /** Mean loss over the target tokens; with {@code backward}, adds every gradient (training: dropout on). */
        double forward(boolean backward) {
            int sRows = ts * b, tRows = tt * b;
            Matrix x = srcIn.sliceRows(0, sRows);
            model.sourceEmbedding.forward(srcIds, x);
            Matrix encOut = encoder.forward(x, srcLengths, backward);
            encoder.finalStates(encH, encC);
            Seq2SeqBridge.toDecoder(encH, h0, layers, dirs, b, hidden);
            if (c0 != null) {
                Seq2SeqBridge.toDecoder(encC, c0, layers, dirs, b, hidden);
            }
            ctx.copyFrom(h0.sliceRows((layers - 1) * b, layers * b));
            Matrix in = decIn.sliceRows(0, tRows);
            model.targetEmbedding.forward(decIds, in.sliceCols(0, embedding));
            if (peeky) {
                Seq2SeqBridge.joinPerStep(in.sliceCols(0, embedding), ctx, in, b);
            }
            Matrix decOut = decoder.forward(in, h0, c0, tgtLengths, backward);
            Matrix feature = attention == null ? decOut : attention.forward(encOut, srcLengths, decOut);
            Matrix hin = headIn.sliceRows(0, tRows);
            if (peeky) {
                Seq2SeqBridge.joinPerStep(feature, ctx, hin, b);
            } else {
                hin.copyFrom(feature);
            }
            Matrix lg = logits.sliceRows(0, tRows);
            model.head.forward(hin, lg);
            if (!backward) {
                return loss.loss(lg, targetIds);
            }
            Matrix dl = dLogits.sliceRows(0, tRows), dh = dHeadIn.sliceRows(0, tRows);
            double mean = loss.lossAndGradient(lg, targetIds, dl);
            model.head.backward(hin, dl, dh);
            dCtx.fill(0f);
            if (peeky) {
                Seq2SeqBridge.sumPerSequence(dh, width, 2 * width, dCtx, b, k);
            }
            Matrix dDec = dDecOut.sliceRows(0, tRows), dEnc = dEncOut.sliceRows(0, sRows);
            dEnc.fill(0f);
            if (attention == null) {
                dDec.copyFrom(dh.sliceCols(0, width));
            } else {
                Matrix dF = dFeature.sliceRows(0, tRows);
                dF.copyFrom(dh.sliceCols(0, width));
                attention.backward(dF, dDec, dEnc);
            }
            Matrix dIn = dDecIn.sliceRows(0, tRows);
            decoder.backward(dDec, null, null, model.decoder.grads(), dIn);
            decoder.initialStateGradients(dh0, dc0);
            model.targetEmbedding.backward(decIds, dIn.sliceCols(0, embedding));
            if (peeky) {
                Seq2SeqBridge.sumPerSequence(dIn, embedding, embedding + width, dCtx, b, k);
            }
            Matrix top = dh0.sliceRows((layers - 1) * b, layers * b);
            k.add(top, dCtx, top);
            Seq2SeqBridge.toEncoder(dh0, dEncH, layers, dirs, b, hidden);
            if (dc0 != null) {
                Seq2SeqBridge.toEncoder(dc0, dEncC, layers, dirs, b, hidden);
            }
            Matrix dx = dSrcIn.sliceRows(0, sRows);
            encoder.backward(dEnc, dEncH, dEncC, model.encoder.grads(), dx);
            model.sourceEmbedding.backward(srcIds, dx);
            return mean;
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
}
