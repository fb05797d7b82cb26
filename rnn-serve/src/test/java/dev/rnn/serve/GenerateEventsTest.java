package dev.rnn.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rnn.core.PackedMatrix;
import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.TaskModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code POST /v1/streams/{id}/generate} over a real socket: one server-sent event per character, as the library draws them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GenerateEventsTest {

    /** Long enough that a generation the server did not stop would still run when the test looks. */
    static final int LONG = 1_000_000;

    ServedModels.Opened opened;
    Path dir;
    Map<String, TaskModel> models;
    RnnServer server;
    Http http;
    TextStreamingModel lm;

    @BeforeAll
    void start() throws Exception {
        opened = ServedModels.Opened.create("rnn-serve-generate");
        dir = opened.dir();
        models = opened.models();
        server = RnnServer.builder().models(models).limits(new RnnServer.Limits(4096, 1000, 4, LONG, 10, Duration.ofMinutes(1)))
                .build().start();
        http = new Http(server.port());
        lm = ((CharLanguageModel) models.get("lm")).batchedTextStreaming(PackedMatrix.Format.F32, 1, 8);   // the server's form
    }

    @AfterAll
    void stop() throws Exception {
        http.close();
        server.close();
        lm.close();
        opened.close();
    }

    /** One server-sent event: its name (null for the default) and data. */
    record Event(String name, String data) {
    }

    static List<Event> events(String body) {
        List<Event> out = new ArrayList<>();
        String name = null;
        StringBuilder data = new StringBuilder();
        for (String line : body.split("\n", -1)) {
            if (line.isEmpty()) {
                if (!data.isEmpty()) {
                    out.add(new Event(name, data.toString()));
                }
                name = null;
                data.setLength(0);
            } else if (line.startsWith("event:")) {
                name = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).strip());
            }
        }
        return out;
    }

    String open(String prefix) throws Exception {
        Http.Answer opened = http.post("/v1/models/lm/streams", Map.of("prefix", prefix));
        assertEquals(201, opened.status(), opened.body());
        return opened.json().get("id").asText();
    }

    @Test
    void eachCharacterIsAnEventAsTheLibraryDrawsItAndTheStreamAdvances() throws Exception {
        String id = open("the ");
        Http.Answer a = http.post("/v1/streams/" + id + "/generate", Map.of("length", 12, "temperature", 0.9, "topK", 6, "seed", 5));
        assertEquals(200, a.status(), a.body());
        List<Event> events = events(a.body());
        assertEquals(13, events.size(), a.body());
        try (TextStream s = lm.newStream()) {
            s.append("the ");
            Sampler sampler = new Sampler(0.9, 6, 1, 5);
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 12; i++) {
                float[] p = s.nextDistribution();
                int cp = s.appendNext(sampler);
                text.appendCodePoint(cp);
                JsonNode e = Http.JSON.readTree(events.get(i).data());
                assertEquals(null, events.get(i).name());
                assertEquals(Character.toString(cp), e.get("character").asText());
                assertEquals(p[lm.id(cp)], e.get("probability").floatValue());
            }
            Event done = events.get(12);
            assertEquals("done", done.name());
            JsonNode d = Http.JSON.readTree(done.data());
            assertEquals(text.toString(), d.get("text").asText());
            assertEquals(5, d.get("seed").asLong());
            // the server's stream holds what was generated: its next characters are the library's after the same text
            Http.Answer next = http.post("/v1/streams/" + id + "/append", Map.of("text", "", "top", 3));
            assertEquals(200, next.status(), next.body());
            RnnServerTest.assertNext(s.mostLikelyNext(3), next.json().get("next"));
        }
    }

    @Test
    void badParametersAreA4xxJsonBeforeAnyEvent() throws Exception {
        String id = open("a");
        for (String body : List.of("{\"length\":0}", "{\"length\":" + (LONG + 1) + "}", "{\"topP\":0}", "{\"temperature\":-1}",
                "{\"topK\":99999}", "{\"seed\":\"x\"}", "{\"beam\":2}", "[1]", "{")) {
            Http.Answer a = http.post("/v1/streams/" + id + "/generate", body);
            assertEquals(400, a.status(), body + " -> " + a.body());
            assertTrue(a.json().get("error").isTextual(), a.body());
        }
        Http.Answer unknown = http.post("/v1/streams/0123/generate", Map.of("length", 3));
        assertEquals(404, unknown.status(), unknown.body());
        Http.Answer empty = http.send("POST", "/v1/models/lm/streams", (String) null);
        Http.Answer nothingYet = http.post("/v1/streams/" + empty.json().get("id").asText() + "/generate", Map.of("length", 3));
        assertEquals(409, nothingYet.status(), nothingYet.body());
    }

    @Test
    void aClientThatLeavesStopsTheGeneration() throws Exception {
        String id = open("the ");
        String body = "{\"length\":" + LONG + ",\"seed\":1}";
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/streams/" + id + "/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(in.readLine().startsWith("HTTP/1.1 200"));
            int events = 0;
            for (String line; events < 5 && (line = in.readLine()) != null; ) {
                events += line.startsWith("data:") ? 1 : 0;
            }
            assertEquals(5, events, "the first events arrive as they are drawn");
        }
        // the server notices at a write after the close; a deadline, not a measurement: the generation would run far longer
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Exposition e;
        do {
            Thread.sleep(50);
            e = new Exposition(http.get("/metrics").body());
        } while (e.value("rnn_generations_total", "outcome", "disconnected") < 1 && System.nanoTime() < deadline);
        assertEquals(1, e.value("rnn_generations_total", "outcome", "disconnected"));
        assertTrue(e.value("rnn_generated_characters_total") < LONG, e.value("rnn_generated_characters_total") + " characters");
        // the stream is free again, and holds what was generated before the client left
        assertEquals(200, http.post("/v1/streams/" + id + "/append", Map.of("text", "a")).status());
    }
}
