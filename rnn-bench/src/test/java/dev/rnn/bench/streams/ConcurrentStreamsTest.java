package dev.rnn.bench.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rnn.bench.onnx.OrtSharedLanguageModel;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamBatcher;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The harness runs every engine on a tiny model and writes the JSON it promises; batched outputs match unbatched. */
class ConcurrentStreamsTest {

    private static final Set<String> FIELDS = Set.of("engine", "model", "streams", "stepsPerSecond", "p50Micros",
            "p99Micros", "p999Micros", "bytesPerStep");

    @Test
    void everyEngineWritesPositiveResults(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        // ~2 s per engine: two stream counts of 1 s each
        ConcurrentStreams.Options options = ConcurrentStreams.Options.parse("--model", "tiny", "--streams", "1,8",
                "--seconds", "0.8", "--warmup-seconds", "0.2", "--workers", "1", "--json", json.toString());
        ConcurrentStreams.writeJson(new ConcurrentStreams(options).run(), json);

        JsonNode results = new ObjectMapper().readTree(json.toFile());
        assertEquals(4 * 2, results.size(), results::toPrettyString);
        Set<String> engines = new TreeSet<>();
        for (JsonNode r : results) {
            Set<String> names = new TreeSet<>();
            r.fieldNames().forEachRemaining(names::add);
            Set<String> expected = new TreeSet<>(FIELDS);
            if (r.get("engine").asText().equals("rnn-batched")) {
                expected.add("meanBatch");
                expected.add("meanBatchMicros");
                // steps / batches between two reads; a batch in flight at either read may fall on one side only
                assertTrue(r.get("meanBatch").asDouble() >= 0.9, r::toString);
                assertTrue(r.get("meanBatchMicros").asDouble() > 0, r::toString);
            }
            assertEquals(expected, names, r::toString);
            engines.add(r.get("engine").asText());
            assertEquals("tiny", r.get("model").asText());
            assertTrue(r.get("streams").asInt() > 0, r::toString);
            for (String f : List.of("stepsPerSecond", "p50Micros", "p99Micros", "p999Micros")) {
                assertTrue(r.get(f).asDouble() > 0, () -> f + " in " + r);
            }
            assertTrue(r.get("bytesPerStep").asDouble() >= 0, r::toString);
            assertTrue(r.get("p50Micros").asDouble() <= r.get("p99Micros").asDouble()
                    && r.get("p99Micros").asDouble() <= r.get("p999Micros").asDouble(), r::toString);
        }
        assertEquals(Set.of("rnn-batched", "rnn-unbatched", "ort-per-stream", "ort-batched"), engines);
    }

    @Test
    void tokenModelRunsEveryEngine() throws Exception {
        ConcurrentStreams.Options options = ConcurrentStreams.Options.parse("--model", "tiny-lm", "--streams", "4",
                "--seconds", "0.4", "--warmup-seconds", "0.1");
        List<ConcurrentStreams.Result> results = new ConcurrentStreams(options).run();
        assertEquals(List.of("rnn-batched", "rnn-unbatched", "ort-per-stream", "ort-batched"),
                results.stream().map(ConcurrentStreams.Result::engine).toList());
        results.forEach(r -> assertTrue(r.stepsPerSecond() > 0, r::toString));
    }

    /** The hand-built ONNX language model (Gather, LSTM levels, MatMul + Add) gives our sessions' logits. */
    @ParameterizedTest
    @CsvSource({"tiny-lm, 1", "tiny-lm, 3", "lm-2x512, 3"})
    void onnxLanguageModelEqualsStreamingModel(String name, int batch) throws Exception {
        try (StreamsModel shape = StreamsModel.named(name);
             StreamingModel model = shape.streaming(Kernels.preferred());
             OrtSharedLanguageModel ort = new OrtSharedLanguageModel(shape.embedding, shape.levels, shape.headWeight,
                     shape.headBias, batch);
             OrtSharedLanguageModel.State state = ort.newState()) {
            StreamSession[] sessions = new StreamSession[batch];
            for (int b = 0; b < batch; b++) {
                sessions[b] = model.newSession(StepOutput.LOGITS);
            }
            Random rnd = new Random(5);
            int v = shape.vocabulary;
            int[] tokens = new int[batch];
            float[] theirs = new float[batch * v], ours = new float[v];
            double worst = 0;
            for (int t = 0; t < 12; t++) {
                for (int b = 0; b < batch; b++) {
                    tokens[b] = rnd.nextInt(v);
                }
                state.step(tokens, theirs);
                for (int b = 0; b < batch; b++) {
                    sessions[b].step(tokens[b], ours);
                    for (int j = 0; j < v; j++) {
                        worst = Math.max(worst, Math.abs(ours[j] - theirs[b * v + j]));
                    }
                }
            }
            for (StreamSession s : sessions) {
                s.close();
            }
            assertTrue(worst <= 1e-4, name + " at batch " + batch + ": ONNX Runtime differs by " + worst);
        }
    }

    /** Each stream's outputs through the batcher, alone or among many, equal its own session's within 1e-4. */
    @ParameterizedTest
    @CsvSource({"tiny, 1", "tiny, 16", "tiny-lm, 1", "tiny-lm, 16"})
    void batchedOutputsEqualUnbatched(String name, int streams) throws Exception {
        int steps = 25;
        try (StreamsModel shape = StreamsModel.named(name);
             StreamingModel model = shape.streaming(Kernels.preferred());
             StreamBatcher batcher = StreamBatcher.builder(model).workers(1).maxBatch(256).queueCapacity(streams).build()) {
            StepOutput output = shape.head ? StepOutput.LOGITS : StepOutput.HIDDEN;
            double[] worst = new double[streams];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] threads = new Thread[streams];
            for (int s = 0; s < streams; s++) {
                int stream = s;
                threads[s] = Thread.ofVirtual().start(() -> {
                    try (StreamBatcher.BatchedStream batched = batcher.open(); StreamSession own = model.newSession(output)) {
                        Random rnd = new Random(StreamsModel.SEED + stream);
                        float[] a = new float[shape.outputSize()], b = new float[shape.outputSize()], x = new float[shape.input];
                        for (int t = 0; t < steps; t++) {
                            if (shape.takesTokens()) {
                                int token = rnd.nextInt(shape.vocabulary);
                                batched.step(token, a);
                                own.step(token, b);
                            } else {
                                for (int i = 0; i < x.length; i++) {
                                    x[i] = (float) rnd.nextGaussian();
                                }
                                batched.step(x, a);
                                own.step(x, b);
                            }
                            for (int j = 0; j < a.length; j++) {
                                worst[stream] = Math.max(worst[stream], Math.abs(a[j] - b[j]));
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (int s = 0; s < streams; s++) {
                assertTrue(worst[s] <= 1e-4, "stream " + s + " differs by " + worst[s]);
            }
        }
    }
}
