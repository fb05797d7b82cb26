package dev.rnn.models.tasks;

/**
 * The runners (per-call layers and buffers) of one task model, lent to its inference calls so that
 * any number of threads can share the model. A call borrows a runner built for its batch with at
 * least its steps (a new one when no idle runner fits), owns it alone, and gives it back when done,
 * failed or not. Up to {@code maxIdle} idle runners are kept, the most recently returned first; the
 * oldest beyond that are closed. The lock guards the idle list only: runners are made, run and
 * closed outside it.
 *
 * <p>{@link #shutDown} closes the idle runners and refuses further loans with an
 * {@link IllegalStateException} naming the model; runners lent at that moment are closed when they
 * come back. Thread-safe.
 */
final class RunnerPool<R extends RunnerPool.Lendable> {

    /** A runner the pool can match to a request: the batch it was built for and the steps it holds. */
    interface Lendable extends AutoCloseable {
        int batch();

        int steps();

        @Override
        void close();
    }

    /** Makes a runner for {@code batch} rows and at least {@code steps} steps. */
    interface Factory<R> {
        R make(int batch, int steps);
    }

    /**
     * Idle runners kept by default: calls beyond the processor count wait for a core anyway, and each
     * idle runner holds its buffers' memory.
     */
    static final int DEFAULT_IDLE = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final String model;
    private final Factory<R> factory;
    private final Object[] idle;        // idle[0 .. count): oldest first; guarded by this
    private int count;
    private volatile boolean closed;

    /** A pool for the model named {@code model} (as in "this SentenceClassifier is closed"). */
    RunnerPool(String model, int maxIdle, Factory<R> factory) {
        if (maxIdle < 1) {
            throw new IllegalArgumentException("a runner pool keeps at least 1 idle runner, found " + maxIdle);
        }
        this.model = model;
        this.factory = factory;
        this.idle = new Object[maxIdle];
    }

    /** An idle runner of this batch with at least these steps, or a new one; give it back with {@link #giveBack}. */
    @SuppressWarnings("unchecked")
    R borrow(int batch, int steps) {
        synchronized (this) {
            checkOpen();
            for (int i = count - 1; i >= 0; i--) {
                R r = (R) idle[i];
                if (r.batch() == batch && r.steps() >= steps) {
                    System.arraycopy(idle, i + 1, idle, i, count - 1 - i);
                    idle[--count] = null;
                    return r;
                }
            }
        }
        return factory.make(batch, steps);
    }

    /** Takes back a runner from {@link #borrow}; closes it when the pool is full (the oldest idle one goes) or shut down. */
    @SuppressWarnings("unchecked")
    void giveBack(R runner) {
        R evicted = null;
        synchronized (this) {
            if (!closed) {
                if (count == idle.length) {
                    evicted = (R) idle[0];
                    System.arraycopy(idle, 1, idle, 0, count - 1);
                    count--;
                }
                idle[count++] = runner;
                runner = null;
            }
        }
        if (runner != null) {
            runner.close();
        }
        if (evicted != null) {
            evicted.close();
        }
    }

    /** Throws the model's "closed" error after {@link #shutDown}. */
    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this " + model + " is closed");
        }
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * A failure of a call explained: after {@link #shutDown} the model's memory went away under the
     * call, which says so; otherwise {@code e} itself.
     */
    RuntimeException failure(IllegalStateException e) {
        return closed ? new IllegalStateException("this " + model + " was closed during the call", e) : e;
    }

    /** Idle runners now held (for tests). */
    synchronized int idle() {
        return count;
    }

    /** Closes the idle runners and refuses further loans; true for the one call that shut the pool down. */
    boolean shutDown() {
        Object[] toClose;
        int n;
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            toClose = idle.clone();
            n = count;
            java.util.Arrays.fill(idle, null);
            count = 0;
        }
        for (int i = 0; i < n; i++) {
            ((Lendable) toClose[i]).close();
        }
        return true;
    }
}
