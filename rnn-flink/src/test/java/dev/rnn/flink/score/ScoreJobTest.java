package dev.rnn.flink.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Decoding;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.SyntheticSeries;
import dev.rnn.models.tasks.Forecaster;
import dev.rnn.models.tasks.PredictionLines;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SequenceTagger;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.WordTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each task scored by the batch job with parallelism 1 and 2 on a local cluster (generic types off, so
 * nothing goes through Kryo) against what the CLI's code prints for the same input: identical lines, in
 * input order; bad records go to the rejects file with their reasons and do not fail the job.
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES)   // a job that never finishes fails the test, not the build's clock
class ScoreJobTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    static Path dir;

    private static final String[] WORDS = {"the", "food", "was", "great", "a", "lovely", "plot", "service", "awful", "boring", "movie",
            "cat", "sees", "Anna", "dog", "runs", "big", "unseen", "Zürich", "."};

    private record Scored(List<String> predictions, List<String> rejects, long scoredCount) {
    }

    private static Scored score(ScoreTask task, Path model, Path input, int parallelism) throws Exception {
        Path out = dir.resolve(task.cliName() + "-" + input.getFileName() + "-p" + parallelism);
        ScoreJob.Settings s = new ScoreJob.Settings(task, model.toString(), input.toString(), out.toString(), parallelism);
        ScoreJob.Summary summary = ScoreJob.execute(StreamExecutionEnvironment.getExecutionEnvironment(), s);
        Scored scored = new Scored(Files.readAllLines(out.resolve(ScoreJob.PREDICTIONS)), Files.readAllLines(out.resolve(ScoreJob.REJECTS)),
                summary.scored());
        assertEquals(scored.rejects().size(), summary.rejected());
        return scored;
    }

    /** Scores with parallelism 1 and 2: both must give {@code predictions} and {@code rejects}. */
    private static void scoresAs(ScoreTask task, Path model, Path input, List<String> predictions, List<String> rejects) throws Exception {
        for (int parallelism = 1; parallelism <= 2; parallelism++) {
            Scored s = score(task, model, input, parallelism);
            assertEquals(predictions, s.predictions(), "predictions with parallelism " + parallelism);
            assertEquals(rejects, s.rejects(), "rejects with parallelism " + parallelism);
        }
    }

    private static List<String> sentences(int count, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0, n = 1 + r.nextInt(9); j < n; j++) {
                s.append(j == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            }
            out.add(s.toString());
        }
        return out;
    }

    /** The sentences as a file's lines, with blank lines among them and two bad lines (a control character, bytes that are not UTF-8) after line {@code bad}. */
    private static Path withBadLines(String name, List<String> lines, int bad) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < lines.size(); i++) {
            bytes.writeBytes((lines.get(i) + (i % 17 == 3 ? "\r\n\n" : "\n")).getBytes(StandardCharsets.UTF_8));
            if (i == bad) {
                bytes.writeBytes("a bell \u0007 here\n".getBytes(StandardCharsets.UTF_8));
                bytes.writeBytes(new byte[] {'n', 'o', 't', ' ', (byte) 0xC3, '(', '\n'});
            }
        }
        Path file = dir.resolve(name);
        Files.write(file, bytes.toByteArray());
        return file;
    }

    /** The file lines of the two bad lines {@link #withBadLines} writes. */
    private static List<String> badLineRejects(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        int bell = lines.indexOf("a bell \u0007 here") + 1;
        return List.of(file + ":" + bell + ": unknown character U+0007 at column 8", file + ":" + (bell + 1) + ": not UTF-8 text");
    }

    @BeforeAll
    static void recordsHaveFlinkSerializers() {
        assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(ScoreInput.class));
        assertInstanceOf(PojoTypeInfo.class, TypeInformation.of(ScoredRecord.class));
    }

    @Test
    void classifierLinesAreWhatTheCliPrints() throws Exception {
        Path model = ScoredModels.classifier(dir);
        List<String> texts = sentences(150, 1);
        Path input = withBadLines("sentences.txt", texts, 40);
        List<String> expected = new ArrayList<>();
        try (SentenceClassifier c = SentenceClassifier.open(Kernels.preferred(), model)) {
            List<SentenceClassifier.Prediction> p = c.predict(texts);
            for (int i = 0; i < texts.size(); i++) {
                expected.add(PredictionLines.classified(texts.get(i), p.get(i)));
            }
        }
        scoresAs(ScoreTask.CLASSIFY, model, input, expected, badLineRejects(input));
    }

    /**
     * The same job run again and again gives the same files each time. Scoring once ran on a thread of
     * its own that raced the task thread for the output, which failed or hung in one run of 3 to 30 with
     * input like this (a rejected line among every five, so output is written all along).
     */
    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)   // 60 jobs: room for a slow, shared CI machine
    void repeatedRunsAllFinishWithTheSameOutput() throws Exception {
        Path model = ScoredModels.classifier(dir);
        StringBuilder lines = new StringBuilder();
        List<String> texts = sentences(150, 4);
        for (int i = 0; i < texts.size(); i++) {
            lines.append(texts.get(i)).append('\n').append(i % 5 == 0 ? "a bell \u0007 here\n" : "");
        }
        Path input = Files.writeString(dir.resolve("repeated.txt"), lines);
        Scored first = score(ScoreTask.CLASSIFY, model, input, 2);
        assertEquals(texts.size(), first.predictions().size());
        assertEquals(texts.size(), first.scoredCount());
        assertEquals(texts.size() / 5, first.rejects().size());
        for (int run = 1; run < 60; run++) {
            assertEquals(first, score(ScoreTask.CLASSIFY, model, input, 2), "run " + run);
        }
    }

    @Test
    void taggerLinesAreWhatTheCliPrintsForTextAndConllu() throws Exception {
        Path model = ScoredModels.tagger(dir);
        List<String> texts = sentences(120, 2);
        List<List<String>> words = new ArrayList<>();
        for (String t : texts) {
            words.add(WordTokenizer.words(t));
        }
        List<String> expected = new ArrayList<>();
        try (SequenceTagger t = SequenceTagger.open(Kernels.preferred(), model)) {
            List<List<String>> tags = t.tagAll(words);
            for (int i = 0; i < words.size(); i++) {
                expected.add(PredictionLines.tagged(words.get(i), tags.get(i)));
            }
        }
        scoresAs(ScoreTask.TAG, model, withBadLines("sentences.txt", texts, 70), expected, badLineRejects(dir.resolve("sentences.txt")));

        // the same sentences as CoNLL-U, with comments, a multiword token, and one malformed sentence
        StringBuilder conllu = new StringBuilder("# newdoc\n\n");
        int badLine = 0;
        for (int i = 0; i < words.size(); i++) {
            conllu.append("# sent_id = ").append(i).append('\n');
            if (i == 30) {
                conllu.append("1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n");
            }
            for (int j = 0; j < words.get(i).size(); j++) {
                conllu.append(j + 1).append('\t').append(words.get(i).get(j)).append("\t_\tX\t_\t_\t0\t_\t_\t_\n");
            }
            conllu.append('\n');
            if (i == 50) {
                conllu.append("# a broken sentence\n1\tthe\t_\tDET\n\n");
                badLine = (int) conllu.chars().filter(c -> c == '\n').count() - 1;
            }
        }
        Path input = dir.resolve("sentences.conllu");
        Files.writeString(input, conllu);
        scoresAs(ScoreTask.TAG, model, input, expected, List.of(input + ":" + badLine + ": expected 10 TAB-separated columns, found 4"));
    }

    @Test
    void translationsAreWhatTheCliPrints() throws Exception {
        Path model = ScoredModels.seq2seq(dir);
        Random r = new Random(3);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0, n = 1 + r.nextInt(8); j < n; j++) {
                s.append((char) ('a' + r.nextInt(8)));   // g and h are outside the vocabulary: unknown tokens, translated as the CLI does
            }
            texts.add(s.toString());
        }
        Path input = withBadLines("sources.txt", texts, 10);
        List<String> expected = new ArrayList<>();
        try (Seq2SeqModel m = Seq2SeqModel.open(Kernels.preferred(), model)) {
            for (String t : m.translateAll(texts, Decoding.greedy())) {
                expected.add(PredictionLines.translated(t));
            }
        }
        scoresAs(ScoreTask.SEQ2SEQ, model, input, expected, badLineRejects(input));
    }

    @Test
    void forecastAfterEachRowIsWhatTheCliPrintsForTheCsvCutThere() throws Exception {
        int window = 6;
        Path csv = SyntheticSeries.hourly(dir.resolve("hourly.csv"), 90, 5);
        Path model = ScoredModels.forecaster(dir, csv, window, 2);
        List<String> lines = Files.readAllLines(csv);
        List<String> expected = new ArrayList<>(), rejects = new ArrayList<>();
        Path cut = dir.resolve("cut.csv");
        try (Forecaster f = Forecaster.open(Kernels.preferred(), model)) {
            for (int last = window; last < lines.size(); last++) {
                // what 'rnn forecast predict --csv cut.csv' prints, for the file's first lines up to 'last'
                Files.write(cut, lines.subList(0, last + 1));
                try {
                    for (String line : PredictionLines.forecast(f.predictNext(f.schema().encode(CsvTable.read(cut))))) {
                        expected.add((last + 1) + "\t" + line);
                    }
                } catch (IllegalArgumentException e) {
                    rejects.add(e.getMessage().replace(cut.toString(), csv.toString()));
                }
            }
        }
        assertTrue(!rejects.isEmpty() && rejects.get(0).contains("a missing value in the last 6 rows"), rejects.toString());
        scoresAs(ScoreTask.FORECAST, model, csv, expected, rejects);

        // a ragged row and a word in a numeric column reject the windows that hold them, naming the line
        List<String> bad = new ArrayList<>(lines.subList(0, 21));
        bad.set(10, "2024-01-01 09:00,1.5");
        bad.set(16, bad.get(16).replaceFirst(",[^,]*,([^,]*)$", ",warm,$1"));
        Path badCsv = dir.resolve("bad.csv");
        Files.write(badCsv, bad);
        Scored s = score(ScoreTask.FORECAST, model, badCsv, 2);
        long ragged = s.rejects().stream().filter(x -> x.equals(badCsv + ":11: expected 4 fields as in the header, found 2")).count();
        long word = s.rejects().stream().filter(x -> x.startsWith(badCsv + ":17: column 'temperature' holds 'warm'")).count();
        assertEquals(window, ragged, s.rejects().toString());
        assertTrue(word >= 1, s.rejects().toString());
    }
}
