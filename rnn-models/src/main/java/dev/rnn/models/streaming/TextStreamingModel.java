package dev.rnn.models.streaming;

import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.text.Vocabulary;
import java.util.Arrays;
import java.util.List;

/**
 * A character-level language model for streaming text: a {@link StreamingModel} with a token
 * embedding (V×E) and an output layer (V×H), and the {@link Vocabulary} of its V characters, one
 * Unicode code point per token, id i being both input row i and logit i. Text goes in as strings or
 * code points; the next-character distribution comes out as V probabilities aligned with the
 * vocabulary's ids.
 *
 * <p>Immutable and thread-safe: any number of threads may share one model, each with its own
 * {@link TextStream} ({@link #newStream()}), a cheap per-stream context. This model owns its
 * streaming model: {@link #close()} closes it, after which no stream may step.
 *
 * <p>Two forms: {@link #of} steps each stream on its caller's thread, one session at a time (batch 1);
 * {@link #batched} sends every step, appends and beam-search hypotheses alike, through a
 * {@link StreamBatcher} it owns, so that concurrent streams share batches. A batched stream's logits,
 * distributions and completions are the same bits whatever other streams share its batches; they
 * differ from the unbatched form's only by the rounding of sums taken in another order (a batch's
 * product against a session's matrix-vector product).
 *
 * <pre>{@code
 * try (TextStreamingModel lm = charLm.textStreaming(PackedMatrix.Format.F32);   // shared by all threads
 *      TextStream s = lm.newStream()) {                                         // one per conversation
 *     s.append("the cat ");
 *     List<TextStream.NextCharacter> top = s.mostLikelyNext(3);
 *     String more = s.complete(40, new Sampler(0.8, 0, 0.95, 42));
 * }
 * }</pre>
 */
public final class TextStreamingModel implements AutoCloseable {

    /** Pass as {@code stop} to generate the full length whatever the characters. */
    public static final int NO_STOP = -1;

    /** One continuation found by beam search: its text and the total natural log-probability of its characters. */
    public record Completion(String text, double logProbability) {
    }

    private final StreamingModel model;
    private final StreamBatcher batcher;   // null: streams step their own sessions
    private final Vocabulary vocabulary;
    private final int[] codePoints;      // the vocabulary's code points, ascending (binary search: no boxing per character)
    private final int[] idsByCodePoint;  // the id of codePoints[i]
    private final int[] codePointOfId;   // the code point of each id
    private volatile boolean closed;

    private TextStreamingModel(StreamingModel model, StreamBatcher batcher, Vocabulary vocabulary) {
        this.model = model;
        this.batcher = batcher;
        this.vocabulary = vocabulary;
        int v = vocabulary.size();
        codePointOfId = new int[v];
        long[] sorted = new long[v];
        for (int id = 0; id < v; id++) {
            String token = vocabulary.token(id);
            if (token.isEmpty() || token.codePointCount(0, token.length()) != 1) {
                throw new IllegalArgumentException("vocabulary token " + id + " ('" + token
                        + "') is not one character: a text streaming model reads and writes single code points");
            }
            codePointOfId[id] = token.codePointAt(0);
            sorted[id] = ((long) codePointOfId[id] << 32) | id;
        }
        Arrays.sort(sorted);
        codePoints = new int[v];
        idsByCodePoint = new int[v];
        for (int i = 0; i < v; i++) {
            codePoints[i] = (int) (sorted[i] >>> 32);
            idsByCodePoint[i] = (int) sorted[i];
        }
    }

    /**
     * The text form of {@code model}, which it then owns (its {@link #close()} closes {@code model}).
     *
     * @throws IllegalArgumentException when the model lacks a token embedding or an output layer, when its
     *                                  V inputs, V outputs and the vocabulary's size differ, or when a
     *                                  token is not exactly one code point
     * @throws IllegalStateException    when {@code model} is closed
     */
    public static TextStreamingModel of(StreamingModel model, Vocabulary vocabulary) {
        check(model, vocabulary);
        return new TextStreamingModel(model, null, vocabulary);
    }

    /**
     * The batched text form of the builder's model: {@code batching}'s settings (workers, maxBatch,
     * queue, threads; the output is always logits) make a {@link StreamBatcher} through which every
     * stream of this model steps. This model owns the streaming model and the batcher: {@link #close()}
     * stops the batcher's workers, then closes the model. Choose maxBatch for the hypotheses in flight:
     * a beam search of width w submits w steps at once.
     *
     * @throws IllegalArgumentException as {@link #of}
     * @throws IllegalStateException    when the model is closed
     */
    public static TextStreamingModel batched(StreamBatcher.Builder batching, Vocabulary vocabulary) {
        StreamingModel model = batching.model();
        check(model, vocabulary);
        StreamBatcher batcher = batching.output(StepOutput.LOGITS).build();
        return new TextStreamingModel(model, batcher, vocabulary);
    }

    private static void check(StreamingModel model, Vocabulary vocabulary) {
        if (model.isClosed()) {
            throw new IllegalStateException("the streaming model is closed");
        }
        if (!model.takesTokens()) {
            throw new IllegalArgumentException("a text streaming model needs a token embedding; this model takes "
                    + model.inputSize() + " features per step");
        }
        if (model.outputClasses() == 0) {
            throw new IllegalArgumentException("a text streaming model needs an output layer over the vocabulary; this model has none");
        }
        if (vocabulary.size() != model.inputSize() || vocabulary.size() != model.outputClasses()) {
            throw new IllegalArgumentException("vocabulary of " + vocabulary.size() + " characters does not match a model of "
                    + model.inputSize() + " token inputs and " + model.outputClasses() + " output classes");
        }
    }

    /** A new stream at the start of a text (zero state, nothing appended). One thread at a time uses it; close it after use. */
    public TextStream newStream() {
        requireOpen();
        try {
            return batcher == null ? new TextStream(this, model.newSession(StepOutput.LOGITS))
                    : new TextStream(this, batcher.open());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("the text streaming model is closed", e);
        }
    }

    /**
     * {@code prefix} followed by up to {@code length} characters drawn one at a time by {@code sampler}
     * (greedy: {@link Sampler#greedy()}); returns the generated characters only. See
     * {@link TextStream#complete(int, Sampler, int)}.
     */
    public String complete(String prefix, int length, Sampler sampler) {
        return complete(prefix, length, sampler, NO_STOP);
    }

    /** As {@link #complete(String, int, Sampler)}, ending early after the character {@code stop} (included). */
    public String complete(String prefix, int length, Sampler sampler, int stop) {
        requirePrefix(prefix);
        try (TextStream s = newStream()) {
            s.append(prefix);
            return s.complete(length, sampler, stop);
        }
    }

    /** The {@code width} most likely continuations of {@code prefix} that beam search finds; see {@link TextStream#beamSearch}. */
    public List<Completion> beamSearch(String prefix, int width, int length, int stop) {
        requirePrefix(prefix);
        try (TextStream s = newStream()) {
            s.append(prefix);
            return s.beamSearch(width, length, stop);
        }
    }

    private static void requirePrefix(String prefix) {
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("the prefix is empty: the next character needs at least one before it");
        }
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** V, the number of characters. */
    public int size() {
        return codePointOfId.length;
    }

    /** The id of character {@code codePoint}, or −1 when it is not in the vocabulary. */
    public int id(int codePoint) {
        int i = Arrays.binarySearch(codePoints, codePoint);
        return i < 0 ? -1 : idsByCodePoint[i];
    }

    /** The code point of character {@code id}. */
    public int codePoint(int id) {
        if (id < 0 || id >= codePointOfId.length) {
            throw new IllegalArgumentException("character id " + id + " is outside the vocabulary 0.." + (codePointOfId.length - 1));
        }
        return codePointOfId[id];
    }

    /** The streaming model underneath (for batching many streams with {@link StreamingModel#newBatch}); closed with this one. */
    public StreamingModel streamingModel() {
        return model;
    }

    /** The batcher every step of this model's streams goes through, or null for the unbatched form. */
    public StreamBatcher batcher() {
        return batcher;
    }

    boolean isClosed() {
        return closed || model.isClosed();
    }

    void requireOpen() {
        if (isClosed()) {
            throw new IllegalStateException("the text streaming model is closed");
        }
    }

    /**
     * Stops the batcher of a batched model (after the steps already submitted), then closes the
     * streaming model; streams stepping then, or later, fail with an {@link IllegalStateException}.
     * Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        if (batcher != null) {
            batcher.close();
        }
        model.close();
    }
}
