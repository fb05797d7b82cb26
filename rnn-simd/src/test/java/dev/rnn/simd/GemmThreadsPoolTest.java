package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The suite's pool ({@code -Drnn.threads=4} in the build, whatever the processor count) runs the parts
 * of a split job at the same time on distinct threads, so the thread-count properties compare against
 * real concurrency, not one thread doing every part in turn.
 */
class GemmThreadsPoolTest {

    @Test
    void everyPartRunsAtOnceOnItsOwnThread() {
        assertTrue(GemmThreads.THREADS >= 4, "the suite forces -Drnn.threads=4; found " + GemmThreads.THREADS);
        int parts = GemmThreads.THREADS;
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch started = new CountDownLatch(parts);
        boolean[] allMet = new boolean[parts];
        GemmThreads.run((index, count) -> {
            threads.add(Thread.currentThread());
            started.countDown();
            try {
                // each part waits for every other: only parts running at the same time get past this
                allMet[index] = started.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, parts);
        assertEquals(parts, threads.size(), "distinct threads");
        for (int i = 0; i < parts; i++) {
            assertTrue(allMet[i], "part " + i + " did not meet the others");
        }
    }
}
