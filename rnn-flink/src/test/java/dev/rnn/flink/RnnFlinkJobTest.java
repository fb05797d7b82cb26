package dev.rnn.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rnn.flink.score.ScoredModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job jar's command line: usage errors, unusable models and inputs are one line each, with status 2 or 1, before any cluster starts. */
class RnnFlinkJobTest {

    @TempDir
    Path dir;

    private record Run(int status, String out, List<String> err) {
    }

    private static Run run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = RnnFlinkJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void usageErrorsAreOneLineAndStatus2() throws Exception {
        assertEquals(new Run(2, "", List.of(RnnFlinkJob.USAGE)), run());
        assertEquals(new Run(2, "", List.of("score: --task must be classify, tag, forecast or seq2seq, found 'summarize'")),
                run("score", "--task", "summarize"));
        assertEquals(new Run(2, "", List.of("score: option --model is required")), run("score", "--task", "tag"));
        assertEquals(new Run(2, "", List.of("score: option --parallelism must be an integer ≥ 1, found '0'")),
                run("score", "--task", "tag", "--model", "m", "--input", "i", "--output", "o", "--parallelism", "0"));
        assertEquals(new Run(2, "", List.of("score: unknown option '--beam' (options: --task, --model, --input, --output, --parallelism)")),
                run("score", "--beam", "2"));
        assertEquals(new Run(2, "", List.of("unknown subcommand 'train'; " + RnnFlinkJob.USAGE)), run("train"));
        assertEquals(new Run(2, "", List.of("stream: missing --task")), run("stream"));
    }

    @Test
    void anUnusableModelOrInputIsOneLineAndStatus1() throws Exception {
        Path input = Files.writeString(dir.resolve("in.txt"), "hello\n");
        assertEquals(new Run(1, "", List.of("cannot use the model: m.safetensors: no such file")),
                run("score", "--task", "tag", "--model", dir.resolve("m.safetensors").toString(), "--input", input.toString(), "--output",
                        dir.resolve("o").toString()));
        Path model = ScoredModels.classifier(dir);
        assertEquals(new Run(1, "", List.of("cannot use the model: classifier.safetensors: holds a sentence-classifier model, not a"
                        + " sequence-tagger model (SequenceTagger)")),
                run("score", "--task", "tag", "--model", model.toString(), "--input", input.toString(), "--output", dir.resolve("o").toString()));
        Path none = dir.resolve("none.txt");
        assertEquals(new Run(1, "", List.of("cannot read the input: " + none + ": no such file")),
                run("score", "--task", "classify", "--model", model.toString(), "--input", none.toString(), "--output",
                        dir.resolve("o").toString()));
    }
}
