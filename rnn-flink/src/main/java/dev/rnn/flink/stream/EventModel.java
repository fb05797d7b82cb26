package dev.rnn.flink.stream;

/**
 * One task's inference over keyed events, opened once per operator instance: each key's state is
 * {@link #stateSize()} floats, and an event of that key is loaded with its state into a row of a batch
 * ({@link #load}), the rows are stepped together ({@link #step}), and each row's output text and new
 * state come out ({@link #finish}). Rows are independent and a row's results are the same bits
 * whatever else shares its step (batch invariance), so one event at a time and batches of any size
 * give the same output. Not thread-safe: one per subtask, used by its task thread.
 */
public interface EventModel extends AutoCloseable {

    /** Floats in a key's state; fixed for the model. */
    int stateSize();

    /** Rows one {@link #step} takes at most. */
    int maxBatch();

    /** The state of a key before its first event (a new array). */
    float[] initialState();

    /**
     * Loads event {@code value} of a key whose state is {@code state} into {@code row}; returns null,
     * or, for input the model cannot take, the reason ({@code "kind: detail"}) and leaves state alone.
     * The row keeps {@code state} and writes the key's new state into it at {@link #finish}.
     */
    String load(int row, String value, float[] state);

    /** Steps rows 0..count (each loaded since the last step). */
    void step(int count);

    /** Row {@code row}'s output (tab-separated fields, no key) after {@link #step}; writes the key's new state. */
    String finish(int row);

    /** Frees the model. */
    @Override
    void close();
}
