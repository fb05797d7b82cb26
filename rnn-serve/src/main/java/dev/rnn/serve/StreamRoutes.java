package dev.rnn.serve;

import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import io.helidon.http.sse.SseEvent;
import io.helidon.webserver.sse.SseSink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes on language-model streams kept between requests: open (with an optional prefix),
 * append and read the next-character top-k, generate (server-sent events), save and restore the
 * state, delete.
 *
 * <p>A state travels as base64 of its {@link TextStream#stateSize()} floats, little-endian IEEE 754
 * binary32: exact, NaN included (a stream with nothing appended has NaN logits), which JSON numbers
 * cannot carry.
 */
final class StreamRoutes {

    private final ModelRoutes models;
    private final TextStreams streams;
    private final RnnServer.Limits limits;
    private final ServeMetrics metrics;

    StreamRoutes(ModelRoutes models, TextStreams streams, RnnServer.Limits limits, ServeMetrics metrics) {
        this.models = models;
        this.streams = streams;
        this.limits = limits;
        this.metrics = metrics;
    }

    /** POST /v1/models/{name}/streams {"prefix"?, "top"?}: 201 with the new stream's id (and the top-k after the prefix). */
    Object open(JsonEndpoint.Call call) {
        ServedModel served = models.model(call);
        served.text("streams");
        JsonRequest json = call.jsonOrEmpty().allow("prefix", "top");
        String prefix = json.text("prefix", false);
        int top = json.integer("top", 5, 1, Integer.MAX_VALUE);
        Map<String, Object> out = new LinkedHashMap<>();
        String id = streams.open(served, e -> {
            if (prefix != null && !prefix.isEmpty()) {
                e.stream.append(prefix);
                out.put("next", ModelRoutes.nextCharacters(e.stream.mostLikelyNext(top)));
            }
            return null;
        });
        out.put("id", id);
        out.put("model", served.name());
        return new JsonEndpoint.Reply(201, out);
    }

    /**
     * POST /v1/streams/{id}/append {"text", "top", "completions"?: {"count", "length", "beam"}}: the
     * next-character top-k after the text and, when asked, the {@code count} best continuations of
     * {@code length} characters a beam of width {@code beam} finds, in one request (an autocomplete
     * keystroke). The stream's own state is only advanced by the text.
     */
    Object append(JsonEndpoint.Call call) {
        JsonRequest json = call.json().allow("text", "top", "completions");
        String text = json.text("text", true);
        int top = json.integer("top", 5, 1, Integer.MAX_VALUE);
        JsonRequest completions = json.object("completions");
        int count = 0, length = 0, beam = 0;
        if (completions != null) {
            completions.allow("count", "length", "beam");
            count = completions.integer("count", Math.min(3, limits.maxBeamWidth()), 1, limits.maxBeamWidth());
            beam = completions.integer("beam", count, count, limits.maxBeamWidth());
            length = completions.integer("length", Math.min(12, limits.maxCompletionLength()), 1, limits.maxCompletionLength());
        }
        int k = count, n = length, width = beam;
        return streams.use(call.pathParameter("id"), e -> {
            e.stream.append(text);
            List<TextStream.NextCharacter> next = e.stream.mostLikelyNext(top);
            if (k == 0) {
                return Map.of("next", ModelRoutes.nextCharacters(next));
            }
            List<TextStreamingModel.Completion> found = e.stream.beamSearch(width, n);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("next", ModelRoutes.nextCharacters(next));
            out.put("completions", ModelRoutes.completions(found.subList(0, Math.min(k, found.size()))));
            return out;
        });
    }

    /**
     * POST /v1/streams/{id}/generate {"length"?, sampling fields}: draws characters one at a time,
     * appending each to the stream, and sends each as a server-sent event as soon as it is drawn:
     * {@code data: {"character": "a", "probability": 0.41}}, then {@code event: done} with the text and
     * the seed. Every check (fields, stream, something appended) is made before the first event, so a
     * refusal is a JSON 4xx; a client that leaves stops the generation at its next event, the stream
     * keeping what was drawn until then.
     */
    Object generate(JsonEndpoint.Call call) {
        String id = call.pathParameter("id");
        JsonRequest json = call.json().allow("length", "temperature", "topK", "topP", "seed");
        int length = json.integer("length", Math.min(100, limits.maxCompletionLength()), 1, limits.maxCompletionLength());
        return (JsonEndpoint.Sent) response -> streams.use(id, e -> {
            Generation.Options options = Generation.Options.of(json, e.stream.model().size());
            float[] probabilities = new float[e.stream.model().size()];
            e.stream.nextProbabilities(probabilities);   // a 409 here, before any event, when nothing was appended
            StringBuilder text = new StringBuilder(length);
            boolean disconnected = false;
            SseSink sink = response.sink(SseSink.TYPE);
            try {
                Generation.run(e.stream, options.sampler(), length, probabilities, (cp, p) -> {
                    text.appendCodePoint(cp);
                    emit(sink, SseEvent.create(json(Map.of("character", Character.toString(cp), "probability", p))));
                });
                emit(sink, SseEvent.builder().name("done").data(json(Map.of("text", text.toString(),
                        "length", text.codePointCount(0, text.length()), "seed", options.seed()))).build());
            } catch (ClientGone gone) {
                disconnected = true;
            } finally {
                metrics.generated(text.codePointCount(0, text.length()), disconnected);
                try {
                    sink.close();
                } catch (RuntimeException alreadyGone) {
                    // the connection is closed: nothing left to end
                }
            }
            return null;
        });
    }

    /** The client closed the connection of a server-sent event stream. */
    private static final class ClientGone extends RuntimeException {
        ClientGone(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    private static void emit(SseSink sink, SseEvent event) {
        try {
            sink.emit(event);
        } catch (RuntimeException e) {   // Helidon's writer fails with an unchecked exception of its own on a closed socket
            throw new ClientGone(e);
        }
    }

    private static String json(Object value) {
        try {
            return JsonEndpoint.MAPPER.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an event could not be written as JSON", e);
        }
    }

    /** GET /v1/streams/{id}/state. */
    Object state(JsonEndpoint.Call call) {
        return streams.use(call.pathParameter("id"), e -> {
            float[] state = new float[e.stream.stateSize()];
            e.stream.saveState(state);
            ByteBuffer bytes = ByteBuffer.allocate(4 * state.length).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(state);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", e.model.name());
            out.put("floats", state.length);
            out.put("state", Base64.getEncoder().encodeToString(bytes.array()));
            return out;
        });
    }

    /** PUT /v1/streams/{id}/state {"state", "model"?, "floats"?}: the body of a GET puts the stream back where it was. */
    Object restore(JsonEndpoint.Call call) {
        JsonRequest json = call.json().allow("state", "model", "floats");
        String encoded = json.text("state", true);
        String model = json.text("model", false);
        return streams.use(call.pathParameter("id"), e -> {
            if (model != null && !model.equals(e.model.name())) {
                throw ApiException.badRequest("the state is of model '" + model + "', this stream reads '" + e.model.name() + "'");
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(encoded);
            } catch (IllegalArgumentException notBase64) {
                throw ApiException.badRequest("field 'state' is not base64: " + notBase64.getMessage());
            }
            int floats = e.stream.stateSize();
            if (bytes.length != 4 * floats) {
                throw ApiException.badRequest("field 'state' holds " + bytes.length + " bytes; this stream's state is " + floats
                        + " floats, " + 4 * floats + " bytes");
            }
            if (json.has("floats") && json.integer("floats", floats, 0, Integer.MAX_VALUE) != floats) {
                throw ApiException.badRequest("field 'floats' does not match this stream's state of " + floats + " floats");
            }
            float[] state = new float[floats];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(state);
            e.stream.restoreState(state);
            return Map.of("id", e.id, "floats", floats);
        });
    }

    /** DELETE /v1/streams/{id}. */
    Object delete(JsonEndpoint.Call call) {
        String id = call.pathParameter("id");
        streams.delete(id);
        return Map.of("deleted", id);
    }
}
