package dev.rnn.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.tasks.TaskModel;
import dev.rnn.core.PackedMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Each route's happy path over a real socket, with answers equal to calling the library directly. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RnnServerTest {

    static final RnnServer.Limits LIMITS = new RnnServer.Limits(4096, 1000, 4, 30, 3, Duration.ofMinutes(1));

    ServedModels.Opened opened;
    Path dir;
    Map<String, TaskModel> models;
    final AtomicLong clock = new AtomicLong();
    RnnServer server;
    Http http;
    TextStreamingModel lm;   // the library's own batched text form, to compare with

    @BeforeAll
    void start() throws Exception {
        opened = ServedModels.Opened.create("rnn-serve-test");
        dir = opened.dir();
        models = opened.models();
        server = RnnServer.builder().models(models).limits(LIMITS).clock(clock::get).build().start();
        http = new Http(server.port());
        // the server's form: batched, whose bits do not depend on the batches (so not on workers or maxBatch)
        lm = ((CharLanguageModel) models.get("lm")).batchedTextStreaming(PackedMatrix.Format.F32, 1, 8);
    }

    @AfterAll
    void stop() throws Exception {
        http.close();
        server.close();
        lm.close();
        opened.close();
    }

    @Test
    void listsEveryModelWithItsTaskSizesAndVocabulary() throws Exception {
        Http.Answer a = http.get("/v1/models");
        assertEquals(200, a.status(), a.body());
        JsonNode list = a.json().get("models");
        assertEquals(5, list.size());
        CharLanguageModel charLm = (CharLanguageModel) models.get("lm");
        JsonNode first = list.get(0);
        assertEquals("lm", first.get("name").asText());
        assertEquals("char-lm", first.get("task").asText());
        assertEquals(charLm.vocabulary().size(), first.get("vocabularySize").asInt());
        assertEquals(12, first.get("sizes").get("hidden").asInt());
        assertEquals(6, first.get("sizes").get("embedding").asInt());
        try (TextStream s = lm.newStream()) {
            assertEquals(s.stateSize(), first.get("streamStateFloats").asInt());
        }
        assertEquals(List.of("sentence-classifier", "sequence-tagger", "seq2seq"),
                List.of(list.get(1).get("task").asText(), list.get(2).get("task").asText(), list.get(3).get("task").asText()));
        assertEquals(((SentenceClassifier) models.get("sentiment")).labels().tokens(), strings(list.get(1).get("labels")));
        assertEquals(((SequenceTagger) models.get("tagger")).tags().tokens(), strings(list.get(2).get("tags")));
        assertEquals(((Seq2SeqModel) models.get("reverse")).sourceVocabulary().size(), list.get(3).get("vocabularySize").asInt());
        JsonNode load = list.get(4);
        assertEquals("forecaster", load.get("task").asText());
        assertEquals(ServedModels.FORECAST_WINDOW, load.get("window").asInt());
        assertEquals(3, load.get("horizon").asInt());
        assertEquals(List.of("load", "temperature", "weather"), strings(load.get("columns")));
        assertEquals(List.of("forecast"), strings(load.get("routes")));
    }

    @Test
    void forecastsAsTheLibraryDoes() throws Exception {
        Forecaster f = (Forecaster) models.get("load");
        for (int rows : new int[] {ServedModels.FORECAST_WINDOW, ServedModels.FORECAST_WINDOW + 5}) {
            String csv = ServedModels.hourlyCsv(dir, rows);
            Http.Answer a = http.post("/v1/models/load/forecast", Map.of("csv", csv));
            assertEquals(200, a.status(), a.body());
            Path file = dir.resolve("window.csv");
            Files.writeString(file, csv);
            double[] expected = f.predictNext(f.schema().encode(CsvTable.read(file)));
            Files.delete(file);
            assertEquals("load", a.json().get("target").asText());
            assertEquals(expected.length, a.json().get("horizon").size());
            for (int h = 0; h < expected.length; h++) {
                assertEquals(expected[h], a.json().get("horizon").get(h).asDouble());
            }
        }
    }

    @Test
    void aBadForecastWindowIsA400NamingTheLineOrColumn() throws Exception {
        String csv = ServedModels.hourlyCsv(dir, ServedModels.FORECAST_WINDOW);
        String[] lines = csv.split("\n");
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put(csv.replace(lines[3], lines[3] + ",1"), "csv:4: expected 4 fields as in the header, found 5");
        bad.put(csv.replace(lines[2], lines[2].replaceFirst(",[^,]+,", ",lots,")), "csv:3: the target column 'load' holds 'lots', not a number");
        bad.put(csv.replace(lines[5], lines[5].replaceFirst(",([^,]+),([^,]+)$", ",$1,warm").replaceFirst("(,[^,]+,)[^,]+(,[^,]+)$", "$1warm$2")),
                "csv:6: column 'temperature' holds 'warm'");
        bad.put(csv.replace("temperature", "temp"), "no column 'temperature'");
        bad.put(ServedModels.hourlyCsv(dir, ServedModels.FORECAST_WINDOW - 1), "has " + (ServedModels.FORECAST_WINDOW - 1) + " rows");
        bad.put(csv.replace(lines[4], lines[4].replaceFirst(",([^,]+),([^,]+),", ",NA,$2,")), "csv:5: a missing value");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Http.Answer a = http.post("/v1/models/load/forecast", Map.of("csv", e.getKey()));
            assertEquals(400, a.status(), e.getKey() + " -> " + a.body());
            assertTrue(a.json().get("error").asText().contains(e.getValue()), e.getValue() + " in " + a.body());
        }
    }

    @Test
    void sampledCompletionsRepeatWithTheirSeedAndFollowTheLibrary() throws Exception {
        Map<String, Object> ask = Map.of("prefix", "the c", "k", 3, "length", 9, "temperature", 0.8, "topK", 5, "topP", 0.9, "seed", 42);
        Http.Answer a = http.post("/v1/models/lm/complete", ask);
        assertEquals(200, a.status(), a.body());
        assertEquals(a.json(), http.post("/v1/models/lm/complete", ask).json(), "the same seed, the same continuations");
        assertEquals(42, a.json().get("seed").asLong());
        // the library, drawing three continuations in turn with one sampler from copies of the prefix's state
        dev.rnn.models.decoding.Sampler sampler = new dev.rnn.models.decoding.Sampler(0.8, 5, 0.9, 42);
        JsonNode got = a.json().get("continuations");
        assertEquals(3, got.size());
        try (TextStream prefix = lm.newStream(); TextStream s = lm.newStream()) {
            prefix.append("the c");
            for (int i = 0; i < 3; i++) {
                s.copyStateFrom(prefix);
                double logP = 0;
                StringBuilder text = new StringBuilder();
                for (int j = 0; j < 9; j++) {
                    float[] p = s.nextDistribution();
                    int cp = s.appendNext(sampler);
                    logP += Math.log(p[lm.id(cp)]);
                    text.appendCodePoint(cp);
                }
                assertEquals(text.toString(), got.get(i).get("text").asText());
                assertEquals(logP, got.get(i).get("logProbability").asDouble(), 1e-9);
            }
        }
        Http.Answer unseeded = http.post("/v1/models/lm/complete", Map.of("prefix", "the c", "temperature", 1.5));
        assertEquals(200, unseeded.status(), unseeded.body());
        assertTrue(unseeded.json().get("seed").isIntegralNumber(), "the seed drawn is reported, so the answer can be repeated");
        Http.Answer both = http.post("/v1/models/lm/complete", Map.of("prefix", "the c", "beam", 3, "temperature", 1));
        assertEquals(400, both.status(), both.body());
        for (String field : List.of("\"temperature\":-0.1", "\"temperature\":11", "\"topP\":0", "\"topP\":1.5", "\"topK\":-1",
                "\"topK\":1000", "\"seed\":1.5", "\"seed\":\"1\"")) {
            Http.Answer refused = http.post("/v1/models/lm/complete", "{\"prefix\":\"the\"," + field + "}");
            assertEquals(400, refused.status(), field + " -> " + refused.body());
        }
    }

    @Test
    void classifiesAsTheLibraryDoes() throws Exception {
        SentenceClassifier c = (SentenceClassifier) models.get("sentiment");
        for (String text : List.of("the food was great", "awful!", "Ünïcödé words and numbers 42")) {
            Http.Answer a = http.post("/v1/models/sentiment/classify", Map.of("text", text));
            assertEquals(200, a.status(), a.body());
            SentenceClassifier.Prediction p = c.predict(text);
            assertEquals(p.label(), a.json().get("label").asText());
            assertEquals(p.probability(), a.json().get("probability").asDouble());
            List<SentenceClassifier.Prediction> all = c.labelProbabilities(text);
            assertEquals(all.size(), a.json().get("labels").size());
            double sum = 0;
            for (int i = 0; i < all.size(); i++) {
                assertEquals(all.get(i).label(), a.json().get("labels").get(i).get("label").asText());
                assertEquals(all.get(i).probability(), a.json().get("labels").get(i).get("probability").asDouble());
                sum += all.get(i).probability();
            }
            assertEquals(1.0, sum, 1e-6);
            assertEquals(p, all.get(0), "the best label leads the list");
        }
    }

    @Test
    void tagsWordsOrTextAsTheLibraryDoes() throws Exception {
        SequenceTagger t = (SequenceTagger) models.get("tagger");
        List<String> words = List.of("the", "dog", "sees", "Bob", ".");
        Http.Answer a = http.post("/v1/models/tagger/tag", Map.of("words", words));
        assertEquals(200, a.status(), a.body());
        assertEquals(t.tag(words), strings(a.json().get("tags")));
        Http.Answer b = http.post("/v1/models/tagger/tag", Map.of("text", "The dog doesn't see Bob."));
        assertEquals(200, b.status(), b.body());
        List<String> split = List.of("The", "dog", "does", "n't", "see", "Bob", ".");
        assertEquals(split, strings(b.json().get("words")));
        assertEquals(t.tag(split), strings(b.json().get("tags")));
    }

    @Test
    void translatesAsTheLibraryDoes() throws Exception {
        Seq2SeqModel m = (Seq2SeqModel) models.get("reverse");
        for (int beam = 1; beam <= LIMITS.maxBeamWidth(); beam++) {
            Http.Answer a = http.post("/v1/models/reverse/translate", Map.of("text", "abcde", "beam", beam));
            assertEquals(200, a.status(), a.body());
            assertEquals(m.translate("abcde", beam), a.json().get("translation").asText());
        }
    }

    @Test
    void translatesWithAttentionOnRequestAsTheLibraryDoes() throws Exception {
        Seq2SeqModel m = (Seq2SeqModel) models.get("reverse");
        for (String text : List.of("abcde", "f", "aabbccddeeff")) {
            Http.Answer a = http.post("/v1/models/reverse/translate", Map.of("text", text, "attention", true));
            assertEquals(200, a.status(), a.body());
            assertEquals(m.translate(text, 1), a.json().get("translation").asText());
            Seq2SeqModel.Attended expected = m.translateWithAttention(text);
            JsonNode attention = a.json().get("attention");
            assertEquals(expected.sourceTokens(), strings(attention.get("source")));
            assertEquals(expected.outputTokens(), strings(attention.get("output")));
            JsonNode weights = attention.get("weights");
            assertEquals(expected.weights().length, weights.size());
            for (int t = 0; t < weights.size(); t++) {
                assertEquals(expected.sourceTokens().size(), weights.get(t).size());
                for (int j = 0; j < weights.get(t).size(); j++) {
                    assertEquals(expected.weights()[t][j], weights.get(t).get(j).floatValue());
                }
            }
        }
        Http.Answer plain = http.post("/v1/models/reverse/translate", Map.of("text", "abc", "attention", false));
        assertEquals(200, plain.status(), plain.body());
        assertFalse(plain.json().has("attention"));
        Http.Answer beam = http.post("/v1/models/reverse/translate", Map.of("text", "abc", "attention", true, "beam", 2));
        assertEquals(400, beam.status(), beam.body());
        assertTrue(beam.json().get("error").asText().contains("greedy"), beam.body());
        Http.Answer wrongType = http.post("/v1/models/reverse/translate", Map.of("text", "abc", "attention", "yes"));
        assertEquals(400, wrongType.status(), wrongType.body());
        assertEquals("field 'attention' must be true or false, found a string", wrongType.json().get("error").asText());
    }

    @Test
    void completesAsTheLibraryDoes() throws Exception {
        Http.Answer a = http.post("/v1/models/lm/complete", Map.of("prefix", "the c", "k", 3, "beam", 4, "length", 7));
        assertEquals(200, a.status(), a.body());
        try (TextStream s = lm.newStream()) {
            s.append("the c");
            List<TextStreamingModel.Completion> best = s.beamSearch(4, 7);
            JsonNode got = a.json().get("continuations");
            assertEquals(3, got.size());
            for (int i = 0; i < 3; i++) {
                assertEquals(best.get(i).text(), got.get(i).get("text").asText());
                assertEquals(best.get(i).logProbability(), got.get(i).get("logProbability").asDouble());
            }
            assertNext(s.mostLikelyNext(3), a.json().get("next"));
        }
    }

    @Test
    void streamsAppendSaveRestoreAndDeleteAsTheLibraryDoes() throws Exception {
        Http.Answer opened = http.post("/v1/models/lm/streams", Map.of("prefix", "the ", "top", 4));
        assertEquals(201, opened.status(), opened.body());
        String id = opened.json().get("id").asText();
        try (TextStream s = lm.newStream(); TextStream fork = lm.newStream()) {
            s.append("the ");
            assertNext(s.mostLikelyNext(4), opened.json().get("next"));

            Http.Answer appended = http.post("/v1/streams/" + id + "/append", Map.of("text", "cat", "top", 5));
            assertEquals(200, appended.status(), appended.body());
            s.append("cat");
            assertNext(s.mostLikelyNext(5), appended.json().get("next"));

            Http.Answer saved = http.get("/v1/streams/" + id + "/state");
            assertEquals(200, saved.status(), saved.body());
            assertEquals(s.stateSize(), saved.json().get("floats").asInt());

            // a second stream, empty, takes the saved state and then continues exactly as the first would
            Http.Answer other = http.send("POST", "/v1/models/lm/streams", (String) null);
            assertEquals(201, other.status(), other.body());
            String otherId = other.json().get("id").asText();
            Http.Answer restored = http.send("PUT", "/v1/streams/" + otherId + "/state", saved.body());
            assertEquals(200, restored.status(), restored.body());
            Http.Answer next = http.post("/v1/streams/" + otherId + "/append", Map.of("text", " sat", "top", 3));
            fork.copyStateFrom(s);
            fork.append(" sat");
            assertNext(fork.mostLikelyNext(3), next.json().get("next"));

            assertEquals(200, http.send("DELETE", "/v1/streams/" + id, (String) null).status());
            assertEquals(200, http.send("DELETE", "/v1/streams/" + otherId, (String) null).status());
            Http.Answer gone = http.post("/v1/streams/" + id + "/append", Map.of("text", "a"));
            assertEquals(404, gone.status(), gone.body());
            assertTrue(gone.json().get("error").asText().contains(id), gone.body());
        }
    }

    /**
     * An autocomplete keystroke: append with completions answers the top-k and the beam's best
     * continuations in one request, as the library does; 32 users typing at once through the shared
     * batcher get exactly the answers of the same keystrokes made one at a time. The server warms its
     * language models first, which changes no answer.
     */
    @Test
    void appendWithCompletionsAnswersAsTheLibraryDoesWhateverTheConcurrency() throws Exception {
        String text = "the cat sat on a mat. a dog ate the hat.";
        int users = 32, keys = 6;
        RnnServer.Limits roomy = new RnnServer.Limits(4096, 200, 4, 30, users + 1, Duration.ofMinutes(1));
        try (RnnServer server = RnnServer.builder().models(models).limits(roomy).warmUp(true).build().start();
             Http http = new Http(server.port())) {
            assertEquals(200, http.get("/health/ready").status(), "ready once warmed up");
            typeAtOnce(http, text, users, keys);
        }
    }

    private void typeAtOnce(Http http, String text, int users, int keys) throws Exception {
        String[] ids = new String[users];
        Http.Answer[][] answers = new Http.Answer[users][keys];
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (int u = 0; u < users; u++) {
            int user = u;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    ids[user] = http.post("/v1/models/lm/streams", Map.of()).json().get("id").asText();
                    for (int i = 0; i < keys; i++) {
                        String key = String.valueOf(text.charAt((user + i) % text.length()));
                        answers[user][i] = http.post("/v1/streams/" + ids[user] + "/append", Map.of("text", key, "top", 5,
                                "completions", Map.of("count", 3, "length", 12, "beam", 3)));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(null, failure.get());
        for (int u = 0; u < users; u++) {
            try (TextStream s = lm.newStream()) {
                for (int i = 0; i < keys; i++) {
                    Http.Answer a = answers[u][i];
                    assertEquals(200, a.status(), a.body());
                    s.append(text.charAt((u + i) % text.length()));
                    assertNext(s.mostLikelyNext(5), a.json().get("next"));
                    List<TextStreamingModel.Completion> best = s.beamSearch(3, 12);
                    JsonNode got = a.json().get("completions");
                    assertEquals(3, got.size(), a.body());
                    for (int c = 0; c < 3; c++) {
                        assertEquals(best.get(c).text(), got.get(c).get("text").asText());
                        assertEquals(best.get(c).logProbability(), got.get(c).get("logProbability").asDouble());
                    }
                }
            }
            assertEquals(200, http.send("DELETE", "/v1/streams/" + ids[u], (String) null).status());
        }
        String id = http.post("/v1/models/lm/streams", Map.of()).json().get("id").asText();
        Http.Answer wide = http.post("/v1/streams/" + id + "/append", Map.of("text", "t", "completions", Map.of("beam", 5)));
        assertEquals(400, wide.status(), wide.body());
        assertTrue(wide.json().get("error").asText().contains("completions.beam"), wide.body());
        Http.Answer unknown = http.post("/v1/streams/" + id + "/append", Map.of("text", "t", "completions", Map.of("width", 2)));
        assertEquals(400, unknown.status(), unknown.body());
        assertTrue(unknown.json().get("error").asText().contains("completions.width"), unknown.body());
        Http.Answer notObject = http.post("/v1/streams/" + id + "/append", Map.of("text", "t", "completions", 3));
        assertEquals(400, notObject.status(), notObject.body());
        assertEquals(200, http.send("DELETE", "/v1/streams/" + id, (String) null).status());
    }

    @Test
    void streamsAreBoundedByCountAndIdleTime() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i <= LIMITS.maxStreams(); i++) {
            Http.Answer a = http.post("/v1/models/lm/streams", Map.of("prefix", "a"));
            assertEquals(201, a.status(), a.body());
            ids.add(a.json().get("id").asText());
            if (i == 1) {   // using the first stream makes the second the least recently used
                assertEquals(200, http.post("/v1/streams/" + ids.get(0) + "/append", Map.of("text", "t")).status());
            }
        }
        assertTrue(server.openStreams() <= LIMITS.maxStreams());
        assertEquals(404, http.post("/v1/streams/" + ids.get(1) + "/append", Map.of("text", "a")).status(), "the least recently used is closed");
        assertEquals(200, http.post("/v1/streams/" + ids.get(0) + "/append", Map.of("text", "a")).status());
        clock.addAndGet(LIMITS.streamIdleTimeout().toNanos());
        for (String id : ids) {
            Http.Answer a = http.post("/v1/streams/" + id + "/append", Map.of("text", "a"));
            assertEquals(404, a.status(), a.body());
        }
        assertEquals(0, server.openStreams());
    }

    @Test
    void servesThePageAndItsFiles() throws Exception {
        Http.Answer page = http.get("/");
        assertEquals(200, page.status(), page.body());
        assertTrue(page.body().startsWith("<!doctype html>") && page.body().contains("/page/page.js") && page.body().contains("/page/page.css"),
                page.body());
        for (String file : List.of("page.js", "page.css")) {
            Http.Answer a = http.get("/page/" + file);
            assertEquals(200, a.status(), file);
            assertFalse(a.body().isBlank(), file);
        }
        Http.Answer missing = http.get("/page/secrets.txt");
        assertEquals(404, missing.status(), missing.body());
        assertEquals("the page has no file 'secrets.txt'; it has page.css and page.js", missing.json().get("error").asText());
        assertEquals(404, http.get("/page/index.html").status(), "the page itself is at /");
        assertEquals(404, http.get("/page/../pom.xml").status());
    }

    @Test
    void healthIsLiveAndReady() throws Exception {
        Http.Answer live = http.get("/health/live");
        assertEquals(200, live.status());
        assertEquals("UP", live.json().get("status").asText());
        Http.Answer ready = http.get("/health/ready");
        assertEquals(200, ready.status());
        assertEquals("UP", ready.json().get("status").asText());
        assertFalse(ready.json().has("error"));
    }

    static void assertNext(List<TextStream.NextCharacter> expected, JsonNode got) {
        assertEquals(expected.size(), got.size(), got.toString());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).character(), got.get(i).get("character").asText());
            assertEquals(expected.get(i).probability(), got.get(i).get("probability").floatValue());
        }
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
