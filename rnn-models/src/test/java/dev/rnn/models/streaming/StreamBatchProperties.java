package dev.rnn.models.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn.core.Bfloat16;
import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.models.streaming.BatchFixture.Built;
import dev.rnn.models.streaming.BatchFixture.Inputs;
import dev.rnn.models.streaming.BatchFixture.Spec;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Batched steps ({@link StreamBatch}) over random models: every cell kind, one or two levels (kinds
 * mixed), token or feature input, with and without an output layer, F32 and BF16, both backends, sizes
 * at the SIMD edges.
 *
 * <ul>
 *   <li>Batch invariance: streams stepped in random compositions of random batches get, step by step,
 *       the bits (outputs and whole states) of the same stream stepped alone in a batch of one.</li>
 *   <li>Against the unbatched path ({@link StreamSession#step}), which sums the same products in
 *       another order: within a running error bound derived below ({@link RoundingBound}).</li>
 * </ul>
 */
class StreamBatchProperties {

    @Provide
    Arbitrary<Spec> specs() {
        return BatchFixture.specs();
    }

    @Provide
    Arbitrary<Integer> streams() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.of(1, 2, 12, 13, 40)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(1, 40)));
    }

    /** What one stream saw: its output at each step (null where none was asked for) and its state after it. */
    private record Trace(float[][] outputs, float[][] states) {
        Trace(int steps) {
            this(new float[steps][], new float[steps][]);
        }
    }

    /**
     * Streams of different lengths, stepped in random batches: each step of the schedule takes a random
     * number (up to maxBatch) of the unfinished streams in random order; about one step in seven of a
     * stream runs on its own ({@link StreamSession#step}) between batched ones, and about one batch in
     * five asks for no output. The same stream alone, through a batch of maxBatch 1 (and the same own
     * steps), must give the same bits at every step.
     */
    @Property(tries = 100)
    void aStreamGetsTheSameBitsInAnyBatch(@ForAll("specs") Spec spec, @ForAll("streams") int streams, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofShared(); Built built = BatchFixture.build(arena, spec)) {
            StreamingModel m = built.model();
            List<Inputs> inputs = new ArrayList<>();
            List<boolean[]> alone = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                Inputs in = BatchFixture.inputs(m, 1 + rnd.nextInt(12), rnd);
                inputs.add(in);
                boolean[] own = new boolean[in.length()];
                for (int t = 0; t < own.length; t++) {
                    own[t] = rnd.nextInt(7) == 0;
                }
                alone.add(own);
            }
            int maxBatch = 1 + rnd.nextInt(streams + 3);
            List<Trace> batched = runScheduled(m, spec.output(), inputs, alone, maxBatch, rnd, arena);
            for (int s = 0; s < streams; s++) {
                Trace expected = runAlone(m, spec.output(), inputs.get(s), alone.get(s));
                Trace got = batched.get(s);
                for (int t = 0; t < inputs.get(s).length(); t++) {
                    String where = spec + ", stream " + s + " of " + streams + ", step " + t + ", maxBatch " + maxBatch;
                    assertArrayEquals(expected.states()[t], got.states()[t], "state, " + where);
                    if (got.outputs()[t] != null) {
                        assertArrayEquals(expected.outputs()[t], got.outputs()[t], "output, " + where);
                    }
                }
            }
        }
    }

    private static List<Trace> runScheduled(StreamingModel m, StepOutput output, List<Inputs> inputs, List<boolean[]> alone,
                                            int maxBatch, Random rnd, Arena arena) {
        int streams = inputs.size();
        List<Trace> traces = new ArrayList<>();
        StreamSession[] sessions = new StreamSession[streams];
        for (int s = 0; s < streams; s++) {
            sessions[s] = m.newSession(output);
            traces.add(new Trace(inputs.get(s).length()));
        }
        try (StreamBatch batch = m.newBatch(maxBatch, output)) {
            int size = batch.outputSize(), inputSize = m.takesTokens() ? 0 : m.inputSize();
            Matrix featureRows = inputSize == 0 ? null : Matrix.allocate(arena, maxBatch, inputSize);
            Matrix outRows = Matrix.allocate(arena, maxBatch + 2, size);
            int[] next = new int[streams];
            StreamSession[] picked = new StreamSession[maxBatch];
            int[] pickedStream = new int[maxBatch];
            int[] tokens = new int[maxBatch];
            float[][] features = new float[maxBatch][], outs = new float[maxBatch][];
            List<Integer> open = new ArrayList<>();
            while (true) {
                open.clear();
                for (int s = 0; s < streams; s++) {
                    if (next[s] < inputs.get(s).length()) {
                        open.add(s);
                    }
                }
                if (open.isEmpty()) {
                    break;
                }
                Collections.shuffle(open, rnd);
                int take = 1 + rnd.nextInt(Math.min(maxBatch, open.size()));
                boolean noOutput = rnd.nextInt(5) == 0, offHeap = rnd.nextBoolean();
                int count = 0;
                for (int j = 0; j < take; j++) {
                    int s = open.get(j), t = next[s]++;
                    Inputs in = inputs.get(s);
                    Trace tr = traces.get(s);
                    if (alone.get(s)[t]) {
                        tr.outputs()[t] = new float[size];
                        BatchFixture.stepAlone(sessions[s], in, t, tr.outputs()[t]);
                        tr.states()[t] = state(sessions[s]);
                        continue;
                    }
                    picked[count] = sessions[s];
                    pickedStream[count] = s;
                    if (in.tokens() != null) {
                        tokens[count] = in.tokens()[t];
                    } else {
                        features[count] = in.features()[t];
                        featureRows.row(count).copyFrom(in.features()[t]);
                    }
                    outs[count] = noOutput ? null : new float[size];
                    count++;
                }
                if (offHeap) {
                    Matrix out = noOutput ? null : outRows;
                    if (m.takesTokens()) {
                        batch.step(picked, count, tokens, out);
                    } else {
                        batch.step(picked, count, featureRows, out);
                    }
                    if (out != null) {
                        for (int i = 0; i < count; i++) {
                            outs[i] = out.row(i).toArray();
                        }
                    }
                } else if (m.takesTokens()) {
                    batch.step(picked, count, tokens, noOutput ? null : outs);
                } else {
                    batch.step(picked, count, features, noOutput ? null : outs);
                }
                for (int i = 0; i < count; i++) {
                    int s = pickedStream[i];
                    Trace tr = traces.get(s);
                    int t = next[s] - 1;
                    tr.outputs()[t] = noOutput ? null : outs[i];
                    tr.states()[t] = state(picked[i]);
                }
            }
        } finally {
            for (StreamSession s : sessions) {
                s.close();
            }
        }
        return traces;
    }

    /** One stream alone: a batch of maxBatch 1 for its batched steps, its own step for the others. */
    private static Trace runAlone(StreamingModel m, StepOutput output, Inputs in, boolean[] own) {
        Trace tr = new Trace(in.length());
        try (StreamSession s = m.newSession(output); StreamBatch batch = m.newBatch(1, output)) {
            StreamSession[] one = {s};
            for (int t = 0; t < in.length(); t++) {
                float[][] out = {new float[batch.outputSize()]};
                if (own[t]) {
                    BatchFixture.stepAlone(s, in, t, out[0]);
                } else if (in.tokens() != null) {
                    batch.step(one, 1, new int[] {in.tokens()[t]}, out);
                } else {
                    batch.step(one, 1, new float[][] {in.features()[t]}, out);
                }
                tr.outputs()[t] = out[0];
                tr.states()[t] = state(s);
            }
        }
        return tr;
    }

    private static float[] state(StreamSession s) {
        float[] st = new float[s.stateSize()];
        s.saveState(st);
        return st;
    }

    // ---- against the unbatched path ----

    /**
     * A few streams stepped through batches of random compositions against the same streams stepped on
     * their own: every state element and output within the {@link RoundingBound} computed along the
     * unbatched run. The bound is a worst case: over 20 steps of a recurrence whose |W_hh| expands it
     * can grow to the range of the values; so the first step's bound, where only rounding differs, is
     * also held below 1e-3 (it is at most 1.4e-4 here). The largest |batched − unbatched| seen was 5 %
     * of its bound; on the scalar backend the two paths sum in the same order and agree exactly.
     */
    @Property(tries = 50)
    void batchedStepsStayWithinTheRoundingBoundOfSessionSteps(@ForAll("specs") Spec spec, @ForAll long seed) {
        Random rnd = new Random(seed);
        try (Arena arena = Arena.ofShared(); Built built = BatchFixture.build(arena, spec)) {
            StreamingModel m = built.model();
            int streams = 1 + rnd.nextInt(6);
            List<Inputs> inputs = new ArrayList<>();
            List<boolean[]> never = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                inputs.add(BatchFixture.inputs(m, 1 + rnd.nextInt(20), rnd));
                never.add(new boolean[inputs.get(s).length()]);
            }
            List<Trace> batched = runScheduled(m, spec.output(), inputs, never, 1 + rnd.nextInt(streams), rnd, arena);
            RoundingBound bound = new RoundingBound(built);
            double worst = 0;
            for (int s = 0; s < streams; s++) {
                Inputs in = inputs.get(s);
                Trace ref = new Trace(in.length());
                try (StreamSession alone = m.newSession(spec.output())) {
                    for (int t = 0; t < in.length(); t++) {
                        ref.outputs()[t] = new float[alone.outputSize()];
                        BatchFixture.stepAlone(alone, in, t, ref.outputs()[t]);
                        ref.states()[t] = state(alone);
                    }
                }
                double[][][] b = bound.along(in, ref.states());   // [t][0] state bound, [t][1] output bound
                for (int t = 0; t < in.length(); t++) {
                    String where = spec + ", stream " + s + ", step " + t;
                    worst = Math.max(worst, check("state", ref.states()[t], batched.get(s).states()[t], b[t][0], where));
                    if (batched.get(s).outputs()[t] != null) {
                        worst = Math.max(worst, check("output", ref.outputs()[t], batched.get(s).outputs()[t], b[t][1], where));
                    }
                    for (double[] v : b[t]) {
                        for (double e : v) {
                            assertTrue(Double.isFinite(e), "the bound is " + e + ": " + where);
                            if (t == 0) {
                                assertTrue(e < 1e-3, "the bound of a first step is " + e + ": " + where);
                            }
                        }
                    }
                }
            }
            assertTrue(worst <= 1, "largest |batched − unbatched| / bound: " + worst);
        }
    }

    /** Asserts |got − ref| ≤ bound elementwise; returns the largest ratio. */
    private static double check(String what, float[] ref, float[] got, double[] bound, String where) {
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs((double) got[i] - ref[i]);
            if (d > bound[i]) {
                fail(what + " " + i + ": batched " + got[i] + ", unbatched " + ref[i] + ", difference " + d + " > bound " + bound[i]
                        + ", " + where);
            }
            if (d > 0) {
                worst = Math.max(worst, d / bound[i]);
            }
        }
        return worst;
    }

    /**
     * A first-order running bound on |batched − unbatched| for every state element and output, computed
     * in double along the unbatched run (its states, its inputs, the model's effective weights: bfloat16-
     * rounded for BF16). u = 2⁻²⁴; δ denotes a bound carried from the step before or the level below.
     *
     * <ul>
     *   <li>Pre-activation j, a float sum of K products plus one bias add: each path is within
     *       (K+1)·u·S_j of the exact sum, S_j = Σ_p |a_p|·|w_jp| + |b_j| with |a_p| widened by δa_p, so
     *       the two differ by 2(K+2)·u·S_j, plus Σ_p |w_jp|·δa_p from differing inputs a = [x | h].</li>
     *   <li>Nonlinearities, by the mean value theorem: an input known within x ± d moves tanh by at most
     *       d·max tanh' over that interval (1 − tanh²(q), q the interval's point nearest 0), σ likewise with
     *       σ' = σ(1 − σ) (at most ¼); ReLU by at most d, exactly. The two evaluations may each be off by
     *       3 ulps (the kernels' contract), so add ε = 16u for tanh and σ (values at most 1).</li>
     *   <li>Cell updates, by the product rule with the reference values: LSTM
     *       δc' = δf|c| + (f+δf)δc + δi|g| + (i+δi)δg + 4u(|fc| + |ig|), δh' = δo|tanh c'| + (o+δo)·δtanh(c', δc')
     *       + 2u|h'|; GRU δarg = δnx + δr|nh| + (r+δr)δnh + 4u(|nx| + |r·nh|), δn = δtanh(arg, δarg),
     *       δh' = (1−z+δz)δn + (z+δz)δh + δz|h − n| + 8u(|n| + |h|).</li>
     *   <li>Output layer as a pre-activation over H; probabilities: a shift of the logits by at most d
     *       moves p_v by at most p_v(e^{2d} − 1), plus each softmax's rounding, (V + 8 + |z_v − max|)·u
     *       relative (the kernels' contract), twice.</li>
     * </ul>
     * The whole is doubled for the second-order terms it leaves out.
     */
    static final class RoundingBound {

        private static final double U = 0x1p-24, EPS = 16 * U, SAFETY = 2;

        private final Built built;
        private final int depth;
        private final double[][][] wIh, wHh;   // per level, effective weights [G·H][I], [G·H][H]
        private final double[][] bIh, bHh;     // per level [G·H], zeros without bias
        private final double[][] head;         // [V][H] or null
        private final double[] headBias;       // [V], zeros without

        RoundingBound(Built built) {
            this.built = built;
            this.depth = built.levels().size();
            boolean bf16 = built.spec().format() == PackedMatrix.Format.BF16;
            wIh = new double[depth][][];
            wHh = new double[depth][][];
            bIh = new double[depth][];
            bHh = new double[depth][];
            for (int l = 0; l < depth; l++) {
                CellParameters p = built.levels().get(l);
                wIh[l] = values(p.weightIh(), bf16);
                wHh[l] = values(p.weightHh(), bf16);
                bIh[l] = p.hasBias() ? values(p.biasIh(), false)[0] : new double[p.weightIh().rows()];
                bHh[l] = p.hasBias() ? values(p.biasHh(), false)[0] : new double[p.weightIh().rows()];
            }
            head = built.headWeight() == null ? null : values(built.headWeight(), bf16);
            headBias = head == null ? null
                    : built.headBias() == null ? new double[head.length] : values(built.headBias(), false)[0];
        }

        private static double[][] values(Matrix m, boolean bf16) {
            double[][] v = new double[m.rows()][m.cols()];
            for (int r = 0; r < m.rows(); r++) {
                for (int c = 0; c < m.cols(); c++) {
                    v[r][c] = bf16 ? Bfloat16.round(m.get(r, c)) : m.get(r, c);
                }
            }
            return v;
        }

        private static double sigmoid(double x) {
            return 1 / (1 + Math.exp(-x));
        }

        /**
         * Bounds for each step t of one stream: [t][0] over the state (saveState's layout), [t][1] over the
         * output. {@code states[t]} is the unbatched state after step t.
         */
        double[][][] along(Inputs in, float[][] states) {
            int steps = in.length();
            double[][][] out = new double[steps][2][];
            int stateSize = states[0].length;
            double[] prevState = new double[stateSize], prevDelta = new double[stateSize];
            for (int t = 0; t < steps; t++) {
                double[] x = input(in, t), dx = new double[x.length];
                double[] delta = new double[stateSize];
                int at = 0;
                for (int l = 0; l < depth; l++) {
                    CellParameters p = built.levels().get(l);
                    int h = p.hiddenSize();
                    boolean lstm = p.kind() == CellKind.LSTM;
                    double[] hPrev = slice(prevState, at, h), dh = slice(prevDelta, at, h);
                    double[] cPrev = lstm ? slice(prevState, at + h, h) : null, dc = lstm ? slice(prevDelta, at + h, h) : null;
                    double[][] next = level(l, x, dx, hPrev, dh, cPrev, dc);   // {h', δh', δc'}
                    System.arraycopy(next[1], 0, delta, at, h);
                    if (lstm) {
                        System.arraycopy(next[2], 0, delta, at + h, h);
                    }
                    // the level above reads this level's new h: the unbatched run's values, with their bound
                    x = slice(toDouble(states[t]), at, h);
                    dx = next[1];
                    at += lstm ? 2 * h : h;
                }
                out[t][0] = scaled(delta);
                out[t][1] = scaled(outputBound(x, dx));
                prevState = toDouble(states[t]);
                prevDelta = delta;
            }
            return out;
        }

        private static double[] scaled(double[] d) {
            double[] s = new double[d.length];
            for (int i = 0; i < d.length; i++) {
                s[i] = SAFETY * d[i];
            }
            return s;
        }

        private double[] input(Inputs in, int t) {
            if (in.tokens() != null) {
                Matrix table = built.embedding();
                double[] x = new double[table.cols()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = table.get(in.tokens()[t], i);
                }
                return x;
            }
            return toDouble(in.features()[t]);
        }

        /** The new state's bound of level l: {h' (reference, unused), δh', δc' (LSTM)}. */
        private double[][] level(int l, double[] x, double[] dx, double[] h, double[] dh, double[] c, double[] dc) {
            CellParameters p = built.levels().get(l);
            int n = p.hiddenSize(), in = x.length;
            double[][] wi = wIh[l], wh = wHh[l];
            int rows = wi.length;
            // per gate row: input part and recurrent part apart (GRU's candidate needs them apart)
            double[] preX = new double[rows], preH = new double[rows], sX = new double[rows], sH = new double[rows];
            double[] propX = new double[rows], propH = new double[rows];
            for (int j = 0; j < rows; j++) {
                for (int q = 0; q < in; q++) {
                    preX[j] += wi[j][q] * x[q];
                    sX[j] += Math.abs(wi[j][q]) * (Math.abs(x[q]) + dx[q]);
                    propX[j] += Math.abs(wi[j][q]) * dx[q];
                }
                for (int q = 0; q < n; q++) {
                    preH[j] += wh[j][q] * h[q];
                    sH[j] += Math.abs(wh[j][q]) * (Math.abs(h[q]) + dh[q]);
                    propH[j] += Math.abs(wh[j][q]) * dh[q];
                }
            }
            double[] dNewH = new double[n], dNewC = new double[n], newH = new double[n];
            switch (p.kind()) {
                case RNN_TANH, RNN_RELU -> {
                    for (int j = 0; j < n; j++) {
                        double d = sumBound(in + n, sX[j] + sH[j] + Math.abs(bIh[l][j] + bHh[l][j])) + propX[j] + propH[j];
                        double pre = preX[j] + preH[j] + bIh[l][j] + bHh[l][j];
                        boolean tanh = p.kind() == CellKind.RNN_TANH;
                        newH[j] = tanh ? Math.tanh(pre) : Math.max(pre, 0);
                        dNewH[j] = tanh ? dTanh(pre, d) : d;
                    }
                }
                case LSTM -> {
                    double[] pre = new double[4], d = new double[4];
                    for (int j = 0; j < n; j++) {
                        for (int g = 0; g < 4; g++) {
                            int r = g * n + j;
                            pre[g] = preX[r] + preH[r] + bIh[l][r] + bHh[l][r];
                            d[g] = sumBound(in + n, sX[r] + sH[r] + Math.abs(bIh[l][r] + bHh[l][r])) + propX[r] + propH[r];
                        }
                        double i = sigmoid(pre[0]), f = sigmoid(pre[1]), g = Math.tanh(pre[2]), o = sigmoid(pre[3]);
                        double di = dSigmoid(pre[0], d[0]), df = dSigmoid(pre[1], d[1]), dg = dTanh(pre[2], d[2]);
                        double dO = dSigmoid(pre[3], d[3]);
                        double cNew = f * c[j] + i * g;
                        double dcNew = df * Math.abs(c[j]) + up(f, df) * dc[j] + di * Math.abs(g) + up(i, di) * dg
                                + 4 * U * (Math.abs(f * c[j]) + Math.abs(i * g));
                        double tc = Math.tanh(cNew);
                        newH[j] = o * tc;
                        dNewC[j] = dcNew;
                        dNewH[j] = dO * Math.abs(tc) + up(o, dO) * dTanh(cNew, dcNew) + 2 * U * Math.abs(newH[j]);
                    }
                }
                case GRU -> {
                    for (int j = 0; j < n; j++) {
                        int rr = j, zr = n + j, nr = 2 * n + j;
                        double preR = preX[rr] + preH[rr] + bIh[l][rr] + bHh[l][rr], preZ = preX[zr] + preH[zr] + bIh[l][zr] + bHh[l][zr];
                        double dr = dSigmoid(preR, sumBound(in + n, sX[rr] + sH[rr] + Math.abs(bIh[l][rr] + bHh[l][rr])) + propX[rr] + propH[rr]);
                        double dz = dSigmoid(preZ, sumBound(in + n, sX[zr] + sH[zr] + Math.abs(bIh[l][zr] + bHh[l][zr])) + propX[zr] + propH[zr]);
                        double r = sigmoid(preR), z = sigmoid(preZ);
                        double nx = preX[nr] + bIh[l][nr], nh = preH[nr] + bHh[l][nr];
                        double dnx = sumBound(in, sX[nr] + Math.abs(bIh[l][nr])) + propX[nr];
                        double dnh = sumBound(n, sH[nr] + Math.abs(bHh[l][nr])) + propH[nr];
                        double arg = nx + r * nh;
                        double darg = dnx + dr * Math.abs(nh) + up(r, dr) * dnh + 4 * U * (Math.abs(nx) + Math.abs(r * nh));
                        double cand = Math.tanh(arg), dn = dTanh(arg, darg);
                        newH[j] = (1 - z) * cand + z * h[j];
                        dNewH[j] = up(1 - z, dz) * dn + up(z, dz) * dh[j] + dz * Math.abs(h[j] - cand)
                                + 8 * U * (Math.abs(cand) + Math.abs(h[j]));
                    }
                }
            }
            return new double[][] {newH, dNewH, dNewC};
        }

        /** The largest a gate value v ∈ [0, 1] known within ± d can be. */
        private static double up(double v, double d) {
            return Math.min(v + d, 1);
        }

        /** The point of [x − d, x + d] nearest 0, where tanh' and σ' are largest over the interval. */
        private static double nearestZero(double x, double d) {
            return Math.max(Math.abs(x) - d, 0);
        }

        /** |tanh(x') − tanh(x)| for |x' − x| ≤ d, by the mean value theorem, plus both evaluations' rounding. */
        private static double dTanh(double x, double d) {
            double t = Math.tanh(nearestZero(x, d));
            return Math.min((1 - t * t) * d + EPS, 2);   // tanh's values lie in [−1, 1]
        }

        /** The same for σ. */
        private static double dSigmoid(double x, double d) {
            double s = sigmoid(nearestZero(x, d));
            return Math.min(s * (1 - s) * d + EPS, 1);   // σ's values lie in [0, 1]
        }

        /** Two float sums of k terms and a bias add, in different orders: 2(k+2)·u·Σ|terms|. */
        private static double sumBound(int k, double absSum) {
            return 2 * (k + 2) * U * absSum;
        }

        /** The output's bound from the top level's h (reference) and its bound. */
        private double[] outputBound(double[] h, double[] dh) {
            StepOutput output = built.spec().output();
            if (output == StepOutput.HIDDEN) {
                return dh;
            }
            int v = head.length;
            double[] z = new double[v], dz = new double[v];
            for (int c = 0; c < v; c++) {
                double s = 0, prop = 0;
                z[c] = headBias[c];
                for (int q = 0; q < h.length; q++) {
                    z[c] += head[c][q] * h[q];
                    s += Math.abs(head[c][q]) * (Math.abs(h[q]) + dh[q]);
                    prop += Math.abs(head[c][q]) * dh[q];
                }
                dz[c] = sumBound(h.length, s + Math.abs(headBias[c])) + prop;
            }
            if (output == StepOutput.LOGITS) {
                return dz;
            }
            double max = Double.NEGATIVE_INFINITY, dMax = 0, sum = 0;
            for (int c = 0; c < v; c++) {
                max = Math.max(max, z[c]);
                dMax = Math.max(dMax, dz[c]);
            }
            for (int c = 0; c < v; c++) {
                sum += Math.exp(z[c] - max);
            }
            double[] dp = new double[v];
            for (int c = 0; c < v; c++) {
                double prob = Math.exp(z[c] - max) / sum;
                dp[c] = Math.min(1, prob * (Math.expm1(2 * dMax) + 2 * (v + 8 + Math.abs(z[c] - max) + 1) * U) + Double.MIN_NORMAL);
            }
            return dp;
        }

        private static double[] slice(double[] a, int from, int n) {
            double[] s = new double[n];
            System.arraycopy(a, from, s, 0, n);
            return s;
        }

        private static double[] toDouble(float[] a) {
            double[] d = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                d[i] = a[i];
            }
            return d;
        }
    }
}
