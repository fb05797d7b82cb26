package dev.rnn.serve;

import dev.rnn.models.tasks.TaskModel;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * An HTTP service over task models opened with {@code ModelFiles}: JSON routes to classify, tag,
 * translate, complete and forecast, language-model streams kept between requests (with server-sent
 * events for generation), health checks and Prometheus metrics at {@code /metrics}, in a registry of
 * this server's own, and a web page at {@code /} that calls them as one types ({@code docs/serving.md}
 * lists the routes with examples). Runs on Helidon SE's web server, one virtual thread per request.
 *
 * <pre>{@code
 * try (RnnServer server = RnnServer.builder().model("lm", ModelFiles.open(Path.of("lm.safetensors"))).port(8080).build().start()) {
 *     server.awaitStop();
 * }
 * }</pre>
 *
 * <p>The caller keeps ownership of the task models and closes them after the server; the server
 * closes what it builds from them (the language models' text forms and their streams). Thread-safe.
 */
public final class RnnServer implements AutoCloseable {

    /**
     * What one request may ask for: body bytes, text length in characters (code points), beam width,
     * completion length; and how many language-model streams stay open, for how long unused.
     */
    public record Limits(int maxBodyBytes, int maxTextLength, int maxBeamWidth, int maxCompletionLength, int maxStreams,
                         Duration streamIdleTimeout) {
        public Limits {
            if (maxBodyBytes < 64 || maxTextLength < 1 || maxBeamWidth < 1 || maxCompletionLength < 1 || maxStreams < 1) {
                throw new IllegalArgumentException("limits must be ≥ 1 (body ≥ 64 bytes): body " + maxBodyBytes + ", text "
                        + maxTextLength + ", beam " + maxBeamWidth + ", completion " + maxCompletionLength + ", streams " + maxStreams);
            }
            if (streamIdleTimeout.isNegative() || streamIdleTimeout.isZero()) {
                throw new IllegalArgumentException("the stream idle timeout must be positive, found " + streamIdleTimeout);
            }
        }

        /** 1 MiB bodies, 10,000 characters, beams of 16, completions of 1,000 characters, 1,000 streams idle for 10 minutes at most. */
        public static Limits defaults() {
            return new Limits(1 << 20, 10_000, 16, 1_000, 1_000, Duration.ofMinutes(10));
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Map<String, ServedModel> models;
    private final Limits limits;
    private final TextStreams streams;
    private final ServeMetrics metrics;
    private final WebServer server;
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    private final boolean warmUp;
    private volatile boolean ready;

    /** Registers {@code body} for {@code method} on {@code path}, whose template labels its latency series. */
    private void route(HttpRouting.Builder routing, Method method, String path, JsonEndpoint.Body body) {
        routing.route(method, path, new JsonEndpoint(limits, metrics, path, method.text(), body));
    }

    private RnnServer(Builder b) {
        this.limits = b.limits;
        this.warmUp = b.warmUp;
        this.models = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, TaskModel> e : b.models.entrySet()) {
                models.put(e.getKey(), new ServedModel(e.getKey(), e.getValue()));
            }
        } catch (RuntimeException e) {
            models.values().forEach(ServedModel::close);
            throw e;
        }
        this.streams = new TextStreams(limits.maxStreams(), limits.streamIdleTimeout().toNanos(), b.clock);
        this.metrics = new ServeMetrics(streams);
        for (ServedModel served : models.values()) {
            if (served.isLanguageModel()) {
                metrics.batcher(served.name(), served.text("metrics").batcher());   // its batches and queue on /metrics
            }
        }
        ModelRoutes modelRoutes = new ModelRoutes(models, limits);
        StreamRoutes streamRoutes = new StreamRoutes(modelRoutes, streams, limits, metrics);
        PageRoutes page = new PageRoutes();
        HttpRouting.Builder routing = HttpRouting.builder()
                .get("/", page::index)             // static files: not timed with the API's routes
                .get("/page/{file}", page::file);
        route(routing, Method.GET, "/health/live", call -> Map.of("status", "UP"));
        route(routing, Method.GET, "/health/ready", call -> ready
                ? Map.of("status", "UP", "models", models.size())
                : new JsonEndpoint.Reply(503, Map.of("status", "DOWN")));
        route(routing, Method.GET, "/metrics", call -> (JsonEndpoint.Sent) response -> {
            response.header(HeaderNames.CONTENT_TYPE, metrics.contentType());
            response.send(metrics.scrape());
        });
        route(routing, Method.GET, "/v1/models", modelRoutes::list);
        route(routing, Method.POST, "/v1/models/{name}/classify", modelRoutes::classify);
        route(routing, Method.POST, "/v1/models/{name}/tag", modelRoutes::tag);
        route(routing, Method.POST, "/v1/models/{name}/translate", modelRoutes::translate);
        route(routing, Method.POST, "/v1/models/{name}/complete", modelRoutes::complete);
        route(routing, Method.POST, "/v1/models/{name}/forecast", modelRoutes::forecast);
        route(routing, Method.POST, "/v1/models/{name}/streams", streamRoutes::open);
        route(routing, Method.POST, "/v1/streams/{id}/append", streamRoutes::append);
        route(routing, Method.POST, "/v1/streams/{id}/generate", streamRoutes::generate);
        route(routing, Method.GET, "/v1/streams/{id}/state", streamRoutes::state);
        route(routing, Method.PUT, "/v1/streams/{id}/state", streamRoutes::restore);
        route(routing, Method.DELETE, "/v1/streams/{id}", streamRoutes::delete);
        routing.any(new JsonEndpoint(limits, metrics, "unmatched", null, call -> {
            throw ApiException.notFound(ApiException.Reason.UNKNOWN_ROUTE, "no such route; docs/serving.md lists the routes");
        }));
        this.server = WebServer.builder()
                .host(b.host)
                .port(b.port)
                .shutdownHook(false)   // the owner stops the server, after which it closes the models
                .shutdownGracePeriod(b.shutdownGracePeriod)
                .routing(routing)
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts listening; returns this server. With {@link Builder#warmUp} it then warms every language
     * model ({@link dev.rnn.models.streaming.StreamingModel#warmUp(int)} up to the batcher's largest
     * batch) before readiness turns UP: requests are answered meanwhile, only slower.
     */
    public RnnServer start() {
        try {
            server.start();
        } catch (RuntimeException e) {   // the port taken, the host unknown: free what the server built
            close();
            throw e;
        }
        if (warmUp) {
            for (ServedModel served : models.values()) {
                if (served.isLanguageModel()) {
                    served.text("warm-up").streamingModel().warmUp(ServedModel.MAX_BATCH);
                }
            }
        }
        ready = true;
        return this;
    }

    /** The port listened on (the one chosen when the builder's port was 0). */
    public int port() {
        return server.port();
    }

    public Limits limits() {
        return limits;
    }

    /** This server's metrics (tests and the batched streams register with it). */
    ServeMetrics metrics() {
        return metrics;
    }

    /** Open language-model streams. */
    public int openStreams() {
        return streams.size();
    }

    /**
     * Stops the server: readiness turns DOWN, no new connection is accepted, requests in flight get
     * the shutdown grace period to finish; then every stream and text model the server built is
     * closed. Idempotent.
     */
    @Override
    public void close() {
        ready = false;
        try {
            if (server.isRunning()) {
                server.stop();
            }
        } finally {
            streams.close();
            models.values().forEach(ServedModel::close);
            stopped.countDown();
        }
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Models (name → task model), where to listen, and limits. */
    public static final class Builder {
        private final Map<String, TaskModel> models = new LinkedHashMap<>();
        private String host = "127.0.0.1";
        private int port = 0;
        private Limits limits = Limits.defaults();
        private Duration shutdownGracePeriod = Duration.ofSeconds(10);
        private LongSupplier clock = System::nanoTime;
        private boolean warmUp;

        private Builder() {
        }

        /** Serves {@code model} under {@code name} (letters, digits, '.', '_' and '-', at most 64). */
        public Builder model(String name, TaskModel model) {
            Objects.requireNonNull(model, "model");
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("model name '" + name + "' must be 1 to 64 letters, digits, '.', '_' or '-',"
                        + " starting with a letter or digit");
            }
            if (models.putIfAbsent(name, model) != null) {
                throw new IllegalArgumentException("model name '" + name + "' is given twice");
            }
            return this;
        }

        /** Serves every model of {@code named}, in its iteration order. */
        public Builder models(Map<String, ? extends TaskModel> named) {
            named.forEach(this::model);
            return this;
        }

        /** The address to listen on (default 127.0.0.1: this machine only). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The port (default 0: a free port, see {@link RnnServer#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], found " + port);
            }
            this.port = port;
            return this;
        }

        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Whether {@link RnnServer#start()} warms the language models before readiness turns UP
         * (default false): without it, a cold JVM's first answers take seconds, its first thousands of
         * steps many times the steady time. It costs seconds of CPU per model at start.
         */
        public Builder warmUp(boolean warmUp) {
            this.warmUp = warmUp;
            return this;
        }

        /** How long requests in flight may run on after {@link RnnServer#close()} began (default 10 s). */
        public Builder shutdownGracePeriod(Duration period) {
            this.shutdownGracePeriod = Objects.requireNonNull(period, "period");
            return this;
        }

        /** The clock of the streams' idle timeout, in nanoseconds (tests pass their own). */
        Builder clock(LongSupplier nanos) {
            this.clock = nanos;
            return this;
        }

        public RnnServer build() {
            if (models.isEmpty()) {
                throw new IllegalArgumentException("a server needs at least one model");
            }
            return new RnnServer(this);
        }
    }
}
