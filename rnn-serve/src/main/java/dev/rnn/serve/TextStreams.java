package dev.rnn.serve;

import dev.rnn.models.streaming.TextStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The language-model streams clients keep open between requests, by id: at most {@code maxStreams},
 * each closed after {@code idleNanos} without use, and the least recently used one closed to make
 * room for a new one. Memory is bounded by maxStreams times one stream's footprint (its recurrent
 * state and two vocabulary-sized buffers).
 *
 * <p>Thread-safe. The registry's lock guards the map only; each stream has a lock of its own, held
 * while a request uses it ({@link TextStream} is one thread at a time), and taken before the stream
 * is closed, so an eviction waits for the request using that stream.
 */
final class TextStreams implements AutoCloseable {

    /** One open stream: the model it reads, its text stream, and when it was last used. */
    static final class Entry {
        final String id;
        final ServedModel model;
        final TextStream stream;
        private final ReentrantLock lock = new ReentrantLock();
        private long lastUsed;
        private boolean closed;

        Entry(String id, ServedModel model, TextStream stream, long now) {
            this.id = id;
            this.model = model;
            this.stream = stream;
            this.lastUsed = now;
        }

        /** Closes the stream once no request is using it. */
        void close() {
            lock.lock();
            try {
                closed = true;
                stream.close();
            } finally {
                lock.unlock();
            }
        }
    }

    /** What a request does with a stream while it holds it. */
    interface Use<T> {
        T apply(Entry entry);
    }

    private final int maxStreams;
    private final long idleNanos;
    private final LongSupplier clock;
    private final SecureRandom random = new SecureRandom();
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<String, Entry> byId = new LinkedHashMap<>(16, 0.75f, true);   // access order: eldest = least recently used
    private boolean closed;
    private long closedIdle, closedLeastRecent;   // evictions so far, for monitoring; guarded by lock

    TextStreams(int maxStreams, long idleNanos, LongSupplier clock) {
        this.maxStreams = maxStreams;
        this.idleNanos = idleNanos;
        this.clock = clock;
    }

    /** Opens a stream of {@code model}, after {@code setUp} ran on it (for a prefix); closes the least recently used one when full. */
    String open(ServedModel model, Use<?> setUp) {
        TextStream stream = model.text("streams").newStream();
        String id = newId();
        Entry entry = new Entry(id, model, stream, clock.getAsLong());
        try {
            setUp.apply(entry);
        } catch (RuntimeException e) {
            stream.close();
            throw e;
        }
        List<Entry> gone = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                stream.close();
                throw new ApiException(503, ApiException.Reason.UNAVAILABLE, "the service is shutting down");
            }
            expire(gone);
            while (byId.size() >= maxStreams) {
                Iterator<Entry> eldest = byId.values().iterator();
                gone.add(eldest.next());
                eldest.remove();
                closedLeastRecent++;
            }
            byId.put(id, entry);
        } finally {
            lock.unlock();
        }
        closeAll(gone);
        return id;
    }

    /** Runs {@code use} on stream {@code id} while holding it; a 404 when there is no such stream. */
    <T> T use(String id, Use<T> use) {
        Entry entry;
        List<Entry> gone = new ArrayList<>();
        lock.lock();
        try {
            expire(gone);
            entry = id == null ? null : byId.get(id);   // get() makes it the most recently used
            if (entry != null) {
                entry.lastUsed = clock.getAsLong();
            }
        } finally {
            lock.unlock();
        }
        closeAll(gone);
        if (entry == null) {
            throw unknown(id);
        }
        entry.lock.lock();
        try {
            if (entry.closed) {   // evicted or deleted while this request waited for it
                throw unknown(id);
            }
            return use.apply(entry);
        } finally {
            entry.lock.unlock();
        }
    }

    /** Closes and forgets stream {@code id}; a 404 when there is no such stream. */
    void delete(String id) {
        Entry entry;
        lock.lock();
        try {
            entry = byId.remove(id);
        } finally {
            lock.unlock();
        }
        if (entry == null) {
            throw unknown(id);
        }
        entry.close();
    }

    int size() {
        lock.lock();
        try {
            return byId.size();
        } finally {
            lock.unlock();
        }
    }

    /** Streams closed so far for being idle longer than the timeout. */
    long closedIdle() {
        lock.lock();
        try {
            return closedIdle;
        } finally {
            lock.unlock();
        }
    }

    /** Streams closed so far as the least recently used, to make room for a new one. */
    long closedLeastRecent() {
        lock.lock();
        try {
            return closedLeastRecent;
        } finally {
            lock.unlock();
        }
    }

    /** Closes every stream; opening one afterwards is refused. */
    @Override
    public void close() {
        List<Entry> gone;
        lock.lock();
        try {
            closed = true;
            gone = new ArrayList<>(byId.values());
            byId.clear();
        } finally {
            lock.unlock();
        }
        closeAll(gone);
    }

    /** Moves the streams idle too long into {@code gone}; the caller holds the lock. */
    private void expire(List<Entry> gone) {
        long now = clock.getAsLong();
        for (Iterator<Entry> it = byId.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (now - e.lastUsed < idleNanos) {
                break;   // access order: every later entry was used more recently
            }
            gone.add(e);
            it.remove();
            closedIdle++;
        }
    }

    private static void closeAll(List<Entry> gone) {
        for (Entry e : gone) {
            e.close();
        }
    }

    private String newId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private ApiException unknown(String id) {
        return ApiException.notFound(ApiException.Reason.UNKNOWN_STREAM, "no stream '" + id + "' (never opened, deleted, idle for more than "
                + idleNanos / 1_000_000_000L + " s, or closed as the least recently used of " + maxStreams + ")");
    }
}
