package dev.rnn.bench.report;

import java.util.function.Function;

/** What the load harnesses' mains share: options parsed or a usage error, and waiting for a deadline. */
public final class Harness {

    private Harness() {
    }

    /** The options {@code parse} makes of {@code args}; on its IllegalArgumentException, its message on stderr and exit 2. */
    public static <T> T optionsOrExit(Function<String[], T> parse, String[] args) {
        try {
            return parse.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            throw e;   // not reached
        }
    }

    /** Sleeps until System.nanoTime() reaches {@code deadline}; returns early, interrupt flag set, when interrupted. */
    public static void sleepUntil(long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
