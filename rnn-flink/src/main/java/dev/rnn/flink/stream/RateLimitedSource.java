package dev.rnn.flink.stream;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.util.ratelimit.GuavaRateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimitedSourceReader;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A source whose every reader emits at most {@code perSecond} records a second, to replay a recorded file
 * of events at a live pace (a file is one split, read by one reader). Splits, enumerator and checkpoints
 * are the wrapped source's, so the reader's position is restored exactly after a failure. For sources
 * whose readers need no checkpoint notifications or source events (Flink's limiting reader does not pass
 * them on), such as the file source. Serializable, as every Flink source; each reader has its own limiter.
 */
final class RateLimitedSource<T, S extends SourceSplit, E> implements Source<T, S, E> {

    private static final long serialVersionUID = 1L;

    private final Source<T, S, E> source;
    private final double perSecond;

    RateLimitedSource(Source<T, S, E> source, double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("a rate must be positive, found " + perSecond);
        }
        this.source = source;
        this.perSecond = perSecond;
    }

    @Override
    public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
        return new RateLimitedSourceReader<>(source.createReader(context), new GuavaRateLimiter<>(perSecond));
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SplitEnumerator<S, E> createEnumerator(SplitEnumeratorContext<S> context) throws Exception {
        return source.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<S, E> restoreEnumerator(SplitEnumeratorContext<S> context, E checkpoint) throws Exception {
        return source.restoreEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<S> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<E> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }
}
