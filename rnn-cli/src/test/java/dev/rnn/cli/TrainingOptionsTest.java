package dev.rnn.cli;

import static dev.rnn.cli.CliRun.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options every train command shares: each family accepted by a tiny run and shown in its log,
 * every train command documenting them, and each invalid value a usage error naming the option.
 */
class TrainingOptionsTest {

    @TempDir
    Path dir;

    private static final List<String> SHARED = List.of("--optimizer", "--momentum", "--nesterov", "--weight-decay", "--lr-schedule",
            "--warmup", "--lr-step", "--lr-min", "--lr-decay", "--clip", "--clip-value", "--l1", "--l2", "--bptt");

    private Path text() throws IOException {
        StringBuilder s = new StringBuilder();
        Random r = new Random(1);
        while (s.length() < 3000) {
            s.append(r.nextBoolean() ? "to be or not to be\n" : "that is the question\n");
        }
        return Files.writeString(dir.resolve("t.txt"), s.toString());
    }

    private String[] lm(String... extra) throws IOException {
        List<String> a = new ArrayList<>(List.of("lm", "train", "--text", text().toString(), "--model", dir.resolve("lm.safetensors").toString(),
                "--hidden", "8", "--layers", "1", "--embedding", "4", "--batch", "4", "--epochs", "1"));
        a.addAll(Arrays.asList(extra));
        return a.toArray(String[]::new);
    }

    private String[] classify(String... extra) throws IOException {
        StringBuilder s = new StringBuilder();
        Random r = new Random(2);
        for (int i = 0; i < 60; i++) {
            boolean pos = r.nextBoolean();
            s.append("the food was ").append(pos ? "good" : "bad").append('\t').append(pos ? "positive" : "negative").append('\n');
        }
        List<String> a = new ArrayList<>(List.of("classify", "train", "--data", Files.writeString(dir.resolve("s.txt"), s).toString(),
                "--model", dir.resolve("c.safetensors").toString(), "--hidden", "4", "--word-dim", "4", "--char-dim", "4", "--buckets", "32",
                "--epochs", "2"));
        a.addAll(Arrays.asList(extra));
        return a.toArray(String[]::new);
    }

    private String[] tag(String... extra) throws IOException {
        StringBuilder s = new StringBuilder();
        Random r = new Random(4);
        String[] noun = {"cat", "dog", "tree"};
        for (int i = 0; i < 40; i++) {
            String[][] words = {{"the", "DET"}, {noun[r.nextInt(3)], "NOUN"}, {"sleeps", "VERB"}};
            for (int j = 0; j < words.length; j++) {
                s.append(j + 1).append('\t').append(words[j][0]).append("\t_\t").append(words[j][1]).append("\t_\t_\t0\t_\t_\t_\n");
            }
            s.append('\n');
        }
        List<String> a = new ArrayList<>(List.of("tag", "train", "--data", Files.writeString(dir.resolve("t.conllu"), s).toString(),
                "--model", dir.resolve("t.safetensors").toString(), "--hidden", "4", "--layers", "1", "--word-dim", "4", "--char-dim", "4",
                "--buckets", "32", "--epochs", "2"));
        a.addAll(Arrays.asList(extra));
        return a.toArray(String[]::new);
    }

    private static void usageError(CliRun r, String message) {
        assertEquals(2, r.code(), r.err() + r.out());
        assertTrue(r.err().startsWith("rnn: " + message), r.err());
    }

    @Test
    void optimizersAreChosenAndShown() throws IOException {
        CliRun nesterov = CliRun.of(lm("--optimizer", "sgd", "--momentum", "0.5", "--nesterov", "--lr", "0.05"));
        ok(nesterov);
        assertTrue(nesterov.out().contains("training with sgd (Nesterov momentum 0.5), lr 0.05 plateau × 0.7"), nesterov.out());
        CliRun adamW = CliRun.of(classify("--optimizer", "adamw", "--weight-decay", "0.001"));
        ok(adamW);
        assertTrue(adamW.out().contains("training with adamw (weight decay 0.001), lr 0.002"), adamW.out());
        for (String name : List.of("adagrad", "rmsprop")) {
            CliRun r = CliRun.of(classify("--optimizer", name));
            ok(r);
            assertTrue(r.out().contains("training with " + name + ", lr"), r.out());
        }
    }

    @Test
    void penaltiesAndClippingAreAppliedAndShown() throws IOException {
        CliRun r = CliRun.of(tag("--l2", "0.001", "--l1", "0.0001", "--clip-value", "1"));
        ok(r);
        assertTrue(r.out().contains(", clip norm 5, clip value 1, L1 0.0001, L2 0.001"), r.out());
        // the penalty column beside the training loss in every validation line
        assertTrue(Pattern.compile("(?m)^epoch 1\\.00 \\(\\S+\\): training loss \\d+\\.\\d{4} \\+ penalty 0\\.\\d{4}, validation loss")
                .matcher(r.out()).find(), r.out());
        CliRun plain = CliRun.of(tag());
        ok(plain);
        assertTrue(!plain.out().contains("penalty") && plain.out().contains(", clip norm 5\n"), plain.out());
    }

    @Test
    void schedulesAreChosenAndShown() throws IOException {
        CliRun cosine = CliRun.of(classify("--lr-schedule", "cosine", "--warmup", "5", "--lr-min", "0.0001"));
        ok(cosine);
        assertTrue(cosine.out().contains("lr 0.002 cosine to 0.0001 after 5 warm-up updates"), cosine.out());
        CliRun step = CliRun.of(classify("--lr-schedule", "step", "--lr-step", "10", "--lr-decay", "0.5"));
        ok(step);
        assertTrue(step.out().contains("lr 0.002 step × 0.5 every 10 updates"), step.out());
        CliRun constant = CliRun.of(classify("--lr-schedule", "constant"));
        ok(constant);
        assertTrue(constant.out().contains("lr 0.002 constant, clip norm 5"), constant.out());
    }

    @Test
    void truncatedBpttForTheLanguageModel() throws IOException {
        CliRun r = CliRun.of(lm("--bptt", "20,5"));
        ok(r);
        assertTrue(r.out().contains("; truncated BPTT 20 forward, 5 back"), r.out());
        assertTrue(r.out().contains("validation loss"), r.out());
        CliRun whole = CliRun.of(lm("--seq-len", "16"));
        ok(whole);
        assertTrue(whole.out().contains("; truncated BPTT 16 forward, 16 back"), whole.out());
        usageError(CliRun.of(lm("--bptt", "5,9")), "--bptt: truncated BPTT cannot go back further than it ran forward: k2 9 > k1 5");
        usageError(CliRun.of(lm("--bptt", "20", "--seq-len", "30")), "--bptt K1 20 and --seq-len 30 disagree");
        usageError(CliRun.of(classify("--bptt", "20")), "--bptt applies to 'lm train' only");
    }

    @Test
    void invalidValuesAreUsageErrorsNamingTheOption() throws IOException {
        usageError(CliRun.of(classify("--optimizer", "adamax")), "--optimizer must be one of sgd, adagrad, rmsprop, adam, adamw, found 'adamax'");
        usageError(CliRun.of(classify("--l2", "-0.1")), "--l2 must be a finite number ≥ 0, found -0.1");
        usageError(CliRun.of(classify("--l1", "NaN")), "--l1 must be a finite number ≥ 0");
        usageError(CliRun.of(classify("--weight-decay", "0.1")), "--weight-decay is AdamW's decoupled decay; --optimizer adam does not take it");
        usageError(CliRun.of(classify("--optimizer", "adamw", "--weight-decay", "0")), "--weight-decay must be > 0");
        usageError(CliRun.of(classify("--momentum", "0.9")), "--momentum apply to --optimizer sgd, not adam");
        usageError(CliRun.of(classify("--optimizer", "sgd", "--momentum", "1")), "--momentum must be in [0, 1)");
        usageError(CliRun.of(classify("--optimizer", "sgd", "--momentum", "0", "--nesterov")), "--nesterov needs --momentum > 0");
        usageError(CliRun.of(classify("--clip-value", "0")), "--clip-value must be > 0");
        usageError(CliRun.of(classify("--lr-schedule", "linear")), "--lr-schedule must be constant, step, cosine or plateau, found 'linear'");
        String[] byTime = classify("--lr-schedule", "cosine");
        int epochs = Arrays.asList(byTime).indexOf("--epochs");
        byTime[epochs] = "--minutes";
        byTime[epochs + 1] = "1";
        usageError(CliRun.of(byTime), "--lr-schedule cosine needs --epochs");
        usageError(CliRun.of(classify("--lr-schedule", "cosine", "--lr-decay", "0.5")), "--lr-decay applies to --lr-schedule step and plateau");
        usageError(CliRun.of(classify("--lr-step", "5")), "--lr-step applies to --lr-schedule step, not plateau");
        usageError(CliRun.of(classify("--warmup", "-1")), "--warmup must be ≥ 0 updates");
        usageError(CliRun.of(classify("--lr-schedule", "cosine", "--lr-min", "1")), "--lr-min 1.0 is above the learning rate 0.002");
    }

    /** seq2seq, forecast and numbers share the same options: one small run each with a family from every kind. */
    @Test
    void theOtherTrainCommandsTakeThemToo() throws IOException {
        String[] options = {"--optimizer", "rmsprop", "--l2", "0.0001", "--lr-schedule", "constant", "--warmup", "2", "--clip-value", "1"};
        String shown = "training with rmsprop, lr ";
        Path pairs = Files.writeString(dir.resolve("p.txt"), "the cat => a dog\na dog => the cat\nthe tree => a cat\na cat => the tree\n");
        List<String[]> runs = new ArrayList<>();
        runs.add(new String[] {"seq2seq", "train", "--pairs", pairs.toString(), "--separator", "=>", "--tokens", "words", "--model",
                dir.resolve("s.safetensors").toString(), "--hidden", "4", "--epochs", "1"});
        Path csv = dir.resolve("hourly.csv");
        ok(CliRun.of("forecast", "sample-data", "--out", csv.toString(), "--hours", "600", "--seed", "4"));
        runs.add(new String[] {"forecast", "train", "--csv", csv.toString(), "--target", "load", "--horizon", "4", "--model",
                dir.resolve("f.safetensors").toString(), "--hidden", "4", "--epochs", "1"});
        runs.add(new String[] {"numbers", "train", "--model", dir.resolve("n.safetensors").toString(), "--digits", "2", "--examples", "60",
                "--validation", "20", "--held-out", "20", "--hidden", "8", "--epochs", "1"});
        for (String[] run : runs) {
            List<String> args = new ArrayList<>(Arrays.asList(run));
            args.addAll(Arrays.asList(options));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            ok(r);
            assertTrue(r.out().contains(shown) && r.out().contains("constant after 2 warm-up updates")
                    && r.out().contains("clip value 1, L2 0.0001") && r.out().contains(" + penalty "), r.out());
        }
    }

    @Test
    void everyTrainCommandDocumentsTheOptions() {
        for (String task : List.of("lm", "classify", "tag", "seq2seq", "forecast", "numbers")) {
            CliRun help = CliRun.of(task, "train", "--help");
            ok(help);
            for (String option : SHARED) {
                assertTrue(help.out().contains(option), task + " train --help lacks " + option);
            }
        }
    }
}
