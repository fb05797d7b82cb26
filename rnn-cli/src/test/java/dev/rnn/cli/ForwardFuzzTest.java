package dev.rnn.cli;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.cells.CellParameters;
import dev.rnn.models.fuzz.FuzzFiles;
import dev.rnn.models.io.SafetensorsException;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.io.TorchRecurrentWeights;
import dev.rnn.models.layers.StackedLayers;
import dev.rnn.models.training.Initializers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Fuzzes {@code rnn forward}'s input checks: a fixed two-layer LSTM, and input files whose tensors
 * ({@code input}, {@code h0}, {@code c0}, {@code lengths} or others), dtypes, shapes and data come
 * from the fuzzer. Allowed: success (an output file), or a SafetensorsException or
 * IllegalArgumentException with a message and no output file. Replayed by {@code ./mvnw verify};
 * {@code tools/fuzz.sh forward} fuzzes it.
 */
class ForwardFuzzTest {

    private static final Path DIR = FuzzFiles.scratch("forward").getParent();
    private static final Path MODEL = DIR.resolve("model.safetensors");
    private static final Path INPUT = DIR.resolve("input.safetensors");
    private static final Path OUTPUT = DIR.resolve("output.safetensors");

    static {
        try (Arena arena = Arena.ofConfined()) {
            Initializers init = new Initializers(1);
            CellParameters l0 = CellParameters.allocate(arena, CellKind.LSTM, 3, 4, true);
            CellParameters l1 = CellParameters.allocate(arena, CellKind.LSTM, 4, 4, true);
            init.pytorchDefault(l0);
            init.pytorchDefault(l1);
            TorchRecurrentWeights.of(List.of(new StackedLayers.Level(l0, null), new StackedLayers.Level(l1, null)))
                    .addTo(new SafetensorsWriter()).write(MODEL);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void forward(FuzzedDataProvider data) throws Exception {
        FuzzFiles.write(INPUT, FuzzFiles.safetensors(data, List.of("input", "h0", "c0", "lengths", "output")));
        Files.deleteIfExists(OUTPUT);
        ForwardCommand c = new ForwardCommand();
        c.model = MODEL;
        c.input = INPUT;
        c.output = OUTPUT;
        try {
            c.call();
            if (!Files.exists(OUTPUT)) {
                throw new AssertionError("success without an output file");
            }
        } catch (SafetensorsException | IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("error without a message", e);
            }
            if (Files.exists(OUTPUT)) {
                throw new AssertionError("an output file was left after an error", e);
            }
        }
    }
}
