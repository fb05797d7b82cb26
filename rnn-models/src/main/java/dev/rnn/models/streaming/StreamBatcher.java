package dev.rnn.models.streaming;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous batching: many streams of one {@link StreamingModel} step together on worker threads.
 * Each stream ({@link #open()}) submits one step at a time; a worker that is free takes every step
 * pending at that moment (up to {@code maxBatch}) and runs them as one {@link StreamBatch} step: one
 * product per level over the gathered rows, then the head. With no maximum wait (the default) a worker
 * never waits for more steps than are pending, so a stream alone is stepped at once; an optional
 * {@code maxWait} lets a worker hold a partial batch that long for more steps to arrive. With no maximum
 * wait, a blocking step that finds the batcher idle (nothing pending, every worker parked) right after
 * a batch of one runs as a batch of one on its caller's thread instead, sparing the wake-up of a worker
 * and then of the caller: a stream alone pays no hand-off. Likewise a group of up to
 * {@value #CALLER_MAX_BATCH} steps ({@link #stepAll}) that finds it idle after a batch no larger runs
 * on its caller.
 *
 * <p>Results: a stream's outputs and states are the same bits whatever other streams share its batches
 * and however many there are (see {@link StreamBatch}), so runs are reproducible whatever the load.
 *
 * <p>Callers see a blocking step ({@link BatchedStream#step(int, float[])}) and an asynchronous one
 * ({@link BatchedStream#stepAsync(int, float[])}). Pending steps sit in a bounded queue: when it is
 * full, a blocking step waits for room and an asynchronous one returns a future failed with
 * {@link RejectedExecutionException}, so a flood of steps never grows memory. A blocking step
 * allocates nothing at steady state (idle workers park themselves instead of waiting on the queue's
 * condition); an asynchronous one allocates its future, whose dependent stages run on the worker
 * that completes it unless given an executor, so they must not block on this batcher.
 *
 * <p>Threads: the batcher starts {@code workers} threads of its own (from the given
 * {@link ThreadFactory}, daemon platform threads by default), each with its own {@link StreamBatch}, and
 * stops them on {@link #close()}, after the steps already submitted have run. Thread-safe: any number of
 * threads may open streams and step them; each stream has at most one step in flight.
 */
public final class StreamBatcher implements AutoCloseable {

    /** The most steps one batch takes unless {@link Builder#maxBatch} says otherwise. */
    static final int DEFAULT_MAX_BATCH = 64;

    private final StreamingModel model;
    private final StepOutput output;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final ArrayBlockingQueue<BatchedStream> pending;
    private final Thread[] workers;
    private final AtomicIntegerArray idle;   // 1 while worker i is parked, or about to park, on an empty queue
    private final AtomicInteger running;
    private final LongAdder batchesRun = new LongAdder();   // for monitoring: steps run / batches run = mean batch
    private final LongAdder stepsRun = new LongAdder();     // for monitoring: one add per batch, so counting costs nothing per step
    private final LongAdder batchNanos = new LongAdder();   // for monitoring: time in batch steps / batches run = mean batch time
    // a step that finds the batcher idle runs on its caller, in this batch of one (any thread, one at a
    // time: taken and freed through callerBatchState, closed by close()); null when maxWait asks for batches
    private static final int CALLER_BATCH_FREE = 0, CALLER_BATCH_TAKEN = 1, CALLER_BATCH_CLOSED = 2;
    private final StreamBatch callerBatch;
    private final AtomicInteger callerBatchState = new AtomicInteger(CALLER_BATCH_FREE);
    /**
     * The most steps a caller runs itself: a beam search's hypotheses (width 16 at most in the server),
     * for a caller batch of about 16 × (I + ΣH + Σ gate widths + ΣH + V) floats.
     */
    static final int CALLER_MAX_BATCH = 16;
    private final StreamSession[] callerSession = new StreamSession[CALLER_MAX_BATCH];
    private final int[] callerToken = new int[CALLER_MAX_BATCH];
    private final float[][] callerFeatures = new float[1][];
    private final float[][] callerOut = new float[CALLER_MAX_BATCH][];
    private volatile int lastBatch;          // steps in the batch run last, by a worker or a caller
    private volatile boolean closed;
    private volatile Throwable stopped;      // why the workers stopped, when it was not close()

    private StreamBatcher(Builder b) {
        this.model = b.model;
        this.output = b.output;
        this.maxBatch = b.maxBatch;
        this.maxWaitNanos = b.maxWait.toNanos();
        this.pending = new ArrayBlockingQueue<>(b.queueCapacity);
        this.workers = new Thread[b.workers];
        this.idle = new AtomicIntegerArray(b.workers);
        this.running = new AtomicInteger(b.workers);
        // fails here, on the caller's thread, for an output the model cannot give
        model.newSession(output).close();
        this.callerBatch = maxWaitNanos == 0 ? model.newBatch(CALLER_MAX_BATCH, output, false) : null;
        for (int i = 0; i < workers.length; i++) {
            int index = i;
            workers[i] = b.threadFactory.newThread(() -> work(index));
            if (workers[i] == null) {
                throw new IllegalStateException("the thread factory made no thread");
            }
        }
        int started = 0;
        try {
            for (Thread w : workers) {
                w.start();
                started++;
            }
        } catch (RuntimeException | Error e) {
            // no batcher reaches the caller, so nobody else could stop the workers already started
            closed = true;
            running.addAndGet(started - workers.length);
            for (int i = 0; i < started; i++) {
                LockSupport.unpark(workers[i]);
            }
            if (callerBatch != null) {
                callerBatchState.set(CALLER_BATCH_CLOSED);
                callerBatch.close();
            }
            throw e;
        }
    }

    /** A builder for a batcher over {@code model}. */
    public static Builder builder(StreamingModel model) {
        return new Builder(model);
    }

    /** Settings of a {@link StreamBatcher}; every one has a default. */
    public static final class Builder {
        private final StreamingModel model;
        private StepOutput output;
        private int workers = 1;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private Duration maxWait = Duration.ZERO;
        private int queueCapacity = 1024;
        private ThreadFactory threadFactory;

        private Builder(StreamingModel model) {
            this.model = Objects.requireNonNull(model, "model");
            this.output = model.outputClasses() > 0 ? StepOutput.LOGITS : StepOutput.HIDDEN;
        }

        /** What each step writes: logits by default when the model has an output layer, else the hidden state. */
        public Builder output(StepOutput output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        /** Worker threads, each running one batch at a time (default 1). */
        public Builder workers(int workers) {
            if (workers < 1) {
                throw new IllegalArgumentException("workers is " + workers + ", at least 1 is needed");
            }
            this.workers = workers;
            return this;
        }

        /** The most steps one batch takes (default 64). */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch is " + maxBatch + ", a batch holds at least one step");
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /** How long a worker may hold a partial batch for more steps (default zero: never). */
        public Builder maxWait(Duration maxWait) {
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException("maxWait is negative: " + maxWait);
            }
            this.maxWait = maxWait;
            return this;
        }

        /** The most steps pending at once (default 1024); past it, steps wait or are rejected. */
        public Builder queueCapacity(int queueCapacity) {
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queueCapacity is " + queueCapacity + ", at least 1 is needed");
            }
            this.queueCapacity = queueCapacity;
            return this;
        }

        /** Where the worker threads come from (default: daemon platform threads named rnn-batcher-N). */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        StreamingModel model() {
            return model;
        }

        /** Starts the workers. */
        public StreamBatcher build() {
            if (threadFactory == null) {
                AtomicInteger n = new AtomicInteger();
                threadFactory = r -> {
                    Thread t = new Thread(r, "rnn-batcher-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                };
            }
            return new StreamBatcher(this);
        }
    }

    /** What each step writes into its output array. */
    public StepOutput output() {
        return output;
    }

    /** Values each step writes: V for logits or probabilities, H for the hidden state. */
    public int outputSize() {
        return output == StepOutput.HIDDEN ? model.hiddenSize() : model.outputClasses();
    }

    /** Batch steps the workers have run so far (failed ones included); any thread may read it. */
    public long batchesRun() {
        return batchesRun.sum();
    }

    /** Stream steps run so far in all batches (failed ones included): over {@link #batchesRun()}, the mean batch size. Any thread may read it. */
    public long stepsRun() {
        return stepsRun.sum();
    }

    /** Steps submitted and not yet taken by a worker: the queue's depth at this moment. Any thread may read it. */
    public int pendingSteps() {
        return pending.size();
    }

    /** Steps in the batch run last (0 before the first); any thread may read it. */
    public int lastBatchSize() {
        return lastBatch;
    }

    /**
     * Nanoseconds spent running batch steps so far, summed over the threads that ran them (the
     * workers, and callers that stepped an idle batcher themselves): over {@link #batchesRun()}, the
     * mean time of a batch step. Any thread may read it.
     */
    public long batchNanos() {
        return batchNanos.sum();
    }

    /** A new stream in its initial state (zeros). Close it when done with it. */
    public BatchedStream open() {
        if (closed) {
            throw new IllegalStateException("the stream batcher is closed");
        }
        return new BatchedStream(model.newSession(output));
    }

    /**
     * Steps {@code count} distinct streams of this batcher by one token each and waits for all of them:
     * stream i by {@code tokens[i]}, writing its output into {@code outs[i]} ({@link #outputSize()}
     * floats), or only advancing when {@code outs} is null. The steps are queued together and one
     * worker woken after the last, so a worker that comes free takes them into one batch (up to
     * maxBatch, or an even share when other workers are idle): the hypotheses of a beam search, say.
     * Each stream's result is the same bits as its own {@link BatchedStream#step}'s. Allocates nothing
     * at steady state. Waits for room while the queue is full.
     *
     * <p>On interruption, steps still queued are withdrawn and those a worker took are waited for; then
     * {@link InterruptedException} is thrown, with some streams advanced and others not.
     *
     * @throws IllegalArgumentException for a token outside the vocabulary, an output of the wrong size or
     *                                  a count past the arrays
     * @throws IllegalStateException    when a stream or the batcher is closed, a stream is given twice or
     *                                  has a step in flight (then no step is queued), the model takes
     *                                  feature vectors, or a step failed
     */
    public void stepAll(BatchedStream[] streams, int count, int[] tokens, float[][] outs) throws InterruptedException {
        if (count < 0 || count > streams.length || count > tokens.length || outs != null && count > outs.length) {
            throw new IllegalArgumentException("count " + count + " is past the arrays given (" + streams.length + " streams, "
                    + tokens.length + " tokens" + (outs == null ? "" : ", " + outs.length + " outputs") + ")");
        }
        for (int i = 0; i < count; i++) {
            streams[i].checkToken(tokens[i]);
        }
        Thread me = Thread.currentThread();
        int prepared = 0;
        try {
            for (; prepared < count; prepared++) {
                streams[prepared].prepare(tokens[prepared], null, outs == null ? null : outs[prepared], me, null);
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < prepared; i++) {
                streams[i].state.set(BatchedStream.IDLE);   // nothing queued yet: take the steps back
            }
            throw e;
        }
        if (ranAllOnCaller(streams, count, tokens, outs)) {
            return;
        }
        boolean interrupted = false;
        int queued = 0;
        for (; queued < count; queued++) {
            try {
                pending.put(streams[queued]);
            } catch (InterruptedException e) {
                interrupted = true;
                for (int i = queued; i < count; i++) {
                    streams[i].state.set(BatchedStream.IDLE);
                }
                break;
            }
        }
        wakeAWorker();
        boolean withdrawn = false;
        for (int i = 0; i < queued; i++) {
            withdrawn |= streams[i].withdrawnAfterClose();
        }
        for (int i = 0; i < queued; i++) {
            BatchedStream s = streams[i];
            while (s.state.get() == BatchedStream.SUBMITTED) {
                if (interrupted) {
                    withdraw(streams, queued);
                }
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            throw new InterruptedException("interrupted while " + queued + " steps were queued together");
        }
        if (withdrawn) {
            throw new IllegalStateException("the stream batcher is closed");
        }
        for (int i = 0; i < queued; i++) {
            RuntimeException f = streams[i].failure;
            if (f != null) {
                throw new IllegalStateException("the batched step failed: " + f.getMessage(), f);
            }
        }
    }

    /**
     * Runs the prepared steps of streams[0..count) here, as one batch, when the batcher is idle after a
     * batch no larger: a worker would have run them alone too (the same bits: batch invariance), after
     * two thread wake-ups per group, which a lone beam search pays at each of its steps. False, with
     * nothing done, otherwise.
     */
    private boolean ranAllOnCaller(BatchedStream[] streams, int count, int[] tokens, float[][] outs) {
        if (callerBatch == null || count > CALLER_MAX_BATCH || lastBatch > count || !allWorkersIdle() || !pending.isEmpty()
                || !callerBatchState.compareAndSet(CALLER_BATCH_FREE, CALLER_BATCH_TAKEN)) {
            return false;
        }
        RuntimeException failed = null;
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < count; i++) {
                callerSession[i] = streams[i].session;
                callerToken[i] = tokens[i];
                callerOut[i] = outs == null ? null : outs[i];
            }
            callerBatch.step(callerSession, count, callerToken, outs == null ? null : callerOut);
        } catch (RuntimeException e) {
            failed = e;
        } finally {
            for (int i = 0; i < count; i++) {
                callerSession[i] = null;
                callerOut[i] = null;
                BatchedStream s = streams[i];
                s.waiter = null;
                s.out = null;
                s.state.set(BatchedStream.IDLE);
            }
            batchNanos.add(System.nanoTime() - t0);
            batchesRun.increment();
            lastBatch = count;
            callerBatchState.set(CALLER_BATCH_FREE);
        }
        if (failed != null) {
            throw new IllegalStateException("the batched step failed: " + failed.getMessage(), failed);
        }
        return true;
    }

    /** Takes back the steps of streams[0..n) that no worker has taken yet. */
    private void withdraw(BatchedStream[] streams, int n) {
        for (int i = 0; i < n; i++) {
            if (streams[i].state.get() == BatchedStream.SUBMITTED && pending.remove(streams[i])) {
                streams[i].state.set(BatchedStream.IDLE);
            }
        }
    }

    /**
     * Stops taking steps, lets the workers finish every step already submitted, and waits for them to
     * end, and for a step running on its caller. Streams stay open (close them yourself); the model is
     * not closed. Idempotent.
     */
    @Override
    public void close() {
        for (Thread w : workers) {
            if (w == Thread.currentThread()) {
                throw new IllegalStateException("a stream batcher cannot be closed from its own worker (a step's callback)");
            }
        }
        closed = true;
        boolean interrupted = false;
        for (Thread w : workers) {
            LockSupport.unpark(w); // wakes an idle worker; a busy one drains the queue before it looks again
        }
        for (Thread w : workers) {
            while (w.isAlive()) {
                try {
                    w.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        // a step running on its caller ends first; after this no caller takes the batch
        while (callerBatch != null && callerBatchState.get() != CALLER_BATCH_CLOSED) {
            if (callerBatchState.compareAndSet(CALLER_BATCH_FREE, CALLER_BATCH_CLOSED)) {
                callerBatch.close();
            } else {
                LockSupport.parkNanos(10_000);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the workers ----

    private void work(int index) {
        BatchedStream[] taken = new BatchedStream[maxBatch];
        StreamSession[] sessions = new StreamSession[maxBatch];
        int[] tokens = new int[maxBatch];
        float[][] features = new float[maxBatch][];
        float[][] outs = new float[maxBatch][];
        float[][] scratch = new float[maxBatch][outputSize()];   // for steps that want no output
        try (StreamBatch batch = model.newBatch(maxBatch, output)) {
            while (true) {
                int n = take(index, taken);
                if (n == 0) {
                    return; // closed and nothing left
                }
                for (int i = 0; i < n; i++) {
                    BatchedStream s = taken[i];
                    sessions[i] = s.session;
                    tokens[i] = s.token;
                    features[i] = s.features;
                    outs[i] = s.out != null ? s.out : scratch[i];
                }
                Throwable failure = null;
                long t0 = System.nanoTime();
                try {
                    if (model.takesTokens()) {
                        batch.step(sessions, n, tokens, outs);
                    } else {
                        batch.step(sessions, n, features, outs);
                    }
                } catch (Throwable e) {
                    failure = e;
                }
                batchNanos.add(System.nanoTime() - t0);
                batchesRun.increment();
                stepsRun.add(n);
                lastBatch = n;
                // every step taken is completed, whatever happened, so that no caller waits forever
                RuntimeException given = failure == null ? null
                        : failure instanceof RuntimeException r ? r : new IllegalStateException(failure.toString(), failure);
                for (int i = 0; i < n; i++) {
                    taken[i].complete(given);
                    taken[i] = null;
                    sessions[i] = null;
                    features[i] = null;
                    outs[i] = null;
                }
                if (failure instanceof Error e) {
                    throw e;
                }
            }
        } catch (RuntimeException | Error e) {
            // the workers cannot go on (a model closed under the batcher, no memory for a batch): say so
            stopped = e;
            failPending(stoppedFailure());
            throw e;
        } finally {
            if (running.decrementAndGet() == 0) {
                failPending(stoppedFailure());
            }
        }
    }

    private IllegalStateException stoppedFailure() {
        Throwable why = stopped;
        return why == null ? new IllegalStateException("the stream batcher is closed")
                : new IllegalStateException("the stream batcher's workers stopped: " + why, why);
    }

    /**
     * Waits for at least one step (or the close), then takes what is pending, up to maxBatch. An idle
     * worker parks itself rather than waiting on the queue's condition, which allocates a node at every
     * wait: a submitter unparks an idle worker after queueing its step.
     */
    private int take(int index, BatchedStream[] taken) {
        BatchedStream first;
        while ((first = pending.poll()) == null) {
            if (closed) {
                return 0;
            }
            idle.set(index, 1);
            // look again after saying so: a step queued before that saw no idle worker to wake
            first = pending.poll();
            if (first != null || closed) {
                idle.set(index, 0);
                if (first != null) {
                    break;
                }
                continue;
            }
            LockSupport.park(this);
            idle.set(index, 0);
        }
        taken[0] = first;
        int n = 1;
        int limit = share(index);
        long deadline = maxWaitNanos > 0 ? System.nanoTime() + maxWaitNanos : 0;
        while (n < limit) {
            BatchedStream next = pending.poll();
            if (next == null && maxWaitNanos > 0 && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    next = pending.poll(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break; // run what is here
                }
            }
            if (next == null) {
                break;
            }
            taken[n++] = next;
        }
        return n;
    }

    /**
     * How many steps worker {@code index} takes now: all that are pending (up to maxBatch), or, when
     * other workers are parked, an even share, the rest left for them and one woken. One worker
     * taking everything while the others wake to a step or two gives batches of very uneven size, and
     * a stream caught behind a long batch waits for it: even shares keep batches, and latency, level.
     */
    private int share(int index) {
        if (workers.length == 1) {
            return maxBatch;
        }
        int others = 0;
        for (int i = 0; i < workers.length; i++) {
            if (i != index && idle.get(i) == 1) {
                others++;
            }
        }
        if (others == 0) {
            return maxBatch;
        }
        int pendingNow = pending.size() + 1;   // the step already taken included
        int even = (pendingNow + others) / (others + 1);
        if (pendingNow > even) {
            wakeAWorker();
        }
        return Math.min(maxBatch, even);
    }

    private boolean allWorkersIdle() {
        for (int i = 0; i < workers.length; i++) {
            if (idle.get(i) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Unparks one idle worker, if any: called after a step is queued. */
    private void wakeAWorker() {
        for (int i = 0; i < workers.length; i++) {
            if (idle.get(i) == 1) {
                LockSupport.unpark(workers[i]);
                return;
            }
        }
    }

    private void failPending(RuntimeException e) {
        for (BatchedStream s; (s = pending.poll()) != null; ) {
            s.complete(e);
        }
    }

    /**
     * One stream of a {@link StreamBatcher}: a {@link StreamSession} whose steps run in the batcher's
     * batches. At most one step is in flight at a time; the feature and output arrays given to a step
     * belong to the batcher until that step completes. Not for concurrent use by several threads.
     */
    public final class BatchedStream implements AutoCloseable {

        private static final int IDLE = 0, SUBMITTED = 1, CLOSED = 2;

        private final StreamSession session;
        private final AtomicInteger state = new AtomicInteger(IDLE);
        // the step's arguments and completion, written before submission and read after it (the queue
        // and the state hand them over)
        private int token;
        private float[] features;
        private float[] out;
        private Thread waiter;
        private CompletableFuture<float[]> future;
        private RuntimeException failure;

        private BatchedStream(StreamSession session) {
            this.session = session;
        }

        /**
         * Advances by {@code token} and writes the step's output into {@code out} ({@link #outputSize()}
         * floats), or only advances when {@code out} is null. Blocks until the step has run; waits for
         * room while the queue is full. On interruption a step still queued is withdrawn (the state is
         * unchanged) and {@link InterruptedException} thrown; one already taken by a worker is waited for.
         *
         * @throws IllegalArgumentException for a token outside the vocabulary or an output of the wrong size
         * @throws IllegalStateException    when the stream or the batcher is closed, the model takes feature
         *                                  vectors, or a step of this stream is in flight
         */
        public void step(int token, float[] out) throws InterruptedException {
            checkToken(token);
            prepare(token, null, out, Thread.currentThread(), null);
            if (!ranOnCaller()) {
                submitAndWait();
            }
        }

        /** As {@link #step(int, float[])} for a model that takes feature vectors ({@code features}: I values). */
        public void step(float[] features, float[] out) throws InterruptedException {
            checkFeatures(features);
            prepare(0, features, out, Thread.currentThread(), null);
            if (!ranOnCaller()) {
                submitAndWait();
            }
        }

        /**
         * As {@link #step(int, float[])}, without waiting: the future completes with {@code out} (or null)
         * once the step has run, on the worker thread (see the class comment). When the queue is full the
         * future is returned failed with {@link RejectedExecutionException} and the stream stays idle.
         */
        public CompletableFuture<float[]> stepAsync(int token, float[] out) {
            checkToken(token);
            return submitAsync(token, null, out);
        }

        /** As {@link #stepAsync(int, float[])} for a model that takes feature vectors. */
        public CompletableFuture<float[]> stepAsync(float[] features, float[] out) {
            checkFeatures(features);
            return submitAsync(0, features, out);
        }

        /** The stream's session, for {@link StreamSession#saveState} and the like between steps. */
        public StreamSession session() {
            return session;
        }

        /** Whether a step is in flight. */
        public boolean busy() {
            return state.get() == SUBMITTED;
        }

        /**
         * Waits for a step in flight, then frees the session; a step submitted concurrently either runs
         * first or fails as closed. Idempotent. Close the stream, not its {@link #session()}: a session
         * closed under a queued step fails the whole batch that step lands in.
         */
        @Override
        public void close() {
            boolean interrupted = false;
            while (!state.compareAndSet(IDLE, CLOSED)) {
                if (state.get() == CLOSED) {
                    return;
                }
                // a step in flight keeps its session until the worker is done with it
                if (Thread.interrupted()) {
                    interrupted = true;
                }
                LockSupport.parkNanos(10_000);
            }
            session.close();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private void checkToken(int token) {
            if (!model.takesTokens()) {
                throw new IllegalStateException("this model takes feature vectors, not tokens");
            }
            int vocabulary = model.inputSize();
            if (token < 0 || token >= vocabulary) {
                throw new IllegalArgumentException("token " + token + " is outside the vocabulary 0.." + (vocabulary - 1));
            }
        }

        private void checkFeatures(float[] features) {
            if (model.takesTokens()) {
                throw new IllegalStateException("this model takes tokens, not feature vectors");
            }
            if (features == null || features.length != model.inputSize()) {
                throw new IllegalArgumentException("features have " + (features == null ? "no" : features.length)
                        + " values, expected " + model.inputSize());
            }
        }

        private void prepare(int token, float[] features, float[] out, Thread waiter, CompletableFuture<float[]> future) {
            if (out != null && out.length != outputSize()) {
                throw new IllegalArgumentException("output has " + out.length + " values, expected " + outputSize());
            }
            if (StreamBatcher.this.closed) {
                throw new IllegalStateException(running.get() == 0 ? stoppedFailure().getMessage() : "the stream batcher is closed");
            }
            if (!state.compareAndSet(IDLE, SUBMITTED)) {
                throw new IllegalStateException(state.get() == CLOSED ? "this stream is closed"
                        : "a step of this stream is already in flight");
            }
            this.token = token;
            this.features = features;
            this.out = out;
            this.waiter = waiter;
            this.future = future;
            this.failure = null;
        }

        /**
         * Runs the prepared step here, as a batch of one, when the batcher is idle: every worker parked and
         * nothing pending, so a worker would have run it alone too (the same bits: batch invariance), after
         * two thread wake-ups. False, with nothing done, when it is not idle or another caller is stepping.
         */
        private boolean ranOnCaller() {
            // only after a batch of one: with many streams a worker that has just completed a batch finds
            // the queue empty for a moment, and the first stream back running alone here cost 2.5 times the
            // CPU of a step in a large batch, on a thread the other streams need to submit theirs (at 256
            // streams the batches fell from 156 steps to 56 and the throughput by a third)
            // the workers' flags next (volatile reads), since the queue's size takes its lock
            if (callerBatch == null || lastBatch != 1 || !allWorkersIdle() || !pending.isEmpty()
                    || !callerBatchState.compareAndSet(CALLER_BATCH_FREE, CALLER_BATCH_TAKEN)) {
                return false;
            }
            RuntimeException failed = null;
            long t0 = System.nanoTime();
            try {
                callerSession[0] = session;
                callerOut[0] = out;
                float[][] outs = out == null ? null : callerOut;   // only advancing: the output layer is skipped
                if (model.takesTokens()) {
                    callerToken[0] = token;
                    callerBatch.step(callerSession, 1, callerToken, outs);
                } else {
                    callerFeatures[0] = features;
                    callerBatch.step(callerSession, 1, callerFeatures, outs);
                }
            } catch (RuntimeException e) {
                failed = e;
            } finally {
                callerSession[0] = null;
                callerFeatures[0] = null;
                callerOut[0] = null;
                batchNanos.add(System.nanoTime() - t0);
                batchesRun.increment();
                stepsRun.increment();
                lastBatch = 1;
                callerBatchState.set(CALLER_BATCH_FREE);
                waiter = null;
                features = null;
                out = null;
                state.set(IDLE);
            }
            if (failed != null) {
                throw new IllegalStateException("the batched step failed: " + failed.getMessage(), failed);
            }
            return true;
        }

        private void submitAndWait() throws InterruptedException {
            try {
                pending.put(this);
            } catch (InterruptedException e) {
                state.set(IDLE);
                throw e;
            }
            wakeAWorker();
            if (withdrawnAfterClose()) {
                throw new IllegalStateException("the stream batcher is closed");
            }
            boolean interrupted = false;
            while (state.get() != IDLE) {
                LockSupport.park(this);
                if (Thread.interrupted() && !interrupted) {
                    interrupted = true;
                    if (pending.remove(this)) {
                        // withdrawn before any worker took it: nothing ran
                        state.set(IDLE);
                        throw new InterruptedException("step withdrawn before it ran");
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            RuntimeException f = failure;
            if (f != null) {
                throw new IllegalStateException("the batched step failed: " + f.getMessage(), f);
            }
        }

        private CompletableFuture<float[]> submitAsync(int token, float[] features, float[] out) {
            CompletableFuture<float[]> f = new CompletableFuture<>();
            prepare(token, features, out, null, f);
            if (!pending.offer(this)) {
                state.set(IDLE);
                f.completeExceptionally(new RejectedExecutionException(
                        "the stream batcher's queue is full (" + pending.size() + " steps pending)"));
            } else if (withdrawnAfterClose()) {
                f.completeExceptionally(new IllegalStateException("the stream batcher is closed"));
            } else {
                wakeAWorker();
            }
            return f;
        }

        /**
         * A step queued just as the batcher closed, after its last worker had failed what was pending:
         * taken back, so that nobody waits for it. False when a worker has it or will.
         */
        private boolean withdrawnAfterClose() {
            if (running.get() == 0 && pending.remove(this)) {
                state.set(IDLE);
                return true;
            }
            return false;
        }

        /** Called by a worker once the step has run (or failed). */
        private void complete(RuntimeException e) {
            Thread w = waiter;
            CompletableFuture<float[]> f = future;
            float[] result = out;
            failure = e;
            waiter = null;
            future = null;
            features = null;
            out = null;
            state.set(IDLE);   // publishes the output and the fields above to the stepping thread
            if (w != null) {
                LockSupport.unpark(w);
            } else if (f != null) {
                if (e == null) {
                    f.complete(result);
                } else {
                    f.completeExceptionally(e);
                }
            }
        }
    }
}
