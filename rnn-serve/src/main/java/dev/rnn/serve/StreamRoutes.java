package dev.rnn.serve;

import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes on language-model streams kept between requests: open (with an optional prefix),
 * append and read the next-character top-k, save and restore the state, delete.
 *
 * <p>A state travels as base64 of its {@link TextStream#stateSize()} floats, little-endian IEEE 754
 * binary32: exact, NaN included (a stream with nothing appended has NaN logits), which JSON numbers
 * cannot carry.
 */
final class StreamRoutes {

    private final ModelRoutes models;
    private final TextStreams streams;
    private final RnnServer.Limits limits;

    StreamRoutes(ModelRoutes models, TextStreams streams, RnnServer.Limits limits) {
        this.models = models;
        this.streams = streams;
        this.limits = limits;
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
