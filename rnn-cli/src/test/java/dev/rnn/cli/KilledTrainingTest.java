package dev.rnn.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsFile;
import dev.rnn.models.training.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training killed with SIGKILL at random moments, again and again: after every kill the latest
 * checkpoint opens and {@code --resume} continues from it, and the run that was killed and resumed
 * ends with exactly the parameters of a run that never stopped (same seed, same thread count). Each
 * kill comes a random moment after training has passed a further seventh of its steps, so every
 * kill lands in the middle of training however fast the machine is.
 */
class KilledTrainingTest {

    @TempDir
    Path dir;

    private static final int KILLS = 6;

    private List<String> args(Path text, Path model) {
        return List.of("lm", "train", "--text", text.toString(), "--model", model.toString(), "--hidden", "32", "--layers", "2",
                "--embedding", "8", "--batch", "8", "--seq-len", "25", "--epochs", "12", "--eval-every", "7", "--seed", "3",
                "--lr", "0.01", "--dropout", "0.1");
    }

    private static Process start(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Drnn.threads=2", "-cp", System.getProperty("java.class.path"),
                RnnCommand.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static List<float[]> parameters(Path checkpoint) throws SafetensorsException {
        List<float[]> out = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint)) {
            for (String name : f.names().stream().filter(n -> n.startsWith("param.")).sorted().toList()) {
                out.add(f.floats(name, f.info(name).shape()).toArray());
            }
        }
        return out;
    }

    /** The step recorded in the checkpoint, or -1 when there is none yet; fails on a file that is not a checkpoint. */
    private static long checkpointStep(Path checkpoint) throws SafetensorsException {
        if (!Files.exists(checkpoint)) {
            return -1;
        }
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint)) {
            String step = f.metadata().get("checkpoint.step");
            assertTrue(step != null, checkpoint + ": not a checkpoint");
            return Long.parseLong(step);
        }
    }

    /** Polls until the running training has checkpointed at least {@code target} steps; fails if it ends or stalls first. */
    private static void awaitCheckpointStep(Process run, Path checkpoint, long target, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (checkpointStep(checkpoint) < target) {
            if (!run.isAlive()) {
                fail(what + ": training ended (exit " + run.exitValue() + ") before a checkpoint at step " + target);
            }
            if (System.nanoTime() > deadline) {
                fail(what + ": no checkpoint at step " + target + " within 2 minutes");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void killedAndResumedTrainingEndsWhereAnUninterruptedRunEnds() throws Exception {
        StringBuilder s = new StringBuilder();
        Random r = new Random(5);
        while (s.length() < 30_000) {
            s.append(r.nextBoolean() ? "the quick brown fox " : "jumps over the lazy dog\n");
        }
        Path text = Files.writeString(dir.resolve("text.txt"), s.toString());
        Path straight = dir.resolve("straight.safetensors");
        Process p = start(args(text, straight));
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, "uninterrupted run failed");
        long total;
        try (SafetensorsFile f = SafetensorsFile.open(Checkpoint.pathFor(straight))) {
            total = Long.parseLong(f.metadata().get("checkpoint.step"));
        }
        Path model = dir.resolve("killed.safetensors"), checkpoint = Checkpoint.pathFor(model);
        int midTraining = 0;
        for (int k = 0; k < KILLS; k++) {
            List<String> a = new ArrayList<>(args(text, model));
            if (Files.exists(checkpoint)) {
                a.add("--resume");
            }
            Process run = start(a);
            // Kill k waits for training to pass (k + 1) / (KILLS + 1) of its steps, then for a random
            // moment of up to 250 ms (several checkpoint writes at ~12 ms per update), so the kills
            // land in the middle of training however fast or slow the machine is.
            long target = total * (k + 1) / (KILLS + 1);
            awaitCheckpointStep(run, checkpoint, target, "kill " + k);
            Thread.sleep(r.nextInt(250));
            run.destroyForcibly();             // SIGKILL: no shutdown hook, no final checkpoint
            run.waitFor();
            long step = checkpointStep(checkpoint);
            assertTrue(step >= 0, "kill " + k + ": the checkpoint is gone");
            if (step < total) {
                midTraining++;
            }
        }
        assertEquals(KILLS, midTraining, "kills that left a checkpoint in the middle of training");
        List<String> a = new ArrayList<>(args(text, model));
        a.add("--resume");
        Process last = start(a);
        assertTrue(last.waitFor(5, TimeUnit.MINUTES), "the resumed run did not finish");
        assertEquals(0, last.exitValue());
        List<float[]> expected = parameters(Checkpoint.pathFor(straight)), found = parameters(checkpoint);
        assertEquals(expected.size(), found.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), found.get(i), "parameter " + i);
        }
    }
}
