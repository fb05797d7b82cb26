package dev.rnn.serve;

import dev.rnn.models.streaming.StreamBatcher;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * One server's Prometheus metrics, in a registry of its own (two servers in one JVM do not share
 * series): request latency per route template, method and status class; refusals by reason; open
 * streams and their evictions; generated characters; the batchers' batches and queues; the JVM's
 * memory, threads and collections. {@link #scrape()} writes them in the Prometheus text format.
 * Thread-safe.
 */
final class ServeMetrics {

    /** Seconds: from a cached answer (tens of µs) to a long generation. */
    private static final double[] LATENCY_BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Histogram requestSeconds;
    private final Counter refused;
    private final Counter generatedCharacters;
    private final Counter generations;
    private final Map<String, StreamBatcher> batchers = new ConcurrentSkipListMap<>();   // by model name, in name order

    ServeMetrics(TextStreams streams) {
        requestSeconds = Histogram.builder().name("rnn_http_request_duration_seconds")
                .help("Time from a request's arrival to its answer (for server-sent events, to the last event)")
                .labelNames("route", "method", "status").classicOnly().classicUpperBounds(LATENCY_BOUNDS).register(registry);
        refused = Counter.builder().name("rnn_http_refused_total").help("Requests answered 4xx, by the kind of problem")
                .labelNames("reason").register(registry);
        generatedCharacters = Counter.builder().name("rnn_generated_characters_total")
                .help("Characters sent as server-sent events by generate").register(registry);
        generations = Counter.builder().name("rnn_generations_total")
                .help("Generations by how they ended: done (the length reached) or disconnected (the client left first)")
                .labelNames("outcome").register(registry);
        GaugeWithCallback.builder().name("rnn_streams_open").help("Open language-model streams")
                .callback(cb -> cb.call(streams.size())).register(registry);
        CounterWithCallback.builder().name("rnn_stream_evictions_total")
                .help("Streams closed by the service: idle past the timeout, or least recently used when the limit was reached")
                .labelNames("cause")
                .callback(cb -> {
                    cb.call(streams.closedIdle(), "idle");
                    cb.call(streams.closedLeastRecent(), "least_recently_used");
                })
                .register(registry);
        CounterWithCallback.builder().name("rnn_batches_total").help("Batch steps run by the model's batcher").labelNames("model")
                .callback(cb -> batchers.forEach((model, b) -> cb.call(b.batchesRun(), model))).register(registry);
        CounterWithCallback.builder().name("rnn_batch_steps_total").labelNames("model")
                .help("Stream steps run in the model's batches (over rnn_batches_total: the mean batch size)")
                .callback(cb -> batchers.forEach((model, b) -> cb.call(b.stepsRun(), model))).register(registry);
        CounterWithCallback.builder().name("rnn_batch_seconds_total").help("Time spent in the model's batch steps").labelNames("model")
                .callback(cb -> batchers.forEach((model, b) -> cb.call(b.batchNanos() / 1e9, model))).register(registry);
        GaugeWithCallback.builder().name("rnn_batch_last_size").help("Steps in the model's batch run last").labelNames("model")
                .callback(cb -> batchers.forEach((model, b) -> cb.call(b.lastBatchSize(), model))).register(registry);
        GaugeWithCallback.builder().name("rnn_batch_queue_depth").help("Steps waiting for one of the model's batch workers")
                .labelNames("model").callback(cb -> batchers.forEach((model, b) -> cb.call(b.pendingSteps(), model))).register(registry);
        JvmMetrics.builder().register(registry);
    }

    /** The latency histogram's series of one route (its template, e.g. {@code /v1/models/{name}/complete}), method and status class. */
    DistributionDataPoint requestSeconds(String route, String method, String statusClass) {
        return requestSeconds.labelValues(route, method, statusClass);
    }

    void refused(ApiException.Reason reason) {
        refused.labelValues(reason.label).inc();
    }

    void generated(long characters, boolean disconnected) {
        generatedCharacters.inc(characters);
        generations.labelValues(disconnected ? "disconnected" : "done").inc();
    }

    /**
     * Exposes a batcher's work under {@code model}: batches and steps run (their ratio is the mean
     * batch size), seconds in batch steps, the last batch's size and the queue's depth, all read from
     * the batcher's own counters at scrape time, so stepping pays nothing for them.
     */
    void batcher(String model, StreamBatcher batcher) {
        if (batchers.putIfAbsent(model, batcher) != null) {
            throw new IllegalArgumentException("model '" + model + "' already has a batcher watched");
        }
    }

    String contentType() {
        return writer.getContentType();
    }

    /** Every series in the Prometheus text format (version 0.0.4). */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // a ByteArrayOutputStream does not throw
        }
        return out.toByteArray();
    }
}
