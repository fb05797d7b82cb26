package dev.rnn.models.streaming;

import dev.rnn.core.Matrix;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.streaming.TextStreamingModel.Completion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One text's state over a shared {@link TextStreamingModel}: a {@link StreamSession} plus the logits
 * (V floats) of the character that follows what was appended. {@link #append} steps the model once
 * per character; {@link #nextProbabilities} gives the next-character distribution, V probabilities
 * indexed by vocabulary id. Appending, reading the distribution and sampling allocate nothing beyond
 * what the session's steps and the kernels' softmax allocate.
 *
 * <p>The state ({@link #stateSize()} floats) is the session's recurrent state followed by the V
 * next-character logits, NaN when nothing was appended since the start or a {@link #reset()}; it can
 * be saved, restored and copied from another stream of the same model, to fork a text or park it.
 *
 * <p>A stream of a batched model ({@link TextStreamingModel#batched}) steps through the model's
 * batcher: an append waits for its batch, and each step of a beam search submits the step of every
 * hypothesis at once ({@link StreamBatcher#stepAll}), so they share a batch with each other and with
 * other streams' steps. An interruption while waiting ends the call with an
 * {@link IllegalStateException}, the thread's interrupt flag set again.
 *
 * <p>A stream is used by one thread at a time (it may move between threads); {@link #close()} frees
 * it, and with it the sessions beam search keeps for reuse.
 */
public final class TextStream implements AutoCloseable {

    /** A candidate next character and its probability. */
    public record NextCharacter(int codePoint, float probability) {
        public String character() {
            return Character.toString(codePoint);
        }
    }

    private final TextStreamingModel model;
    private final StreamSession session;
    private final StreamBatcher batcher;                 // null when the stream steps its own session
    private final StreamBatcher.BatchedStream batched;   // this stream's steps through the batcher, or null
    private final Kernels kernels;
    private final int vocabularySize;
    private final float[] logits;          // next-character logits, V, valid when hasNext
    private final Matrix softmaxScratch;   // 1×V off-heap, so probabilities come from the kernels' own softmax
    private boolean hasNext;
    private StreamSession[] beamSessions = new StreamSession[0];   // kept across beam searches: sessions cost off-heap buffers
    private StreamBatcher.BatchedStream[] beamStreams = new StreamBatcher.BatchedStream[0];   // their batcher streams, when batched
    private volatile boolean closed;

    TextStream(TextStreamingModel model, StreamSession session) {
        this(model, session, null);
    }

    TextStream(TextStreamingModel model, StreamBatcher.BatchedStream batched) {
        this(model, batched.session(), batched);
    }

    private TextStream(TextStreamingModel model, StreamSession session, StreamBatcher.BatchedStream batched) {
        this.model = model;
        this.session = session;
        this.batched = batched;
        this.batcher = model.batcher();
        this.kernels = model.streamingModel().kernels();
        this.vocabularySize = model.size();
        this.logits = new float[vocabularySize];
        // an automatic arena: one small buffer, freed with the stream without a shared arena's close handshake
        this.softmaxScratch = Matrix.allocate(Arena.ofAuto(), 1, vocabularySize);
    }

    /** The model this stream reads. */
    public TextStreamingModel model() {
        return model;
    }

    /**
     * Steps the model once per character (code point) of {@code text}. The whole text is checked
     * first: a character outside the vocabulary is an {@link IllegalArgumentException} naming it, its
     * U+ code and its position (in code points), and then nothing is stepped.
     */
    public void append(String text) {
        requireOpen();
        int position = 0;
        for (int i = 0; i < text.length(); position++) {
            int cp = text.codePointAt(i);
            if (model.id(cp) < 0) {
                throw new IllegalArgumentException(String.format("character '%s' (U+%04X) at position %d is not in the model's vocabulary",
                        Character.toString(cp), cp, position));
            }
            i += Character.charCount(cp);
        }
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            stepId(model.id(cp));
            i += Character.charCount(cp);
        }
    }

    /** Steps the model by one character; one outside the vocabulary is an {@link IllegalArgumentException} naming it. */
    public void append(int codePoint) {
        requireOpen();
        stepId(idOf(codePoint, "character"));
    }

    /**
     * Draws the next character from the current distribution with {@code sampler} (greedy:
     * {@link Sampler#greedy()}), appends it and returns its code point.
     */
    public int appendNext(Sampler sampler) {
        requireNext();
        int id = sampler.next(logits, vocabularySize);
        stepId(id);
        return model.codePoint(id);
    }

    /**
     * Generates up to {@code length} characters one at a time with {@code sampler}, appending each,
     * and returns them. Stops early after the character {@code stop} (included), unless stop is
     * {@link TextStreamingModel#NO_STOP}. The same seed, state and model give the same text.
     */
    public String complete(int length, Sampler sampler, int stop) {
        requireNext();
        if (length < 0) {
            throw new IllegalArgumentException("length must be ≥ 0, found " + length);
        }
        int stopId = stop == TextStreamingModel.NO_STOP ? -1 : idOf(stop, "stop character");
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int id = sampler.next(logits, vocabularySize);
            stepId(id);
            out.appendCodePoint(model.codePoint(id));
            if (id == stopId) {
                break;
            }
        }
        return out.toString();
    }

    /** As {@link #complete(int, Sampler, int)} without a stop character. */
    public String complete(int length, Sampler sampler) {
        return complete(length, sampler, TextStreamingModel.NO_STOP);
    }

    /** Writes the logits of the next character (V floats, by vocabulary id) into {@code out}. */
    public void nextLogits(float[] out) {
        requireNext();
        checkV(out.length);
        System.arraycopy(logits, 0, out, 0, vocabularySize);
    }

    /**
     * Writes the next-character distribution, softmax of the logits (V floats summing to 1, by
     * vocabulary id), into {@code out}: the same bits as a {@link StepOutput#PROBABILITIES} session.
     */
    public void nextProbabilities(float[] out) {
        requireNext();
        checkV(out.length);
        softmaxScratch.copyFrom(logits);
        kernels.softmax(softmaxScratch, softmaxScratch);
        MemorySegment.copy(softmaxScratch.segment(), Matrix.FLOAT, softmaxScratch.offset(0, 0), out, 0, vocabularySize);
    }

    /** The next-character distribution as a new array; see {@link #nextProbabilities}. */
    public float[] nextDistribution() {
        float[] p = new float[vocabularySize];
        nextProbabilities(p);
        return p;
    }

    /** The {@code k} (at most V) most likely next characters, most likely first; equal probabilities in vocabulary order. */
    public List<NextCharacter> mostLikelyNext(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be ≥ 1, found " + k);
        }
        float[] p = nextDistribution();
        int n = Math.min(k, vocabularySize);
        // sort (probability, id) pairs in one primitive array: non-negative floats order as their bits do
        long[] order = new long[vocabularySize];
        for (int id = 0; id < vocabularySize; id++) {
            order[id] = ((long) Float.floatToIntBits(p[id]) << 32) | (0xFFFFFFFFL - id);
        }
        Arrays.sort(order);
        List<NextCharacter> top = new ArrayList<>(n);
        for (int j = vocabularySize - 1; j >= vocabularySize - n; j--) {
            int id = (int) (0xFFFFFFFFL - (order[j] & 0xFFFFFFFFL));
            top.add(new NextCharacter(model.codePoint(id), p[id]));
        }
        return top;
    }

    /**
     * The {@code width} most likely continuations beam search finds, best first, each with its total
     * log-probability (natural log, summed per character in double precision from the float logits).
     * A continuation has {@code length} characters, or fewer when it ends with the character
     * {@code stop} (included; {@link TextStreamingModel#NO_STOP} for none); fewer than {@code width}
     * come back when fewer exist. Each step keeps the {@code width} best unfinished continuations
     * (ties to the earlier parent, then the lower id); width 1 is greedy decoding. Beam search is a
     * heuristic: a wider beam usually, not always, finds a likelier best continuation.
     *
     * <p>The stream's own state is left as it was. The sessions the search steps (two per beam slot) are kept by
     * this stream for its next searches; a call allocates O(width·(V + length)) on the heap.
     */
    public List<Completion> beamSearch(int width, int length, int stop) {
        requireNext();
        if (width < 1) {
            throw new IllegalArgumentException("beam width must be ≥ 1, found " + width);
        }
        if (length < 0) {
            throw new IllegalArgumentException("length must be ≥ 0, found " + length);
        }
        int stopId = stop == TextStreamingModel.NO_STOP ? -1 : idOf(stop, "stop character");
        if (length == 0) {
            return List.of(new Completion("", 0));
        }
        int v = vocabularySize, k = width;
        ensureBeamSessions(2 * k);
        // hypotheses double-buffered: [cur] is read while [next] is written, then they swap
        StreamSession[][] sessions = {new StreamSession[k], new StreamSession[k]};
        StreamBatcher.BatchedStream[][] streams = batcher == null ? null
                : new StreamBatcher.BatchedStream[][] {new StreamBatcher.BatchedStream[k], new StreamBatcher.BatchedStream[k]};
        for (int i = 0; i < k; i++) {
            sessions[0][i] = beamSessions[i];
            sessions[1][i] = beamSessions[k + i];
            if (streams != null) {
                streams[0][i] = beamStreams[i];
                streams[1][i] = beamStreams[k + i];
            }
        }
        int[] stepTokens = new int[k];   // the kept hypotheses' last ids, stepped together once all are chosen
        float[][][] beamLogits = new float[2][k][v];
        int[][][] tokens = new int[2][k][length];
        double[][] scores = new double[2][k];
        int cur = 0, live = 1;
        StreamSession[] parents = {session};   // step 0 reads the stream itself, never writing it
        float[][] parentLogits = {logits};
        // the best 2·width candidates of a step suffice: at most width of them end in stop
        int maxCandidates = (int) Math.min(2L * k, (long) k * v);
        double[] candScore = new double[maxCandidates];
        int[] candIndex = new int[maxCandidates];
        double[] lse = new double[k];
        Completion[] finished = new Completion[k];
        int finishedCount = 0;
        for (int t = 0; t < length && live > 0; t++) {
            for (int b = 0; b < live; b++) {
                lse[b] = logSumExp(parentLogits[b]);
            }
            // top candidates by insertion, enumerated in (parent, id) order and inserted after equals: ties keep that order
            int filled = 0;
            for (int b = 0; b < live; b++) {
                float[] lg = parentLogits[b];
                double base = scores[cur][b] - lse[b];
                for (int j = 0; j < v; j++) {
                    double sc = base + lg[j];
                    if (!(sc > Double.NEGATIVE_INFINITY) || filled == maxCandidates && sc <= candScore[filled - 1]) {
                        continue;
                    }
                    int at = filled == maxCandidates ? filled - 1 : filled++;
                    while (at > 0 && candScore[at - 1] < sc) {
                        candScore[at] = candScore[at - 1];
                        candIndex[at] = candIndex[at - 1];
                        at--;
                    }
                    candScore[at] = sc;
                    candIndex[at] = b * v + j;
                }
            }
            int nx = 1 - cur, kept = 0;
            for (int m = 0; m < filled && kept < k; m++) {
                double sc = candScore[m];
                if (finishedCount == k && sc <= finished[k - 1].logProbability()) {
                    break;   // log-probabilities only fall as text grows: nothing later can enter the k best
                }
                int b = candIndex[m] / v, j = candIndex[m] % v;
                int[] prefix = t == 0 ? null : tokens[cur][b];
                if (j == stopId) {
                    finishedCount = insert(finished, finishedCount, new Completion(text(prefix, t, j), sc));
                    continue;
                }
                if (t > 0) {
                    System.arraycopy(prefix, 0, tokens[nx][kept], 0, t);
                }
                tokens[nx][kept][t] = j;
                scores[nx][kept] = sc;
                if (t + 1 < length) {   // the last characters need no step: nothing follows them
                    sessions[nx][kept].copyStateFrom(parents[b]);
                    stepTokens[kept] = j;
                }
                kept++;
            }
            if (t + 1 < length && kept > 0) {
                stepHypotheses(sessions[nx], streams == null ? null : streams[nx], kept, stepTokens, beamLogits[nx]);
            }
            cur = nx;
            live = kept;
            parents = sessions[cur];
            parentLogits = beamLogits[cur];
        }
        for (int b = 0; b < live; b++) {
            finishedCount = insert(finished, finishedCount, new Completion(text(tokens[cur][b], length - 1, tokens[cur][b][length - 1]),
                    scores[cur][b]));
        }
        return List.of(Arrays.copyOf(finished, finishedCount));
    }

    /** As {@link #beamSearch(int, int, int)} without a stop character. */
    public List<Completion> beamSearch(int width, int length) {
        return beamSearch(width, length, TextStreamingModel.NO_STOP);
    }

    /** Back to the start of a text: zero state, nothing appended. */
    public void reset() {
        requireOpen();
        session.reset();
        hasNext = false;
    }

    /** Floats in the state: the session's recurrent state, then V logits. */
    public int stateSize() {
        return session.stateSize() + vocabularySize;
    }

    /** Copies the state into {@code dst} (at least {@link #stateSize()} floats). */
    public void saveState(float[] dst) {
        requireOpen();
        checkState(dst.length);
        session.saveState(dst);
        int at = session.stateSize();
        if (hasNext) {
            System.arraycopy(logits, 0, dst, at, vocabularySize);
        } else {
            Arrays.fill(dst, at, at + vocabularySize, Float.NaN);
        }
    }

    /** Sets the state from {@code src}, as {@link #saveState} wrote it (for a stream of a model of the same shape). */
    public void restoreState(float[] src) {
        requireOpen();
        checkState(src.length);
        session.restoreState(src);
        int at = session.stateSize();
        System.arraycopy(src, at, logits, 0, vocabularySize);
        hasNext = !Float.isNaN(src[at]);
    }

    /** Takes the state of {@code other}, a stream of the same model (to fork a text). */
    public void copyStateFrom(TextStream other) {
        requireOpen();
        if (other.model != model) {
            throw new IllegalArgumentException("streams of different text streaming models do not share a state layout");
        }
        other.requireOpen();
        session.copyStateFrom(other.session);
        System.arraycopy(other.logits, 0, logits, 0, vocabularySize);
        hasNext = other.hasNext;
    }

    /** Frees the stream's sessions. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // a batcher's stream is closed as a whole: it waits for a step in flight, then frees its session
        if (batched != null) {
            batched.close();
        } else {
            session.close();
        }
        for (int i = 0; i < beamSessions.length; i++) {
            if (batcher != null) {
                beamStreams[i].close();
            } else {
                beamSessions[i].close();
            }
        }
    }

    private void stepId(int id) {
        try {
            if (batched != null) {
                batched.step(id, logits);
            } else {
                session.step(id, logits);
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
        hasNext = true;
    }

    /** Steps hypothesis i (of n) by tokens[i] into outs[i]: through the batcher all at once, or each session in turn. */
    private void stepHypotheses(StreamSession[] sessions, StreamBatcher.BatchedStream[] streams, int n, int[] tokens, float[][] outs) {
        try {
            if (streams != null) {
                batcher.stepAll(streams, n, tokens, outs);
            } else {
                for (int i = 0; i < n; i++) {
                    sessions[i].step(tokens[i], outs[i]);
                }
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (IllegalStateException e) {
            throw closedOr(e);
        }
    }

    private static IllegalStateException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new IllegalStateException("interrupted while waiting for a batched step", e);
    }

    /** A failed step's exception, saying in this API's terms when a closed stream or model caused it. */
    private IllegalStateException closedOr(IllegalStateException e) {
        if (closed) {
            return new IllegalStateException("the text stream is closed", e);
        }
        if (model.isClosed()) {
            return new IllegalStateException("the text streaming model of this stream is closed", e);
        }
        return e;
    }

    private void ensureBeamSessions(int n) {
        if (beamSessions.length >= n) {
            return;
        }
        StreamSession[] grown = Arrays.copyOf(beamSessions, n);
        StreamBatcher.BatchedStream[] grownStreams = Arrays.copyOf(beamStreams, batcher == null ? 0 : n);
        for (int i = beamSessions.length; i < n; i++) {
            if (batcher != null) {
                grownStreams[i] = batcher.open();
                grown[i] = grownStreams[i].session();
            } else {
                grown[i] = model.streamingModel().newSession(StepOutput.LOGITS);
            }
        }
        beamSessions = grown;
        beamStreams = grownStreams;
    }

    private static double logSumExp(float[] lg) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float l : lg) {
            max = Math.max(max, l);
        }
        for (float l : lg) {
            sum += Math.exp(l - max);
        }
        return max + Math.log(sum);
    }

    /** Inserts c into the first n entries of best (sorted by log-probability, best first, equals kept in arrival order); returns the new count. */
    private static int insert(Completion[] best, int n, Completion c) {
        if (n == best.length && c.logProbability() <= best[n - 1].logProbability()) {
            return n;
        }
        int at = n == best.length ? n - 1 : n++;
        while (at > 0 && best[at - 1].logProbability() < c.logProbability()) {
            best[at] = best[at - 1];
            at--;
        }
        best[at] = c;
        return n;
    }

    /** The text of ids prefix[0..n) followed by id last. */
    private String text(int[] prefix, int n, int last) {
        StringBuilder s = new StringBuilder(n + 1);
        for (int i = 0; i < n; i++) {
            s.appendCodePoint(model.codePoint(prefix[i]));
        }
        return s.appendCodePoint(model.codePoint(last)).toString();
    }

    private int idOf(int codePoint, String what) {
        if (!Character.isValidCodePoint(codePoint)) {
            throw new IllegalArgumentException(what + " " + codePoint + " is not a Unicode code point");
        }
        int id = model.id(codePoint);
        if (id < 0) {
            throw new IllegalArgumentException(String.format("%s '%s' (U+%04X) is not in the model's vocabulary", what,
                    Character.toString(codePoint), codePoint));
        }
        return id;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the text stream is closed");
        }
        if (model.isClosed()) {
            throw new IllegalStateException("the text streaming model of this stream is closed");
        }
    }

    private void requireNext() {
        requireOpen();
        if (!hasNext) {
            throw new IllegalStateException("nothing appended to the text stream yet: the next character needs at least one before it");
        }
    }

    private void checkV(int length) {
        if (length != vocabularySize) {
            throw new IllegalArgumentException("output buffer has " + length + " floats, expected the vocabulary's " + vocabularySize);
        }
    }

    private void checkState(int length) {
        if (length < stateSize()) {
            throw new IllegalArgumentException("state buffer has " + length + " floats, the text stream's state needs " + stateSize());
        }
    }
}
