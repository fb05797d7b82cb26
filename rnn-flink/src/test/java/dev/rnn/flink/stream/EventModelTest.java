package dev.rnn.flink.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.PackedMatrix;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The per-task event models: what they compute, what they reject, and batch invariance. */
class EventModelTest {

    /** Models written once per JVM under target/, shared by the properties and the examples (jqwik and JUnit run them apart). */
    private static final class Models {
        static final Path DIR, LM, FORECASTER;

        static {
            try {
                DIR = Files.createDirectories(Path.of("target", "event-model-test"));
                LM = TestModels.languageModel(DIR, 16);
                FORECASTER = TestModels.forecaster(DIR);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private static final Path dir = Models.DIR, lm = Models.LM, forecaster = Models.FORECASTER;

    /**
     * Steps lines as {@link BatchedKeyedInference} does: the input cut into buffers of {@code buffer}
     * events, each buffer stepped in rounds that take each key at most once. Rejected lines are left out.
     */
    private static Map<String, List<String>> batched(StreamTask task, Path model, List<String> lines, int maxBatch, int buffer)
            throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Map<String, float[]> states = new HashMap<>();
        try (EventModel events = task.open(model, maxBatch)) {
            for (int from = 0; from < lines.size(); from += buffer) {
                List<String> pending = new ArrayList<>(lines.subList(from, Math.min(lines.size(), from + buffer)));
                pending.removeIf(l -> l.indexOf('\t') <= 0);
                while (!pending.isEmpty()) {
                    Set<String> round = new HashSet<>();
                    List<String> rowKeys = new ArrayList<>();
                    List<float[]> rowStates = new ArrayList<>();
                    for (var it = pending.iterator(); it.hasNext() && rowKeys.size() < maxBatch; ) {
                        String line = it.next();
                        String key = line.substring(0, line.indexOf('\t'));
                        if (!round.add(key)) {
                            continue;
                        }
                        it.remove();
                        float[] s = states.computeIfAbsent(key, k -> events.initialState()).clone();
                        if (events.load(rowKeys.size(), line.substring(line.indexOf('\t') + 1), s) == null) {
                            rowKeys.add(key);
                            rowStates.add(s);
                        }
                    }
                    if (rowKeys.isEmpty()) {
                        continue;
                    }
                    events.step(rowKeys.size());
                    for (int r = 0; r < rowKeys.size(); r++) {
                        String key = rowKeys.get(r);
                        out.computeIfAbsent(key, k -> new ArrayList<>()).add(key + '\t' + events.finish(r));
                        states.put(key, rowStates.get(r));
                    }
                }
            }
        }
        return out;
    }

    @Property(tries = 6)
    void languageModelResultsDoNotDependOnTheBatching(@ForAll @IntRange(min = 1, max = 40) int maxBatch,
                                                      @ForAll @IntRange(min = 1, max = 90) int buffer,
                                                      @ForAll @IntRange(min = 1, max = 30) int keys) throws Exception {
        List<String> lines = TestModels.lines(StreamTask.LM, 400, keys);
        assertEquals(SequentialReference.results(StreamTask.LM, lm, lines), batched(StreamTask.LM, lm, lines, maxBatch, buffer));
    }

    @Property(tries = 4)
    void forecastResultsDoNotDependOnTheBatching(@ForAll @IntRange(min = 1, max = 40) int maxBatch,
                                                 @ForAll @IntRange(min = 1, max = 90) int buffer,
                                                 @ForAll @IntRange(min = 1, max = 12) int keys) throws Exception {
        List<String> lines = TestModels.lines(StreamTask.FORECAST, 300, keys);
        assertEquals(SequentialReference.results(StreamTask.FORECAST, forecaster, lines),
                batched(StreamTask.FORECAST, forecaster, lines, maxBatch, buffer));
    }

    @Test
    void surprisalAndTopKAreThoseOfTheTextStream() throws Exception {
        String text = "the cat sees";
        try (EventModel events = StreamTask.LM.open(lm, 1);
             CharLanguageModel model = ModelFiles.open(lm, CharLanguageModel.class);
             TextStreamingModel tsm = model.textStreaming(PackedMatrix.Format.F32);
             TextStream stream = tsm.newStream()) {
            float[] state = events.initialState();
            float[] p = new float[tsm.size()];
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                assertEquals(null, events.load(0, String.valueOf(c), state));
                events.step(1);
                String[] fields = events.finish(0).split("\t");
                assertEquals(LanguageModelEvents.show(c), fields[0]);
                if (i == 0) {
                    assertEquals("-", fields[1], "nothing predicts a key's first character");
                } else {
                    stream.nextProbabilities(p);
                    assertEquals(-Math.log(p[tsm.id(c)]), Double.parseDouble(fields[1]), 1e-4, "surprisal of '" + c + "'");
                }
                stream.append(c);
                stream.nextProbabilities(p);
                String best = fields[2].split(" ")[0];
                int bestId = 0;
                for (int j = 1; j < p.length; j++) {
                    bestId = p[j] > p[bestId] ? j : bestId;
                }
                assertEquals(LanguageModelEvents.show(tsm.codePoint(bestId)), best.substring(0, best.lastIndexOf('=')));
                assertEquals(3, fields[2].split(" ").length, "top 3");
            }
        }
    }

    @Test
    void forecastsAreThoseOfTheForecasterOnTheKeysWindow() throws Exception {
        List<String> records = new ArrayList<>();
        for (int t = 0; t < 9; t++) {
            String line = TestModels.forecastLine(t * 3L, 3);
            records.add(line.substring(line.indexOf('\t') + 1));
        }
        Path csv = dir.resolve("records.csv");
        Files.writeString(csv, "load,temperature,weather\n" + String.join("\n", records) + "\n");
        try (EventModel events = StreamTask.FORECAST.open(forecaster, 1);
             Forecaster f = ModelFiles.open(forecaster, Forecaster.class)) {
            EncodedSeries series = f.schema().encode(CsvTable.read(csv));
            float[] state = events.initialState();
            String previous = null;
            for (int t = 0; t < records.size(); t++) {
                assertEquals(null, events.load(0, records.get(t), state));
                events.step(1);
                String[] fields = events.finish(0).split("\t");
                if (t < 5) {
                    assertEquals("-", fields[0], "no forecast before a full window of 6");
                } else {
                    double[] expected = f.predict(series, new int[] {t})[0];
                    String[] found = fields[0].split(",");
                    for (int h = 0; h < 2; h++) {
                        assertEquals((float) expected[h], Float.parseFloat(found[h]), 1e-5 * Math.abs(expected[h]));
                    }
                }
                if (previous == null || previous.equals("-")) {
                    assertEquals("-", fields[1]);
                } else {
                    double error = series.target()[t] - Float.parseFloat(previous.split(",")[0]);
                    assertEquals(error, Double.parseDouble(fields[1]), 1e-4 * Math.max(1, Math.abs(error)));
                }
                previous = fields[0];
            }
        }
    }

    @Test
    void badEventsAreNamedAndLeaveTheStateAlone() throws Exception {
        try (EventModel events = StreamTask.LM.open(lm, 1)) {
            float[] state = events.initialState(), before = state.clone();
            assertTrue(events.load(0, "ab", state).startsWith("malformed event: expected one character, found 2"));
            assertTrue(events.load(0, "", state).startsWith("malformed event"));
            String unknown = events.load(0, "☃", state);
            assertTrue(unknown.startsWith("unknown character: ☃"), unknown);
            assertArrayEquals(before, state);
        }
        try (EventModel events = StreamTask.FORECAST.open(forecaster, 1)) {
            float[] state = events.initialState(), before = state.clone();
            String count = events.load(0, "1,2", state);
            assertEquals("wrong column count: expected 3 (load,temperature,weather), found 2", count);
            String number = events.load(0, "lots,12,rain", state);
            assertTrue(number.startsWith("bad record: ") && number.contains("'lots'"), number);
            assertArrayEquals(before, state);
        }
    }
}
