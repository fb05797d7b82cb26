package dev.rnn.simd;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The fixed pool that large products share, and with them the large elementwise and row-wise kernels
 * ({@link SimdSplits}): {@code -Drnn.threads=N} threads in all, the calling thread being one of them. The default is 1, with no pool: a library embedded in a service starts no
 * threads of its own unless asked ({@code ./rnn} asks for one per processor). Work is split into
 * disjoint parts that each thread computes in the same order as a single thread would, so results
 * never depend on the number of threads or on scheduling.
 *
 * <p>Memory from a confined arena can only be touched by the thread that owns it, so a product runs
 * on more than one thread only when its matrices live in a shared, global or automatic arena.
 */
final class GemmThreads {

    static final String PROPERTY = "rnn.threads";

    /** Threads that work on one product, the caller included. */
    static final int THREADS = chooseThreads();

    private static volatile Thread aWorker;

    private static final ThreadPoolExecutor POOL = THREADS > 1 ? startPool() : null;

    private GemmThreads() {
    }

    private static ThreadPoolExecutor startPool() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS - 1, THREADS - 1, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "rnn-gemm");
                    t.setDaemon(true);
                    aWorker = t;
                    return t;
                });
        pool.prestartAllCoreThreads();
        return pool;
    }

    /** Whether the pool's threads may read and write this memory (false for confined arenas). */
    static boolean shareable(MemorySegment segment) {
        Thread worker = aWorker;
        return worker != null && segment.isAccessibleBy(worker);
    }

    private static int chooseThreads() {
        String forced = System.getProperty(PROPERTY);
        if (forced == null || forced.isBlank()) {
            return 1;
        }
        try {
            int n = Integer.parseInt(forced.trim());
            if (n >= 1 && n <= 256) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("-D" + PROPERTY + "=" + forced + " is not a thread count from 1 to 256");
    }

    /** A part of a split job: part {@code index} of {@code parts}. */
    interface Part {
        void run(int index, int parts);
    }

    /**
     * Runs parts 0 … parts−1 of {@code job}, part 0 on the calling thread and the others on the pool,
     * and returns when all are done; the first failure is rethrown. Without a pool the calling thread
     * runs them all, one after another (the same bits: that is what tests with explicit counts check).
     */
    static void run(Part job, int parts) {
        if (parts <= 1) {
            job.run(0, 1);
            return;
        }
        if (POOL == null) {
            for (int i = 0; i < parts; i++) {
                job.run(i, parts);
            }
            return;
        }
        CountDownLatch done = new CountDownLatch(parts - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 1; i < parts; i++) {
            int index = i;
            POOL.execute(() -> {
                try {
                    job.run(index, parts);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            job.run(0, parts);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        // never return while another thread still writes into C: an interrupt is kept for the caller
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error err) {
            throw err;
        }
    }
}
