package dev.rnn.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.models.tasks.TaskModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code GET /metrics} over a real socket: the exposition parses, and each series moves with what the server did. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {

    static final String CLASSIFY = "/v1/models/{name}/classify";

    ServedModels.Opened opened;
    Path dir;
    Map<String, TaskModel> models;
    RnnServer first, second;
    Http http, other;

    @BeforeAll
    void start() throws Exception {
        opened = ServedModels.Opened.create("rnn-serve-metrics");
        dir = opened.dir();
        models = opened.models();
        RnnServer.Limits limits = new RnnServer.Limits(4096, 1000, 4, 30, 2, Duration.ofMinutes(1));
        // two servers in one JVM: each has its own registry, so neither sees the other's requests
        first = RnnServer.builder().models(models).limits(limits).build().start();
        second = RnnServer.builder().models(models).limits(limits).build().start();
        http = new Http(first.port());
        other = new Http(second.port());
    }

    @AfterAll
    void stop() throws Exception {
        http.close();
        other.close();
        first.close();
        second.close();
        opened.close();
    }

    Exposition scrape(Http client) throws Exception {
        Http.Answer a = client.get("/metrics");
        assertEquals(200, a.status(), a.body());
        return new Exposition(a.body());
    }

    @Test
    void requestLatencyIsCountedPerRouteMethodAndStatusClass() throws Exception {
        Exposition before = scrape(http);
        for (int i = 0; i < 5; i++) {
            assertEquals(200, http.post("/v1/models/sentiment/classify", Map.of("text", "the food was great")).status());
        }
        assertEquals(400, http.post("/v1/models/sentiment/classify", Map.of("text", "")).status());
        assertEquals(404, http.post("/v1/models/nope/classify", Map.of("text", "a")).status());
        assertEquals(404, http.get("/v2/anything").status());
        Exposition after = scrape(http);
        String count = "rnn_http_request_duration_seconds_count";
        assertEquals(5, after.value(count, "route", CLASSIFY, "method", "POST", "status", "2xx")
                - before.value(count, "route", CLASSIFY, "method", "POST", "status", "2xx"));
        assertEquals(2, after.value(count, "route", CLASSIFY, "method", "POST", "status", "4xx")
                - before.value(count, "route", CLASSIFY, "method", "POST", "status", "4xx"));
        assertEquals(1, after.value(count, "route", "unmatched", "method", "GET", "status", "4xx")
                - before.value(count, "route", "unmatched", "method", "GET", "status", "4xx"));
        assertEquals(after.value(count, "route", CLASSIFY, "method", "POST", "status", "2xx"),
                after.value("rnn_http_request_duration_seconds_bucket", "route", CLASSIFY, "method", "POST", "status", "2xx", "le", "+Inf"),
                "every request falls in the +Inf bucket");
        assertTrue(after.value("rnn_http_request_duration_seconds_sum", "route", CLASSIFY, "method", "POST", "status", "2xx") > 0);
        assertEquals(1, after.value("rnn_http_refused_total", "reason", "invalid_field") - before.value("rnn_http_refused_total", "reason", "invalid_field"));
        assertEquals(1, after.value("rnn_http_refused_total", "reason", "unknown_model") - before.value("rnn_http_refused_total", "reason", "unknown_model"));
        assertEquals(1, after.value("rnn_http_refused_total", "reason", "unknown_route") - before.value("rnn_http_refused_total", "reason", "unknown_route"));
        assertTrue(after.has("jvm_memory_used_bytes") && after.has("jvm_threads_current") && after.has("jvm_gc_collection_seconds_count"),
                "the JVM's own metrics are there");
        assertEquals(0, scrape(other).value(count, "route", CLASSIFY, "method", "POST", "status", "2xx"), "the second server counted nothing");
    }

    @Test
    void openStreamsAndEvictionsAreCounted() throws Exception {
        Exposition before = scrape(other);
        for (int i = 0; i < 3; i++) {   // one more than the limit of 2: the least recently used one is closed
            assertEquals(201, other.post("/v1/models/lm/streams", Map.of("prefix", "the")).status());
        }
        Exposition after = scrape(other);
        assertEquals(2, after.value("rnn_streams_open"));
        assertEquals(1, after.value("rnn_stream_evictions_total", "cause", "least_recently_used")
                - before.value("rnn_stream_evictions_total", "cause", "least_recently_used"));
    }

    /** The language model's streams step through the server's batcher, whose batches, steps and queue are series. */
    @Test
    void theBatcherShowsItsBatchesStepsAndQueue() throws Exception {
        Exposition before = scrape(http);
        Http.Answer opened = http.post("/v1/models/lm/streams", Map.of());
        assertEquals(201, opened.status(), opened.body());
        String id = opened.json().get("id").asText();
        assertEquals(200, http.post("/v1/streams/" + id + "/append", Map.of("text", "the cat")).status());
        Exposition after = scrape(http);
        assertEquals(7, after.value("rnn_batch_steps_total", "model", "lm") - before.value("rnn_batch_steps_total", "model", "lm"),
                "one step per character appended");
        double batches = after.value("rnn_batches_total", "model", "lm") - before.value("rnn_batches_total", "model", "lm");
        assertTrue(batches >= 1 && batches <= 7, "batches run: " + batches);
        assertEquals(0, after.value("rnn_batch_queue_depth", "model", "lm"));
        assertEquals(1, after.value("rnn_batch_last_size", "model", "lm"), "a stream alone steps in batches of one");
        assertTrue(after.value("rnn_batch_seconds_total", "model", "lm") > before.value("rnn_batch_seconds_total", "model", "lm"));
    }
}
