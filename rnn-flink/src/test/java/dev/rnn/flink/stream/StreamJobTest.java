package dev.rnn.flink.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stream subcommand's checks before any job starts: each problem is one line naming it. */
class StreamJobTest {

    @TempDir
    Path dir;

    private String failure(String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StreamJob.run(args));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void aMissingModelFailsAtStartNamingTheFile() {
        String m = failure("--task", "lm", "--model", dir.resolve("none.safetensors").toString(), "--input", "x", "--output", "o");
        assertTrue(m.contains("none.safetensors"), m);
    }

    @Test
    void aModelOfAnotherTaskFailsAtStartNamingBoth() throws Exception {
        Path forecaster = TestModels.forecaster(dir);
        String m = failure("--task", "lm", "--model", forecaster.toString(), "--input", "x", "--output", "o");
        assertTrue(m.contains("forecaster.safetensors") && m.contains("holds a forecaster model") && m.contains("char-lm"), m);
    }

    @Test
    void badOptionsAreNamed() throws Exception {
        Path lm = TestModels.languageModel(dir, 8);
        assertTrue(failure("--task", "translate").contains("--task must be lm or forecast"));
        assertTrue(failure("--task", "lm", "--model", lm.toString(), "--output", "o").contains("give one source"));
        assertTrue(failure("--task", "lm", "--model", lm.toString(), "--input", dir.resolve("no.txt").toString(), "--output", "o")
                .contains("cannot read the input"));
        Files.writeString(dir.resolve("in.txt"), "k\ta\n");
        assertTrue(failure("--task", "lm", "--model", lm.toString(), "--input", dir.resolve("in.txt").toString(), "--output", "o",
                "--state", "memory").contains("--state must be heap or rocksdb"));
        assertTrue(failure("--task", "lm", "--model", lm.toString(), "--input", dir.resolve("in.txt").toString(), "--output", "o",
                "--rate", "0").contains("--rate must be a whole number ≥ 1, found '0'"));
        assertTrue(failure("--task", "lm", "--model", lm.toString(), "--socket", "localhost:9999", "--output", "o", "--rate", "100")
                .contains("--rate paces an --input file"));
        assertTrue(failure("--task", "lm", "--model", lm.toString(), "--input", dir.resolve("in.txt").toString(), "--output", "o",
                "--restart-attempts", "none").contains("--restart-attempts must be a whole number ≥ 1, found 'none'"));
        assertTrue(failure("--bogus", "1").contains("unknown option '--bogus'"));
        assertTrue(failure("--task").contains("--task needs a value"));
    }

    @Test
    void durationsReadUnits() {
        assertEquals(Duration.ofMillis(250), StreamJob.duration("250ms", "d"));
        assertEquals(Duration.ofSeconds(10), StreamJob.duration("10s", "d"));
        assertEquals(Duration.ofMinutes(2), StreamJob.duration("2min", "d"));
        assertEquals(Duration.ofMillis(500), StreamJob.duration("500", "d"));
    }
}
