package dev.rnn.models;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real data sets in {@code ../shared/data} (beside the project, never copied into it). Tests that
 * use them call {@link #require}, which skips the test with a message when the folder is absent.
 */
public final class SharedData {

    private SharedData() {
    }

    /** The folder: {@code -Drnn.sharedData=DIR}, else {@code ../shared/data} from the project root. */
    public static Path folder() {
        String configured = System.getProperty("rnn.sharedData");
        if (configured != null) {
            return Path.of(configured);
        }
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {     // tests run in a module folder; the root holds mvnw
            if (Files.exists(p.resolve("mvnw"))) {
                return p.resolveSibling("shared").resolve("data");
            }
        }
        return here.resolve("../shared/data").normalize();
    }

    /** {@code relative} inside the folder; the calling test is skipped when it is not there. */
    public static Path require(String relative) {
        Path p = folder().resolve(relative);
        assumeTrue(Files.isReadable(p), "skipped: " + p + " is absent (the shared data folder is not beside this checkout)");
        return p;
    }
}
