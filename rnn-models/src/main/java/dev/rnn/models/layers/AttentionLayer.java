package dev.rnn.models.layers;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * Attention of decoder states over encoder outputs, Luong style (applied to the decoder's output,
 * after the recurrent step): for decoder state d_t and encoder outputs e_j of the same sequence,
 * scores s_tj are d_t·e_j ({@link Score#DOT}) or vᵀ·tanh(W_e·e_j + W_d·d_t) ({@link Score#ADDITIVE},
 * Bahdanau's form); weights a_t = softmax over the sequence's valid source positions only; context
 * c_t = Σ_j a_tj·e_j; output h̃_t = tanh(W_c·[d_t; c_t] + b_c).
 *
 * <p>Layouts are time-major: encoder outputs (Ts·B)×D with row j·B + b, decoder states and outputs
 * (Tt·B)×D with row t·B + b; decoder and encoder widths are both D. Weights of the last forward are
 * kept for backward and for display ({@link #weights}). The parameters live in a {@link Parameters}
 * that several layers (training, decoding) share; each layer's buffers, for up to maxSource × maxTarget
 * steps of B sequences, are allocated once. Not thread-safe.
 */
public final class AttentionLayer implements AutoCloseable {

    /** How a decoder state scores an encoder output. */
    public enum Score { DOT, ADDITIVE }

    /**
     * The learned part, shared by every attention layer that runs it: W_c (D×2D) and b_c, and for
     * additive scores W_e, W_d (D×D) and v (1×D), each with its gradient.
     */
    public static final class Parameters {
        private final Score score;
        private final int width;
        private final DenseLayer combine;
        private final Matrix encoderWeight, decoderWeight, v, encoderWeightGrad, decoderWeightGrad, vGrad;

        public Parameters(Kernels kernels, Arena arena, Score score, int width) {
            if (width < 1) {
                throw new IllegalArgumentException("attention width must be ≥ 1, found " + width);
            }
            this.score = score;
            this.width = width;
            combine = new DenseLayer(kernels, arena, 2 * width, width, true);
            boolean additive = score == Score.ADDITIVE;
            encoderWeight = additive ? Matrix.allocate(arena, width, width) : null;
            decoderWeight = additive ? Matrix.allocate(arena, width, width) : null;
            v = additive ? Matrix.allocate(arena, 1, width) : null;
            encoderWeightGrad = additive ? Matrix.allocate(arena, width, width) : null;
            decoderWeightGrad = additive ? Matrix.allocate(arena, width, width) : null;
            vGrad = additive ? Matrix.allocate(arena, 1, width) : null;
        }

        /** The parameters named {@link #names(String) names(prefix)} from {@code source}, with gradients if it has them. */
        public Parameters(Kernels kernels, TensorSource source, String prefix, Score score, int width) {
            if (width < 1) {
                throw new IllegalArgumentException("attention width must be ≥ 1, found " + width);
            }
            this.score = score;
            this.width = width;
            combine = new DenseLayer(kernels, source, prefix + "combine.", 2 * width, width, true);
            boolean additive = score == Score.ADDITIVE;
            encoderWeight = additive ? source.tensor(prefix + "encoder.weight", width, width, false) : null;
            decoderWeight = additive ? source.tensor(prefix + "decoder.weight", width, width, false) : null;
            v = additive ? source.tensor(prefix + "v", 1, width, true) : null;
            encoderWeightGrad = additive ? source.gradient(prefix + "encoder.weight") : null;
            decoderWeightGrad = additive ? source.gradient(prefix + "decoder.weight") : null;
            vGrad = additive ? source.gradient(prefix + "v") : null;
        }

        public Score score() {
            return score;
        }

        /** Names (PyTorch-style, after {@code prefix}) of {@link #values()}. */
        public List<String> names(String prefix) {
            return score == Score.ADDITIVE
                    ? List.of(prefix + "combine.weight", prefix + "combine.bias", prefix + "encoder.weight", prefix + "decoder.weight", prefix + "v")
                    : List.of(prefix + "combine.weight", prefix + "combine.bias");
        }

        /** W_c and b_c, then W_e, W_d and v for additive scores. */
        public List<Matrix> values() {
            return score == Score.ADDITIVE
                    ? List.of(combine.weight(), combine.bias(), encoderWeight, decoderWeight, v)
                    : List.of(combine.weight(), combine.bias());
        }

        /** Their gradients, in the same order; backward adds into them. */
        public List<Matrix> gradients() {
            List<Matrix> g = combine.gradients();
            return score == Score.ADDITIVE ? List.of(g.get(0), g.get(1), encoderWeightGrad, decoderWeightGrad, vGrad) : g;
        }
    }

    private final Kernels kernels;
    private final Score score;
    private final int width;
    private final int batch;
    private final int maxSource;
    private final int maxTarget;
    private final Arena arena = Arena.ofShared();
    private final DenseLayer combine;
    private final Matrix encoderWeight, decoderWeight, v;
    private final Matrix encoderWeightGrad, decoderWeightGrad, vGrad;
    private final Matrix joined;      // (Tt·B)×2D: [d_t; c_t]
    private final Matrix output;      // (Tt·B)×D
    private final Matrix weights;     // (B·Tt)×Ts: row b·Tt + t holds a_t of sequence b
    private final Matrix dJoined, dWeights, dScores;
    private final Matrix projectedEncoder, projectedDecoder, dProjectedEncoder, dProjectedDecoder;   // additive only
    private Matrix lastEncoder, lastDecoder;
    private int[] lastLengths;
    private int lastTarget;

    /** Buffers for {@code batch} sequences of up to maxSource and maxTarget steps, running {@code params}. */
    public AttentionLayer(Kernels kernels, Parameters params, int batch, int maxSource, int maxTarget) {
        if (batch < 1 || maxSource < 1 || maxTarget < 1) {
            throw new IllegalArgumentException("attention sizes must be ≥ 1, found batch " + batch + ", steps " + maxSource + "/" + maxTarget);
        }
        this.kernels = kernels;
        this.score = params.score;
        this.width = params.width;
        this.batch = batch;
        this.maxSource = maxSource;
        this.maxTarget = maxTarget;
        this.combine = params.combine;
        this.encoderWeight = params.encoderWeight;
        this.decoderWeight = params.decoderWeight;
        this.v = params.v;
        this.encoderWeightGrad = params.encoderWeightGrad;
        this.decoderWeightGrad = params.decoderWeightGrad;
        this.vGrad = params.vGrad;
        boolean additive = score == Score.ADDITIVE;
        int rows = maxTarget * batch;
        joined = Matrix.allocate(arena, rows, 2 * width);
        output = Matrix.allocate(arena, rows, width);
        weights = Matrix.allocate(arena, batch * maxTarget, maxSource);
        dJoined = Matrix.allocate(arena, rows, 2 * width);
        dWeights = Matrix.allocate(arena, maxTarget, maxSource);
        dScores = Matrix.allocate(arena, maxTarget, maxSource);
        projectedEncoder = additive ? Matrix.allocate(arena, maxSource * batch, width) : null;
        projectedDecoder = additive ? Matrix.allocate(arena, rows, width) : null;
        dProjectedEncoder = additive ? Matrix.allocate(arena, maxSource * batch, width) : null;
        dProjectedDecoder = additive ? Matrix.allocate(arena, rows, width) : null;
    }

    /**
     * h̃ ((Tt·B)×D) for decoder states {@code decoder} ((Tt·B)×D) over {@code encoder} ((Ts·B)×D)
     * with source lengths {@code sourceLengths} (B values in 1..Ts). Valid until the next call.
     */
    public Matrix forward(Matrix encoder, int[] sourceLengths, Matrix decoder) {
        int ts = encoder.rows() / batch, tt = decoder.rows() / batch;
        if (encoder.rows() % batch != 0 || ts > maxSource || decoder.rows() % batch != 0 || tt > maxTarget || tt < 1
                || encoder.cols() != width || decoder.cols() != width || sourceLengths.length != batch) {
            throw new IllegalArgumentException("attention for " + batch + " sequences of width " + width + " up to " + maxSource
                    + "/" + maxTarget + " steps cannot take encoder " + encoder.shape() + ", decoder " + decoder.shape()
                    + " and " + sourceLengths.length + " lengths");
        }
        for (int len : sourceLengths) {
            if (len < 1 || len > ts) {
                throw new IllegalArgumentException("source length " + len + " is outside 1.." + ts);
            }
        }
        lastEncoder = encoder;
        lastDecoder = decoder;
        lastLengths = sourceLengths.clone();
        lastTarget = tt;
        int rows = tt * batch;
        Matrix join = joined.sliceRows(0, rows);
        join.sliceCols(0, width).copyFrom(decoder);
        if (score == Score.ADDITIVE) {
            kernels.gemmTransB(encoder, encoderWeight, projectedEncoder.sliceRows(0, ts * batch), false);
            kernels.gemmTransB(decoder, decoderWeight, projectedDecoder.sliceRows(0, rows), false);
        }
        for (int b = 0; b < batch; b++) {
            int len = sourceLengths[b];
            Matrix e = encoder.rowsEvery(b, batch, len), d = decoder.rowsEvery(b, batch, tt);
            Matrix a = weights.sliceRows(b * tt, (b + 1) * tt).sliceCols(0, len);
            if (score == Score.DOT) {
                kernels.gemmTransB(d, e, a, false);
            } else {
                additiveScores(b, len, tt, a);
            }
            kernels.softmax(a, a);
            kernels.gemm(a, e, join.sliceCols(width, 2 * width).rowsEvery(b, batch, tt), false);
        }
        Matrix out = output.sliceRows(0, rows);
        combine.forward(join, out);
        kernels.tanh(out, out);
        return out;
    }

    private void additiveScores(int b, int len, int tt, Matrix a) {
        for (int t = 0; t < tt; t++) {
            for (int j = 0; j < len; j++) {
                float s = 0;
                for (int k = 0; k < width; k++) {
                    s += v.get(0, k) * (float) Math.tanh(projectedEncoder.get(j * batch + b, k) + projectedDecoder.get(t * batch + b, k));
                }
                a.set(t, j, s);
            }
        }
    }

    /** The attention weights of sequence b after the last forward: Tt×Ts_b, row t sums to 1. */
    public Matrix weights(int b) {
        return weights.sliceRows(b * lastTarget, (b + 1) * lastTarget).sliceCols(0, lastLengths[b]);
    }

    /**
     * Backward of the last forward for dOut = ∂loss/∂h̃: adds the parameter gradients, writes
     * ∂loss/∂decoder into dDecoder ((Tt·B)×D) and adds ∂loss/∂encoder into dEncoder ((Ts·B)×D).
     */
    public void backward(Matrix dOut, Matrix dDecoder, Matrix dEncoder) {
        int tt = lastTarget, rows = tt * batch, ts = lastEncoder.rows() / batch;
        Matrix out = output.sliceRows(0, rows), dPre = dJoined.sliceRows(0, rows).sliceCols(0, width);
        kernels.tanhBackward(out, dOut, dPre);
        Matrix dJoin = dJoined.sliceRows(0, rows);
        Matrix dPreCopy = output.sliceRows(0, rows);  // h̃ is no longer needed: reuse its buffer for dPre
        dPreCopy.copyFrom(dPre);
        combine.backward(joined.sliceRows(0, rows), dPreCopy, dJoin);
        dDecoder.copyFrom(dJoin.sliceCols(0, width));
        if (score == Score.ADDITIVE) {
            dProjectedEncoder.sliceRows(0, ts * batch).fill(0f);
            dProjectedDecoder.sliceRows(0, rows).fill(0f);
        }
        for (int b = 0; b < batch; b++) {
            int len = lastLengths[b];
            Matrix e = lastEncoder.rowsEvery(b, batch, len), d = lastDecoder.rowsEvery(b, batch, tt);
            Matrix de = dEncoder.rowsEvery(b, batch, len), dd = dDecoder.rowsEvery(b, batch, tt);
            Matrix a = weights.sliceRows(b * tt, (b + 1) * tt).sliceCols(0, len);
            Matrix dc = dJoin.sliceCols(width, 2 * width).rowsEvery(b, batch, tt);
            Matrix da = dWeights.sliceRows(0, tt).sliceCols(0, len), ds = dScores.sliceRows(0, tt).sliceCols(0, len);
            kernels.gemmTransB(dc, e, da, false);           // ∂/∂a = dc·Eᵀ
            kernels.gemmTransA(a, dc, de, true);            // ∂/∂E += aᵀ·dc
            for (int t = 0; t < tt; t++) {                  // softmax backward: ds = a ⊙ (da − Σ a⊙da)
                float dot = 0;
                for (int j = 0; j < len; j++) {
                    dot += a.get(t, j) * da.get(t, j);
                }
                for (int j = 0; j < len; j++) {
                    ds.set(t, j, a.get(t, j) * (da.get(t, j) - dot));
                }
            }
            if (score == Score.DOT) {
                kernels.gemm(ds, e, dd, true);              // s = d·eᵀ
                kernels.gemmTransA(ds, d, de, true);
            } else {
                additiveBackward(b, len, tt, ds);
            }
        }
        if (score == Score.ADDITIVE) {
            Matrix dpe = dProjectedEncoder.sliceRows(0, ts * batch), dpd = dProjectedDecoder.sliceRows(0, rows);
            kernels.gemm(dpe, encoderWeight, dEncoder, true);
            kernels.gemmTransA(dpe, lastEncoder, encoderWeightGrad, true);
            kernels.gemm(dpd, decoderWeight, dDecoder, true);
            kernels.gemmTransA(dpd, lastDecoder, decoderWeightGrad, true);
        }
    }

    private void additiveBackward(int b, int len, int tt, Matrix ds) {
        for (int t = 0; t < tt; t++) {
            for (int j = 0; j < len; j++) {
                float g = ds.get(t, j);
                if (g == 0f) {
                    continue;
                }
                for (int k = 0; k < width; k++) {
                    float u = (float) Math.tanh(projectedEncoder.get(j * batch + b, k) + projectedDecoder.get(t * batch + b, k));
                    vGrad.set(0, k, vGrad.get(0, k) + g * u);
                    float du = g * v.get(0, k) * (1 - u * u);
                    dProjectedEncoder.set(j * batch + b, k, dProjectedEncoder.get(j * batch + b, k) + du);
                    dProjectedDecoder.set(t * batch + b, k, dProjectedDecoder.get(t * batch + b, k) + du);
                }
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
