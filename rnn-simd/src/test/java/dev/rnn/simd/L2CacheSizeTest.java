package dev.rnn.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class L2CacheSizeTest {

    @Test
    void readsTheLevelTwoEntryWhateverItsIndex(@TempDir Path dir) throws IOException {
        entry(dir, 0, "1", "Data", "48K");
        entry(dir, 1, "1", "Instruction", "32K");
        entry(dir, 2, "2", "Unified", "1024K");
        entry(dir, 3, "3", "Unified", "32768K");
        assertEquals(1 << 20, L2CacheSize.read(dir));
    }

    @Test
    void unknownWhenTheSystemDoesNotSay(@TempDir Path dir) throws IOException {
        assertEquals(0, L2CacheSize.read(dir.resolve("absent")));
        entry(dir, 0, "1", "Data", "48K");
        assertEquals(0, L2CacheSize.read(dir));
        entry(dir, 2, "2", "Unified", "lots");
        assertEquals(0, L2CacheSize.read(dir));
    }

    @Test
    void sizesInTheirUnits() {
        assertEquals(512 * 1024, L2CacheSize.parseSize("512K"));
        assertEquals(2 << 20, L2CacheSize.parseSize("2M"));
        assertEquals(1000, L2CacheSize.parseSize("1000"));
        assertEquals(0, L2CacheSize.parseSize(""));
    }

    private static void entry(Path dir, int index, String level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + index));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }
}
