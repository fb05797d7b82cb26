package dev.rnn.flink.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.tasks.PredictionLines;
import dev.rnn.models.tasks.SentenceClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded job jar as a user runs it: {@code java --add-modules jdk.incubator.vector -jar
 * target/rnn-flink-job.jar score ...} on its embedded local cluster. (Its one-line errors are
 * {@code RnnFlinkJobTest}'s, in process.)
 */
class JobJarIT {

    private static final Path JAR = Path.of("target", "rnn-flink-job.jar");

    @TempDir
    Path dir;

    private record Run(int status, String out, List<String> err) {
    }

    private static Run java(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "-jar", JAR.toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile())
                .start();
        try {
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the job jar did not finish");
        } finally {
            p.destroyForcibly();
        }
        List<String> err = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("err.txt"))) {
            if (!line.startsWith("WARNING: Using incubator modules")) {
                err.add(line);
            }
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt")), err);
    }

    @Test
    void scoresAFileOnItsEmbeddedClusterAsTheCliWould() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is built in the package phase");
        Path model = ScoredModels.classifier(dir);
        List<String> texts = List.of("the food was great", "a boring movie", "Zürich, unseen words", "the plot", "awful service");
        Path input = Files.writeString(dir.resolve("in.txt"), String.join("\n", texts) + "\n\na bell \u0007\n");
        Path output = dir.resolve("scored");
        Run run = java(dir, "score", "--task", "classify", "--model", model.toString(), "--input", input.toString(), "--output",
                output.toString(), "--parallelism", "2");
        assertEquals(0, run.status(), run.out() + run.err());
        assertTrue(run.out().contains("5 records scored, 1 rejected"), run.out());
        List<String> expected = new ArrayList<>();
        try (SentenceClassifier c = SentenceClassifier.open(Kernels.preferred(), model)) {
            List<SentenceClassifier.Prediction> p = c.predict(texts);
            for (int i = 0; i < texts.size(); i++) {
                expected.add(PredictionLines.classified(texts.get(i), p.get(i)));
            }
        }
        assertEquals(expected, Files.readAllLines(output.resolve(ScoreJob.PREDICTIONS)));
        assertEquals(List.of(input + ":7: unknown character U+0007 at column 8"), Files.readAllLines(output.resolve(ScoreJob.REJECTS)));
    }
}
