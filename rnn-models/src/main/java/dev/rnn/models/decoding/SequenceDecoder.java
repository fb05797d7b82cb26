package dev.rnn.models.decoding;

import dev.rnn.core.Matrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a {@link TokenStepper} into output sequences: greedy over R sequences at once, beam search
 * over R hypotheses of one sequence, or sampling. Every output starts from the {@code start} token
 * and ends at the {@code end} token (not included) or after {@code max} tokens.
 */
public final class SequenceDecoder {

    private SequenceDecoder() {
    }

    /** Greedy outputs of rows 0..n−1 of the stepper (whose states are set up for them). */
    public static List<int[]> greedy(TokenStepper s, int n, int start, int end, int max) {
        int rows = s.rows();
        if (n < 1 || n > rows) {
            throw new IllegalArgumentException("greedy decoding of " + n + " sequences over " + rows + " rows");
        }
        int[] tokens = new int[rows];
        Arrays.fill(tokens, start);
        List<List<Integer>> out = new ArrayList<>();
        boolean[] done = new boolean[n];
        for (int i = 0; i < n; i++) {
            out.add(new ArrayList<>());
        }
        int finished = 0;
        for (int t = 0; t < max + 1 && finished < n; t++) {
            Matrix lg = s.step(tokens);
            for (int r = 0; r < rows; r++) {
                int best = argmax(lg, r);
                tokens[r] = best;
                if (r < n && !done[r]) {
                    if (best == end || out.get(r).size() == max) {
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
            result.add(toArray(o));
        }
        return result;
    }

    /** One sampled output from row 0 (the other rows, if any, follow along and are ignored). */
    public static int[] sample(TokenStepper s, Sampler sampler, int start, int end, int max) {
        int[] tokens = new int[s.rows()];
        Arrays.fill(tokens, start);
        List<Integer> out = new ArrayList<>();
        float[] row = null;
        for (int t = 0; t < max + 1; t++) {
            Matrix lg = s.step(tokens);
            if (row == null) {
                row = new float[lg.cols()];
            }
            for (int j = 0; j < row.length; j++) {
                row[j] = lg.get(0, j);
            }
            int next = sampler.next(row, row.length);
            if (next == end || out.size() == max) {
                break;
            }
            out.add(next);
            Arrays.fill(tokens, next);
        }
        return toArray(out);
    }

    /**
     * Beam search of width R (the stepper's rows, all set up for the same sequence): keeps the R best
     * partial outputs by total log-probability. A candidate ending in the end token (or reaching the
     * length limit) among the R best of a step is finished, ranked by its log-probability divided by
     * its length (end token included). The search stops at the length limit, or once R outputs are
     * finished and the best live one, ranked the same way now, falls below the R-th best finished
     * (the usual early stop: a live output only loses probability as it grows). Width 1 is greedy
     * decoding.
     */
    public static int[] beam(TokenStepper s, int start, int end, int max) {
        int k = s.rows();
        if (k == 1) {
            return greedy(s, 1, start, end, max).get(0);
        }
        double[] scores = new double[k];
        Arrays.fill(scores, Double.NEGATIVE_INFINITY);
        scores[0] = 0;
        List<List<Integer>> beams = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            beams.add(new ArrayList<>());
        }
        int[] tokens = new int[k];
        Arrays.fill(tokens, start);
        List<int[]> finishedSeqs = new ArrayList<>();
        List<Double> finishedScores = new ArrayList<>();
        for (int t = 0; t <= max; t++) {
            Matrix lg = s.step(tokens);
            int v = lg.cols();
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
                    candScore[b * v + j] = scores[b] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : scores[b] + lg.get(b, j) - lz;
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
            for (int i = 0; i < order.length && kept < k; i++) {
                int idx = order[i], b = idx / v, tok = idx % v;
                double sc = candScore[idx];
                if (sc == Double.NEGATIVE_INFINITY) {
                    break;
                }
                if (tok == end || beams.get(b).size() == max) {
                    if (i < k) {
                        finishedSeqs.add(toArray(beams.get(b)));
                        finishedScores.add(sc / (beams.get(b).size() + 1));
                    }
                    continue;
                }
                List<Integer> nb = new ArrayList<>(beams.get(b));
                nb.add(tok);
                nextBeams.add(nb);
                parent[kept] = b;
                nextTokens[kept] = tok;
                nextScores[kept] = sc;
                kept++;
            }
            if (kept == 0) {
                break;
            }
            s.reorder(parent, kept);
            for (int i = kept; i < k; i++) {
                nextBeams.add(new ArrayList<>());
                nextTokens[i] = start;
            }
            beams = nextBeams;
            scores = nextScores;
            tokens = nextTokens;
            if (finishedSeqs.size() >= k) {
                List<Double> sorted = new ArrayList<>(finishedScores);
                sorted.sort(java.util.Collections.reverseOrder());
                if (scores[0] / (beams.get(0).size() + 1) < sorted.get(k - 1)) {
                    break;
                }
            }
        }
        if (finishedSeqs.isEmpty()) {
            return toArray(beams.get(0));
        }
        int best = 0;
        for (int i = 1; i < finishedSeqs.size(); i++) {
            if (finishedScores.get(i) > finishedScores.get(best)) {
                best = i;
            }
        }
        return finishedSeqs.get(best);
    }

    private static int argmax(Matrix lg, int r) {
        int best = 0;
        for (int v = 1; v < lg.cols(); v++) {
            if (lg.get(r, v) > lg.get(r, best)) {
                best = v;
            }
        }
        return best;
    }

    private static int[] toArray(List<Integer> list) {
        int[] a = new int[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }
}
