package dev.rnn.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.helidon.http.HeaderValues;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The one skeleton of every route: reads the body (bounded by {@link RnnServer.Limits#maxBodyBytes()}),
 * parses it as one JSON object, runs the route's {@link Body}, writes its answer as JSON (or lets a
 * {@link Sent} answer write itself: server-sent events, the metrics' text), maps every failure to a
 * status and {@code {"error": "..."}}, and records the request's latency under its route template,
 * method and status class, and each refusal's reason. Bad input is a 4xx naming the problem:
 * {@link ApiException} carries its own status; the library's own input checks
 * ({@link IllegalArgumentException}: a character outside the vocabulary, a text without words) are
 * 400, and {@link IllegalStateException} (a stream with nothing appended yet) is 409. Anything else
 * is a defect of the service, answered 500 and logged.
 */
final class JsonEndpoint implements Handler {

    /** What a route computes from its request; the returned object is written as JSON with status 200. */
    interface Body {
        Object answer(Call call) throws Exception;
    }

    /** An answer with a status other than 200. */
    record Reply(int status, Object body) {
    }

    /**
     * An answer that writes the response itself. It may still refuse the request (throw) until it has
     * sent the first byte; a failure after that ends the response as it stands.
     */
    interface Sent {
        void send(ServerResponse response) throws Exception;
    }

    private static final System.Logger LOG = System.getLogger(JsonEndpoint.class.getName());

    /** Strict JSON: duplicate names and trailing content are errors; nesting is bounded so a deep body cannot exhaust the stack. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    private final RnnServer.Limits limits;
    private final ServeMetrics metrics;
    private final String route;
    private final String method;   // null: the request's own (for the route that answers every method)
    private final Body body;
    // the latency series of this route by status class (index status / 100), looked up once each
    private final DistributionDataPoint[] latency = new DistributionDataPoint[6];

    JsonEndpoint(RnnServer.Limits limits, ServeMetrics metrics, String route, String method, Body body) {
        this.limits = limits;
        this.metrics = metrics;
        this.route = route;
        this.method = method;
        this.body = body;
    }

    /** One request as a route sees it: its path parameters and, parsed on first use, its JSON body. */
    final class Call {
        private final ServerRequest request;
        private JsonRequest json;

        Call(ServerRequest request) {
            this.request = request;
        }

        String pathParameter(String name) {
            return request.path().pathParameters().get(name);
        }

        /** The body: one JSON object. */
        JsonRequest json() {
            if (json == null) {
                json = new JsonRequest(parse(readBody(request)), limits);
            }
            return json;
        }

        /** The body as a JSON object, or an empty one when there is no body at all. */
        JsonRequest jsonOrEmpty() {
            if (json == null) {
                byte[] bytes = readBody(request);
                json = new JsonRequest(bytes.length == 0 ? MAPPER.createObjectNode() : parse(bytes), limits);
            }
            return json;
        }
    }

    @Override
    public void handle(ServerRequest request, ServerResponse response) {
        long start = System.nanoTime();
        int status = answer(request, response);
        int statusClass = Math.min(5, Math.max(1, status / 100));
        DistributionDataPoint series = latency[statusClass];
        if (series == null) {   // a benign race: both threads get the same series from the histogram
            String m = method != null ? method : request.prologue().method().text();
            series = metrics.requestSeconds(route, METHODS.contains(m) ? m : "other", statusClass + "xx");
            latency[statusClass] = series;
        }
        series.observe((System.nanoTime() - start) / 1e9);
    }

    /** Runs the route and answers; returns the status sent. */
    private int answer(ServerRequest request, ServerResponse response) {
        int status;
        Object answer;
        try {
            Object result = body.answer(new Call(request));
            if (result instanceof Sent sent) {
                sent.send(response);
                return response.status().code();
            } else if (result instanceof Reply r) {
                status = r.status();
                answer = r.body();
            } else {
                status = 200;
                answer = result;
            }
        } catch (ApiException e) {
            status = e.status();
            answer = error(e.getMessage());
            if (status < 500) {
                metrics.refused(e.reason());
            }
        } catch (IllegalArgumentException e) {
            status = 400;
            answer = error(e.getMessage());
            metrics.refused(ApiException.Reason.INVALID_INPUT);
        } catch (IllegalStateException e) {
            status = 409;
            answer = error(e.getMessage());
            metrics.refused(ApiException.Reason.CONFLICT);
        } catch (Exception | StackOverflowError e) {
            LOG.log(System.Logger.Level.ERROR, "failed on " + request.prologue().method().text() + " " + request.path().path(), e);
            status = 500;
            answer = error("internal error (" + e.getClass().getSimpleName() + "); the service log has the details");
        }
        if (response.isSent()) {   // a Sent answer failed after its first byte: nothing more can be said
            LOG.log(System.Logger.Level.DEBUG, "a streamed answer on " + route + " ended early: " + answer);
            return response.status().code();
        }
        send(response, status, answer);
        return status;
    }

    static void send(ServerResponse response, int status, Object answer) {
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(answer);
        } catch (JsonProcessingException e) {
            LOG.log(System.Logger.Level.ERROR, "an answer could not be written as JSON", e);
            status = 500;
            bytes = "{\"error\":\"internal error: the answer could not be written as JSON\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        response.status(Status.create(status));
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.send(bytes);
    }

    static Map<String, String> error(String message) {
        return Map.of("error", message == null || message.isBlank() ? "bad request" : message);
    }

    /** The body's bytes, refusing more than the limit before reading them when the length is announced. */
    private byte[] readBody(ServerRequest request) {
        int max = limits.maxBodyBytes();
        OptionalLong announced = request.headers().contentLength();
        if (announced.isPresent() && announced.getAsLong() > max) {
            throw tooLarge(announced.getAsLong() + " bytes");
        }
        if (!request.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = request.content().inputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (out.size() + n > max) {
                    throw tooLarge("more than " + max + " bytes");
                }
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw ApiException.malformed("the body could not be read: " + e.getMessage());
        }
    }

    private ApiException tooLarge(String found) {
        return ApiException.tooLarge("the body has " + found + ", more than the limit of " + limits.maxBodyBytes() + " bytes");
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) {
            throw ApiException.malformed("the body is empty; expected a JSON object");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw ApiException.malformed("malformed JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column "
                    + at.getColumnNr()) + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.malformed("malformed JSON: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw ApiException.malformed("the body is empty; expected a JSON object");
        }
        if (!node.isObject()) {
            throw ApiException.malformed("the body must be a JSON object, found " + JsonRequest.kind(node));
        }
        return node;
    }
}
