package dev.rnn.cli;

import static dev.rnn.cli.CliRun.failsWith;
import static dev.rnn.cli.CliRun.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --embeddings and export-embeddings across the word tasks, sampling options, and 'rnn numbers'. */
class EmbeddingsAndGenerationCommandsTest {

    @TempDir
    Path dir;



    private Path conllu() throws IOException {
        Random r = new Random(4);
        String[] det = {"the", "a"}, noun = {"cat", "dog", "tree"}, verb = {"sees", "likes"}, name = {"Anna", "Bob", "Carla"};
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            String[][] words = {{det[r.nextInt(2)], "DET"}, {noun[r.nextInt(3)], "NOUN"}, {verb[r.nextInt(2)], "VERB"},
                    {name[r.nextInt(3)], "PROPN"}, {".", "PUNCT"}};
            for (int j = 0; j < words.length; j++) {
                s.append(j + 1).append('\t').append(words[j][0]).append("\t_\t").append(words[j][1]).append("\t_\t_\t0\t_\t_\t_\n");
            }
            s.append('\n');
        }
        return Files.writeString(dir.resolve("train.conllu"), s.toString());
    }

    @Test
    void taggerVectorsMoveToTheClassifierAndSeq2seq() throws IOException {
        Path tagger = dir.resolve("t.safetensors"), vectors = dir.resolve("vectors.txt");
        ok(CliRun.of("tag", "train", "--data", conllu().toString(), "--model", tagger.toString(), "--hidden", "8", "--layers", "1",
                "--word-dim", "6", "--char-dim", "4", "--buckets", "64", "--epochs", "1"));
        CliRun export = CliRun.of("tag", "export-embeddings", "--model", tagger.toString(), "--out", vectors.toString());
        ok(export);
        List<String> lines = Files.readAllLines(vectors);
        assertEquals(vectors + ": 11 word vectors of 6", export.out().strip());
        assertEquals("11 6", lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("anna ")), "the tagger lower-cases its words");

        Path data = Files.writeString(dir.resolve("s.txt"), "the cat likes Anna\tpositive\na dog sees Bob\tnegative\n"
                + "the tree sees Carla\tnegative\nthe dog likes Bob\tpositive\nzebra\tpositive\n");
        Path classifier = dir.resolve("c.safetensors");
        CliRun train = CliRun.of("classify", "train", "--data", data.toString(), "--model", classifier.toString(), "--hidden", "4",
                "--char-dim", "4", "--buckets", "64", "--epochs", "1", "--val-fraction", "0.2", "--embeddings", vectors.toString(),
                "--freeze-embeddings");
        ok(train);
        assertTrue(train.out().contains(vectors + ": 11 vectors of 6; pretrained vectors for "), train.out());
        assertTrue(train.out().contains("; frozen"), train.out());
        CliRun again = CliRun.of("classify", "export-embeddings", "--model", classifier.toString(), "--out", dir.resolve("c.txt").toString());
        ok(again);
        assertTrue(Files.readAllLines(dir.resolve("c.txt")).get(0).endsWith(" 6"));
        failsWith(CliRun.of("classify", "train", "--data", data.toString(), "--model", classifier.toString(), "--word-dim", "8",
                "--embeddings", vectors.toString()), vectors + ": the vectors are 6-dimensional, but --word-dim is 8");
        CliRun.usageError(CliRun.of("classify", "train", "--data", data.toString(), "--model", classifier.toString(), "--freeze-embeddings"),
                "--freeze-embeddings needs --embeddings FILE", "rnn classify train");
        Path ragged = Files.writeString(dir.resolve("ragged.txt"), "the 1 2 3\ncat 1 2\n");
        failsWith(CliRun.of("tag", "train", "--data", conllu().toString(), "--model", dir.resolve("x.safetensors").toString(),
                "--embeddings", ragged.toString()), ragged + ":2: 'cat' has 2 values, expected 3 (as on the lines before)");
        assertFalse(Files.exists(dir.resolve("x.safetensors")));

        Path pairs = Files.writeString(dir.resolve("p.txt"), "the cat => a dog\na dog => the cat\nthe tree => a cat\n");
        CliRun s2s = CliRun.of("seq2seq", "train", "--pairs", pairs.toString(), "--separator", "=>", "--tokens", "words",
                "--model", dir.resolve("s.safetensors").toString(), "--hidden", "4", "--epochs", "1", "--embeddings", vectors.toString());
        ok(s2s);
        assertTrue(s2s.out().contains("pretrained vectors for "), s2s.out());
        failsWith(CliRun.of("seq2seq", "train", "--pairs", pairs.toString(), "--separator", "=>", "--model",
                dir.resolve("s.safetensors").toString(), "--epochs", "1", "--embeddings", vectors.toString()),
                "pretrained word vectors need word tokens (--tokens words)");
        CliRun sampled = CliRun.of("seq2seq", "translate", "--model", dir.resolve("s.safetensors").toString(), "--temperature", "2",
                "--top-k", "3", "--sample-seed", "5", "the cat");
        ok(sampled);
        assertEquals(sampled.out(), CliRun.of("seq2seq", "translate", "--model", dir.resolve("s.safetensors").toString(), "--temperature",
                "2", "--top-k", "3", "--sample-seed", "5", "the cat").out());
        failsWith(CliRun.of("seq2seq", "translate", "--model", dir.resolve("s.safetensors").toString(), "--temperature", "1", "--beam",
                "3", "the cat"), "choose beam search (beam 3) or sampling (temperature 1.0), not both");
    }

    @Test
    void numbersAreWrittenInWordsAfterAShortRun() {
        Path model = dir.resolve("n.safetensors");
        CliRun train = CliRun.of("numbers", "train", "--model", model.toString(), "--digits", "3", "--examples", "600", "--validation", "100",
                "--held-out", "300", "--hidden", "64",
                "--epochs", "15", "--lr", "0.005");
        ok(train);
        double exact = Double.parseDouble(train.out().lines().filter(l -> l.startsWith("held-out exact-match: ")).findFirst().orElseThrow()
                .substring("held-out exact-match: ".length()));
        assertTrue(exact >= 0.97, train.out());
        CliRun say = CliRun.of("numbers", "say", "--model", model.toString(), "--beam", "3", "417", "90");
        ok(say);
        assertTrue(say.out().startsWith("417\t"), say.out());
        failsWith(CliRun.of("numbers", "say", "--model", model.toString(), "1000"), "1000 is outside the model's range 0..999");
        failsWith(CliRun.of("tag", "export-embeddings", "--model", model.toString(), "--out", dir.resolve("v.txt").toString()),
                model.getFileName() + ": holds a caption model, which has no word vectors to export (classifier and tagger models have)");
    }
}
