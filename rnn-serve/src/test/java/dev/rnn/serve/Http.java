package dev.rnn.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A client of one server over a real socket on the loopback address. */
final class Http implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A status and the body, parsed when it is JSON (null otherwise). */
    record Answer(int status, String body, JsonNode json) {
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;

    Http(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    Answer get(String path) throws Exception {
        return send("GET", path, (byte[]) null);
    }

    Answer post(String path, String body) throws Exception {
        return send("POST", path, body);
    }

    Answer post(String path, Object body) throws Exception {
        return send("POST", path, JSON.writeValueAsString(body));
    }

    Answer send(String method, String path, String body) throws Exception {
        return send(method, path, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Answer send(String method, String path, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (Exception notJson) {
            json = null;
        }
        return new Answer(r.statusCode(), r.body(), json);
    }

    @Override
    public void close() {
        client.close();
    }
}
