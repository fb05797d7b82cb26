package dev.rnn.cli;

import static dev.rnn.cli.CliRun.failsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.serve.RnnServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn serve}: one-line errors for bad arguments and files; a real process that serves, then stops on SIGTERM with exit code 0. */
class ServeCommandTest {

    @TempDir
    Path dir;

    private Path languageModel() throws Exception {
        Path file = dir.resolve("lm.safetensors");
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.GRU, 4, 8, 1, 0),
                Vocabulary.ofCharacters("abc d."), 1)) {
            SafetensorsWriter w = new SafetensorsWriter().metadata(lm.metadata());
            lm.parameters().writeTo(w, "");
            w.write(file);
        }
        return file;
    }

    @Test
    void badFilesAndArgumentsAreOneLineErrors() throws Exception {
        Path missing = dir.resolve("missing.safetensors");
        CliRun r = CliRun.of("serve", "--model", "lm=" + missing, "--port", "0");
        assertEquals(1, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("rnn: ") && r.err().contains(missing.getFileName().toString()), r.err());
        Path notAModel = Files.writeString(dir.resolve("text.safetensors"), "not a model");
        CliRun s = CliRun.of("serve", "--model", "x=" + notAModel, "--port", "0");
        assertEquals(1, s.code(), s.out());
        assertTrue(s.err().contains(notAModel.getFileName().toString()), s.err());
        assertEquals(2, CliRun.of("serve", "--model", "lm", "--port", "0").code());
        Path lm = languageModel();
        failsWith(CliRun.of("serve", "--model", "a/b=" + lm, "--port", "0"),
                "model name 'a/b' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    @Test
    void withoutModelsItServesTheDemoDirectoryOrSaysHowToFillIt() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        failsWith(CliRun.of("serve", "--models-dir", empty.toString(), "--port", "0"),
                "no --model given and no *.safetensors models in " + empty + ": run './rnn demo' first, or pass --model NAME=FILE");
        Path demo = Files.createDirectory(dir.resolve("demo"));
        Path lm = languageModel();
        Files.copy(lm, demo.resolve("dates.safetensors"));
        Files.copy(lm, demo.resolve("a-lm.safetensors"));
        Files.writeString(demo.resolve("test-pairs.txt"), "x");
        Files.copy(lm, demo.resolve("dates.checkpoint.safetensors"));   // training's checkpoint: not served
        assertEquals(List.of("a-lm", "dates"), List.copyOf(ServeCommand.modelsIn(demo).keySet()));
        assertTrue(ServeCommand.modelsIn(dir.resolve("absent")).isEmpty());
    }

    @Test
    void limitFlagsDefaultToTheServersDefaultsAndReachIt() throws Exception {
        ServeCommand none = new ServeCommand();
        new picocli.CommandLine(none).parseArgs();
        assertEquals(RnnServer.Limits.defaults(), none.limits());
        ServeCommand all = new ServeCommand();
        new picocli.CommandLine(all).parseArgs("--max-body-bytes", "2048", "--max-text-length", "50", "--max-beam-width", "3",
                "--max-completion-length", "7", "--max-streams", "9", "--stream-idle-timeout", "90s");
        assertEquals(new RnnServer.Limits(2048, 50, 3, 7, 9, Duration.ofSeconds(90)), all.limits());
        for (String[] t : new String[][] {{"500ms", "PT0.5S"}, {"2h", "PT2H"}, {"PT10M", "PT10M"}, {"3m", "PT3M"}}) {
            assertEquals(Duration.parse(t[1]), new ServeCommand.DurationConverter().convert(t[0]));
        }
        Path lm = languageModel();
        assertEquals(2, CliRun.of("serve", "--model", "lm=" + lm, "--stream-idle-timeout", "ten minutes", "--port", "0").code());
        failsWith(CliRun.of("serve", "--model", "lm=" + lm, "--max-streams", "0", "--port", "0"),
                "limits must be ≥ 1 (body ≥ 64 bytes): body 1048576, text 10000, beam 16, completion 1000, streams 0");
        failsWith(CliRun.of("serve", "--model", "lm=" + lm, "--stream-idle-timeout", "0s", "--port", "0"),
                "the stream idle timeout must be positive, found PT0S");
    }

    @Test
    void servesUntilSigtermThenExitsZero() throws Exception {
        Path lm = languageModel();
        Path log = dir.resolve("serve.out");   // a file, not a pipe: the JDK closes a pipe under a reader when the process exits
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules",
                "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), RnnCommand.class.getName(),
                "serve", "--model", "lm=" + lm, "--port", "0", "--max-completion-length", "5").redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(log.toFile()).start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            String line = "";
            for (int i = 0; i < 1200 && p.isAlive() && !line.endsWith("\n"); i++) {   // up to a minute for the JVM to start
                Thread.sleep(50);
                line = Files.readString(log);
            }
            Matcher m = Pattern.compile("serving lm on http://127\\.0\\.0\\.1:(\\d+)\n").matcher(line);
            assertTrue(m.matches(), line);
            String base = "http://127.0.0.1:" + m.group(1);
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
            HttpResponse<String> completed = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/models/lm/complete"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prefix\":\"ab\",\"k\":2,\"length\":3}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, completed.statusCode(), completed.body());
            HttpResponse<String> tooLong = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/models/lm/complete"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prefix\":\"ab\",\"length\":6}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, tooLong.statusCode(), "--max-completion-length reaches the server: " + tooLong.body());
            p.destroy();   // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server stops after SIGTERM");
            assertEquals(0, p.exitValue());
            assertEquals(List.of(line.strip(), "stopped"), Files.readAllLines(log));
        } finally {
            p.destroyForcibly();
        }
    }
}
