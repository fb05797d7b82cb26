package dev.rnn.bench.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HarnessOptionsTest {

    private static final List<String> VALUED = List.of("--users", "--rates", "--seconds", "--model", "--modes", "--json");

    @Test
    void valuesFlagsAndDefaults() {
        HarnessOptions o = HarnessOptions.parse(new String[] {"--users", "1,16", "--trace", "--rates", "", "--seconds", "2.5",
                "--modes", "http", "--model", "m.safetensors"}, VALUED, List.of("--trace"));
        assertArrayEquals(new int[] {1, 16}, o.integers("--users", null));
        assertArrayEquals(new double[0], o.numbers("--rates", new double[] {1}), "an empty value is an empty list");
        assertEquals(2.5, o.number("--seconds", 20));
        assertEquals(List.of("http"), o.list("--modes", List.of("a", "b")));
        assertEquals(Path.of("m.safetensors"), o.path("--model"));
        assertNull(o.path("--json"));
        assertEquals(7, o.integer("--json", 7));
        assertTrue(o.flag("--trace"));
        assertFalse(HarnessOptions.parse(new String[0], VALUED, List.of("--trace")).flag("--trace"));
    }

    @Test
    void refusesAMisspeltNameWithTheKnownOnesAndAMissingValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HarnessOptions.parse(new String[] {"--user", "1"}, VALUED, List.of("--trace")));
        assertEquals("unknown option --user (--users, --rates, --seconds, --model, --modes, --json, --trace)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HarnessOptions.parse(new String[] {"--users"}, VALUED, List.of()));
        assertEquals("--users needs a value", e.getMessage());
    }
}
