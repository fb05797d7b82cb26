package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** seq2seq train/eval/translate and gradflow end to end on small inputs, and their errors. */
class Seq2SeqCommandsTest {

    @TempDir
    Path dir;

    @Test
    void trainsEvaluatesAndTranslatesWithAHeatmap() throws IOException {
        Random r = new Random(1);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 1200; i++) {
            int a = r.nextInt(10), b = r.nextInt(10);
            s.append(a).append('+').append(b).append(" => ").append(a + b).append('\n');
        }
        Path pairs = Files.writeString(dir.resolve("sums.txt"), s.toString());
        Path model = dir.resolve("sums.safetensors");
        CliRun train = CliRun.of("seq2seq", "train", "--pairs", pairs.toString(), "--separator", "=>", "--model", model.toString(),
                "--hidden", "32", "--embedding", "8", "--epochs", "12", "--lr", "0.01", "--beam", "2");
        assertEquals(0, train.code(), train.err() + train.out());
        assertTrue(train.out().contains("validation exact-match with beam 2: "), train.out());
        CliRun eval = CliRun.of("seq2seq", "eval", "--model", model.toString(), "--pairs", pairs.toString(), "--separator", "=>");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(Double.parseDouble(eval.out().strip().substring("exact-match: ".length())) >= 0.9, eval.out());
        Path png = dir.resolve("att.png");
        CliRun t = CliRun.of("seq2seq", "translate", "--model", model.toString(), "--attention-png", png.toString(), "3+4", "9+9");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().startsWith("7\n18\n"), t.out());
        assertTrue(Files.size(png) > 1000);
        Path bad = Files.writeString(dir.resolve("bad.txt"), "1+1 => 2\n2+2 is 4\n");
        CliRun e = CliRun.of("seq2seq", "train", "--pairs", bad.toString(), "--separator", "=>", "--model", dir.resolve("x.safetensors").toString());
        assertEquals(1, e.code());
        assertEquals("rnn: " + bad + ":2: no separator '=>' (expected 'source=>target')", e.err().strip());
    }

    @Test
    void demoWritesItsFolderAndEndsWithExactMatch() throws IOException {
        Path out = dir.resolve("demo");
        CliRun r = CliRun.of("demo", "--dir", out.toString(), "--pairs", "600", "--epochs", "1");
        assertEquals(0, r.code(), r.err() + r.out());
        String last = r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("exact-match: [01]\\.\\d{4}"), last);
        assertTrue(r.out().contains("try: ./rnn seq2seq translate --model " + out.resolve("dates.safetensors")), r.out());
        for (String f : new String[] {"dates.safetensors", "dates.png", "attention.png", "test-pairs.txt", "dates-lm.safetensors", "dates-lm.png"}) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        assertTrue(r.out().contains("try: ./rnn serve --models-dir " + out), r.out());
        // what rnn serve finds there: the translator and the autocomplete language model, not their checkpoints
        assertEquals(java.util.List.of("dates", "dates-lm"), java.util.List.copyOf(ServeCommand.modelsIn(out).keySet()));
        try (dev.rnn.models.tasks.TaskModel lm = dev.rnn.models.tasks.ModelFiles.open(out.resolve("dates-lm.safetensors"))) {
            assertEquals(dev.rnn.models.tasks.CharLanguageModel.TASK, lm.task());
        }
        assertEquals(1000, Files.readAllLines(out.resolve("test-pairs.txt")).size());
    }

    @Test
    void gradflowShowsTheVanillaRnnForgetting() throws IOException {
        Path png = dir.resolve("g.png");
        CliRun r = CliRun.of("gradflow", "--hidden", "32", "--steps", "30", "--png", png.toString());
        assertEquals(0, r.code(), r.err());
        String[] last = r.out().lines().filter(l -> l.startsWith("30 ")).findFirst().orElseThrow().trim().split("\\s+");
        double rnn = Double.parseDouble(last[1]), lstm = Double.parseDouble(last[2]), gru = Double.parseDouble(last[3]);
        assertTrue(rnn < 1e-2 * lstm && rnn < gru, r.out());   // the LSTM (forget bias 1) carries it furthest at initialisation
        assertTrue(Files.size(png) > 1000);
    }
}
