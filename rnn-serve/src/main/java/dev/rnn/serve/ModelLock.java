package dev.rnn.serve;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serializes the inference calls of one task model (classify, tag, translate). The task models'
 * predict, tag and translate reuse per-model scratch today, so two requests must not run them at
 * once; once those methods are safe from any number of threads this class goes, and its callers call
 * the model directly. The language model's text form is already thread-safe and takes no lock.
 */
final class ModelLock {

    // a ReentrantLock, not synchronized: a request blocked here parks its virtual thread, not its carrier
    private final ReentrantLock lock = new ReentrantLock();

    <T> T call(Supplier<T> inference) {
        lock.lock();
        try {
            return inference.get();
        } finally {
            lock.unlock();
        }
    }
}
