package dev.rnn.cli;

import static dev.rnn.cli.CliRun.failsWith;
import static dev.rnn.cli.CliRun.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lm, classify and tag end to end on small generated files, and their one-line errors. */
class TaskCommandsTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }



    @Test
    void languageModelTrainsSamplesAndScores() throws IOException {
        StringBuilder s = new StringBuilder();
        Random r = new Random(1);
        while (s.length() < 4000) {
            s.append(r.nextBoolean() ? "to be or not to be\n" : "that is the question\n");
        }
        Path text = write("t.txt", s.toString());
        Path model = dir.resolve("lm.safetensors");
        CliRun train = CliRun.of("lm", "train", "--text", text.toString(), "--model", model.toString(), "--hidden", "32", "--layers", "1",
                "--embedding", "8", "--batch", "4", "--seq-len", "20", "--epochs", "3", "--lr", "0.01");
        ok(train);
        assertTrue(train.out().contains("validation loss"), train.out());
        assertTrue(Files.exists(model) && Files.exists(dir.resolve("lm.png")) && Files.exists(dir.resolve("lm.checkpoint.safetensors")));
        CliRun eval = CliRun.of("lm", "eval", "--model", model.toString(), "--text", text.toString());
        ok(eval);
        String[] lines = eval.out().strip().split("\n");
        double loss = Double.parseDouble(lines[0].substring("loss: ".length()));
        double perplexity = Double.parseDouble(lines[1].substring("perplexity: ".length()));
        assertEquals(Math.exp(loss), perplexity, 1e-3 * perplexity);
        assertTrue(loss < 1.5, eval.out());
        CliRun sample = CliRun.of("lm", "sample", "--model", model.toString(), "--prime", "to be", "--length", "40", "--seed", "3");
        ok(sample);
        assertTrue(sample.out().startsWith("to be") && sample.out().strip().length() == 45, sample.out());
        assertEquals(sample.out(), CliRun.of("lm", "sample", "--model", model.toString(), "--prime", "to be", "--length", "40", "--seed", "3").out());
        CliRun greedy = CliRun.of("lm", "sample", "--model", model.toString(), "--prime", "to be", "--length", "40", "--greedy");
        assertEquals(greedy.out(), CliRun.of("lm", "sample", "--model", model.toString(), "--prime", "to be", "--length", "40",
                "--temperature", "0").out());
        failsWith(CliRun.of("lm", "sample", "--model", model.toString(), "--prime", "xyz"),
                "character 'x' (U+0078) at position 0 is not in the model's vocabulary");
        Path other = write("o.txt", "to be, Q");
        failsWith(CliRun.of("lm", "eval", "--model", model.toString(), "--text", other.toString()),
                other + ": character ',' (U+002C) at position 5 is not in the model's vocabulary");
        CliRun resumed = CliRun.of("lm", "train", "--text", text.toString(), "--model", model.toString(), "--hidden", "32", "--layers", "1",
                "--embedding", "8", "--batch", "4", "--seq-len", "20", "--epochs", "4", "--lr", "0.01", "--resume");
        ok(resumed);
        assertTrue(resumed.out().contains("resuming from") && resumed.out().contains("epoch 4"), resumed.out());

        Path checkpoint = dir.resolve("lm.checkpoint.safetensors");
        failsWith(CliRun.of("lm", "sample", "--model", checkpoint.toString()), "lm.checkpoint.safetensors: this is a training checkpoint,"
                + " not a model file; resume training from it (--resume), or open the model file beside it, lm.safetensors");
        failsWith(CliRun.of("lm", "eval", "--model", dir.resolve("lm.png").toString(), "--text", text.toString()),
                "lm.png: not a safetensors file (it starts with the PNG signature)");
        failsWith(CliRun.of("lm", "eval", "--model", text.toString(), "--text", text.toString()),
                "t.txt: not a safetensors file (it starts with text ('" + s.substring(0, 8).replace('\n', ' ') + "'))");
    }

    @Test
    void languageModelDataErrorsAreOneLine() throws IOException {
        Path empty = write("empty.txt", "");
        failsWith(CliRun.of("lm", "train", "--text", empty.toString(), "--model", dir.resolve("m.safetensors").toString()),
                empty + ": the file is empty");
        Path missing = dir.resolve("nope.txt");
        failsWith(CliRun.of("lm", "train", "--text", missing.toString(), "--model", dir.resolve("m.safetensors").toString()),
                missing + ": no such file");
        Path tiny = write("tiny.txt", "abcabc");
        CliRun r = CliRun.of("lm", "train", "--text", tiny.toString(), "--model", dir.resolve("m.safetensors").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("6 characters are too few to hold out 0.1 for validation"), r.err());
        Path small = write("small.txt", "abc ".repeat(50));
        failsWith(CliRun.of("lm", "train", "--text", small.toString(), "--model", dir.resolve("m.safetensors").toString()),
                "the training text has 180 characters; batch 32 × sequence length 100 needs at least 3201");
        assertTrue(!Files.exists(dir.resolve("m.safetensors")));
        failsWith(CliRun.of("lm", "eval", "--model", dir.resolve("none.safetensors").toString(), "--text", tiny.toString()),
                "none.safetensors: no such file");
    }

    private static String sentiment(int n, long seed) {
        Random r = new Random(seed);
        String[] good = {"good", "great", "lovely"}, bad = {"bad", "awful", "dull"}, filler = {"the", "food", "was", "plot", "very"};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            boolean pos = r.nextBoolean();
            List<String> w = new ArrayList<>();
            for (int j = 0; j < 3; j++) {
                w.add(filler[r.nextInt(filler.length)]);
            }
            w.add(r.nextInt(4), (pos ? good : bad)[r.nextInt(3)]);
            s.append(String.join(" ", w)).append('\t').append(pos ? "positive" : "negative").append('\n');
        }
        return s.toString();
    }

    @Test
    void classifierTrainsEvaluatesPredictsAndCrossValidates() throws IOException {
        Path data = write("s.txt", sentiment(300, 1)), more = write("m.txt", sentiment(60, 2));
        Path model = dir.resolve("c.safetensors");
        ok(CliRun.of("classify", "train", "--data", data.toString(), "--data", more.toString(), "--model", model.toString(),
                "--hidden", "16", "--word-dim", "16", "--char-dim", "8", "--buckets", "256", "--epochs", "6", "--lr", "0.01"));
        CliRun eval = CliRun.of("classify", "eval", "--model", model.toString(), "--data", write("e.txt", sentiment(100, 3)).toString());
        ok(eval);
        assertTrue(Double.parseDouble(eval.out().strip().substring("accuracy: ".length())) >= 0.9, eval.out());
        CliRun predict = CliRun.of("classify", "predict", "--model", model.toString(), "the food was great", "the plot was awful");
        ok(predict);
        String[] lines = predict.out().strip().split("\n");
        assertTrue(lines[0].startsWith("positive\t") && lines[0].endsWith("\tthe food was great"), predict.out());
        assertTrue(lines[1].startsWith("negative\t"), predict.out());
        CliRun cv = CliRun.of("classify", "cv", "--data", data.toString(), "--folds", "3", "--hidden", "8", "--word-dim", "8",
                "--char-dim", "4", "--buckets", "64", "--epochs", "2");
        ok(cv);
        assertTrue(cv.out().contains("fold 3 accuracy: ") && cv.out().contains("mean accuracy: "), cv.out());
        Path bad = write("bad.txt", "fine\tpositive\nno tab here\n");
        failsWith(CliRun.of("classify", "train", "--data", bad.toString(), "--model", dir.resolve("x.safetensors").toString()),
                bad + ":2: no TAB-separated label (expected 'text<TAB>label')");
    }

    @Test
    void taggerTrainsEvaluatesAndPredicts() throws IOException {
        Random r = new Random(4);
        String[] det = {"the", "a"}, noun = {"cat", "dog", "tree"}, verb = {"sees", "likes"}, name = {"Anna", "Bob", "Carla", "Dmitri"};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            s.append("# sent_id = ").append(i).append('\n');
            String[][] words = {{det[r.nextInt(2)], "DET"}, {noun[r.nextInt(3)], "NOUN"}, {verb[r.nextInt(2)], "VERB"},
                    {name[r.nextInt(4)], "PROPN"}, {".", "PUNCT"}};
            for (int j = 0; j < words.length; j++) {
                s.append(j + 1).append('\t').append(words[j][0]).append("\t_\t").append(words[j][1]).append("\t_\t_\t0\t_\t_\t_\n");
            }
            s.append('\n');
        }
        Path train = write("train.conllu", s.toString());
        Path model = dir.resolve("t.safetensors");
        ok(CliRun.of("tag", "train", "--data", train.toString(), "--model", model.toString(), "--hidden", "16", "--layers", "1",
                "--word-dim", "16", "--char-dim", "8", "--buckets", "256", "--epochs", "5", "--lr", "0.01"));
        CliRun eval = CliRun.of("tag", "eval", "--model", model.toString(), "--data", train.toString());
        ok(eval);
        assertTrue(Double.parseDouble(eval.out().strip().substring("accuracy: ".length())) >= 0.95, eval.out());
        CliRun predict = CliRun.of("tag", "predict", "--model", model.toString(), "the dog likes Anna.");
        ok(predict);
        assertEquals("the/DET dog/NOUN likes/VERB Anna/PROPN ./PUNCT", predict.out().strip());
        Path sentences = write("predict.conllu", "# text = the dog likes Anna.\n1\tthe\t_\t_\t_\t_\t_\t_\t_\t_\n2\tdog\t_\t_\t_\t_\t_\t_\t_\t_\n"
                + "3\tlikes\t_\t_\t_\t_\t_\t_\t_\t_\n4\tAnna\t_\t_\t_\t_\t_\t_\t_\t_\n5\t.\t_\t_\t_\t_\t_\t_\t_\t_\n\n");
        CliRun fromConllu = CliRun.of("tag", "predict", "--model", model.toString(), "--conllu", sentences.toString());
        ok(fromConllu);
        assertEquals(predict.out(), fromConllu.out());
        Path bad = write("bad.conllu", "1\tthe\t_\tDET\n");
        failsWith(CliRun.of("tag", "train", "--data", bad.toString(), "--model", dir.resolve("y.safetensors").toString()),
                bad + ":1: expected 10 TAB-separated columns, found 4");
        CliRun.usageError(CliRun.of("tag", "eval", "--model", model.toString(), "--data", train.toString(), "--column", "feats"),
                "--column must be upos or xpos, found 'feats'", "rnn tag eval");
    }
}
