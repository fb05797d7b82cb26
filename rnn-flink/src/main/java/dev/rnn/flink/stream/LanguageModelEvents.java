package dev.rnn.flink.stream;

import dev.rnn.core.PackedMatrix;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamBatch;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import java.util.Locale;

/**
 * Events of a character language model: each event is one character. A key's state is the recurrent
 * state (S floats, see {@link StreamSession#stateSize()}) followed by the V logits of the prediction
 * made before the event (NaN before the key's first event), S + V floats in all.
 *
 * <p>Output per event: {@code character, surprisal, top k}: the character (as U+XXXX when it is a
 * space or a control character), its surprisal in nats, −ln p(character | the key's earlier
 * characters) ({@code -} for a key's first event, which has no prediction before it), and the k most
 * likely next characters with their probabilities, most likely first.
 *
 * <p>Every step, batched or not, goes through one {@link StreamBatch} ({@link StepOutput#LOGITS}): its
 * rows are batch-invariant, where a session's own step would round differently.
 */
final class LanguageModelEvents implements EventModel {

    static final int DEFAULT_TOP_K = 3;

    private final CharLanguageModel owner;
    private final TextStreamingModel text;
    private final StreamSession[] sessions;   // one per batch row, reloaded from each event's key state
    private final StreamBatch batch;
    private final int[] tokens;
    private final float[][] logits;           // per row: V logits after the step
    private final double[] surprisal;         // per row: of the loaded character, NaN without a prediction
    private final float[][] states;           // per row: the key's state array given to load
    private final int[] codePoints;
    private final int recurrent, vocabulary, topK;
    private final double[] probabilities;     // scratch, V
    private final int[] top;                  // scratch, k ids

    LanguageModelEvents(CharLanguageModel model, int maxBatch, int topK) {
        this.owner = model;
        this.text = model.textStreaming(PackedMatrix.Format.F32);
        StreamingModel streaming = text.streamingModel();
        this.vocabulary = text.size();
        this.topK = Math.min(topK, vocabulary);
        this.sessions = new StreamSession[maxBatch];
        for (int i = 0; i < maxBatch; i++) {
            sessions[i] = streaming.newSession(StepOutput.LOGITS);
        }
        this.recurrent = sessions[0].stateSize();
        this.batch = streaming.newBatch(maxBatch, StepOutput.LOGITS);
        this.tokens = new int[maxBatch];
        this.logits = new float[maxBatch][vocabulary];
        this.surprisal = new double[maxBatch];
        this.states = new float[maxBatch][];
        this.codePoints = new int[maxBatch];
        this.probabilities = new double[vocabulary];
        this.top = new int[this.topK];
    }

    @Override
    public int stateSize() {
        return recurrent + vocabulary;
    }

    @Override
    public int maxBatch() {
        return sessions.length;
    }

    @Override
    public float[] initialState() {
        float[] s = new float[stateSize()];
        java.util.Arrays.fill(s, recurrent, s.length, Float.NaN);
        return s;
    }

    @Override
    public String load(int row, String value, float[] state) {
        if (value.isEmpty() || value.codePointCount(0, value.length()) != 1) {
            return "malformed event: expected one character, found " + value.codePointCount(0, value.length());
        }
        int cp = value.codePointAt(0);
        int id = text.id(cp);
        if (id < 0) {
            return String.format(Locale.ROOT, "unknown character: %s is not in the model's vocabulary", show(cp));
        }
        sessions[row].restoreState(state);
        surprisal[row] = Float.isNaN(state[recurrent]) ? Double.NaN : -logSoftmax(state, recurrent, id);
        tokens[row] = id;
        codePoints[row] = cp;
        states[row] = state;
        return null;
    }

    @Override
    public void step(int count) {
        batch.step(sessions, count, tokens, logits);
    }

    @Override
    public String finish(int row) {
        float[] state = states[row], lg = logits[row];
        sessions[row].saveState(state);
        System.arraycopy(lg, 0, state, recurrent, vocabulary);
        states[row] = null;
        StringBuilder out = new StringBuilder(32 + 16 * topK);
        out.append(show(codePoints[row])).append('\t');
        if (Double.isNaN(surprisal[row])) {
            out.append('-');
        } else {
            out.append(String.format(Locale.ROOT, "%.6f", surprisal[row]));
        }
        out.append('\t');
        softmax(lg, probabilities);
        topIds(probabilities, top);
        for (int j = 0; j < top.length; j++) {
            out.append(j == 0 ? "" : " ").append(show(text.codePoint(top[j])))
                    .append('=').append(String.format(Locale.ROOT, "%.4f", probabilities[top[j]]));
        }
        return out.toString();
    }

    /** ln softmax(logits at v[from..from+V))[id], in double precision. */
    private double logSoftmax(float[] v, int from, int id) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < vocabulary; j++) {
            max = Math.max(max, v[from + j]);
        }
        for (int j = 0; j < vocabulary; j++) {
            sum += Math.exp(v[from + j] - max);
        }
        return v[from + id] - max - Math.log(sum);
    }

    private static void softmax(float[] lg, double[] p) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : lg) {
            max = Math.max(max, l);
        }
        for (int j = 0; j < lg.length; j++) {
            p[j] = Math.exp(lg[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < lg.length; j++) {
            p[j] /= sum;
        }
    }

    /** The ids of the top.length largest p, largest first, equal values in id order (k is small: selection, no sort). */
    private static void topIds(double[] p, int[] top) {
        int n = 0;
        for (int id = 0; id < p.length; id++) {
            if (n == top.length && p[id] <= p[top[n - 1]]) {
                continue;
            }
            int at = n == top.length ? n - 1 : n++;
            while (at > 0 && p[top[at - 1]] < p[id]) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = id;
        }
    }

    /** A character as printed: itself, or U+XXXX for spaces and control characters (they would break the line's fields). */
    static String show(int cp) {
        return Character.isWhitespace(cp) || Character.isISOControl(cp) || Character.isSpaceChar(cp)
                ? String.format(Locale.ROOT, "U+%04X", cp) : Character.toString(cp);
    }

    @Override
    public void close() {
        batch.close();
        for (StreamSession s : sessions) {
            s.close();
        }
        text.close();
        owner.close();
    }
}
