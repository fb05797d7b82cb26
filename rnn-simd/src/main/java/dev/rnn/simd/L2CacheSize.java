package dev.rnn.simd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The size of one core's level-2 cache as Linux reports it under {@code /sys/devices/system/cpu/cpu0/cache},
 * or 0 when it does not (other systems, and virtual machines that hide their caches). A hint for block
 * sizes: it must never decide what a result is.
 */
final class L2CacheSize {

    /** Bytes of cpu0's unified or data L2 cache, 0 if unknown; read once. */
    static final long BYTES = read(Path.of("/sys/devices/system/cpu/cpu0/cache"));

    private L2CacheSize() {
    }

    static long read(Path cacheDir) {
        for (int i = 0; i < 8; i++) {
            Path index = cacheDir.resolve("index" + i);
            try {
                if (!Files.isDirectory(index) || !Files.readString(index.resolve("level")).strip().equals("2")
                        || Files.readString(index.resolve("type")).strip().equals("Instruction")) {
                    continue;
                }
                return parseSize(Files.readString(index.resolve("size")).strip());
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }
        return 0;
    }

    /** "1024K", "2M" or "524288" as bytes; 0 for anything else. */
    static long parseSize(String text) {
        String s = text.toUpperCase(Locale.ROOT);
        long unit = s.endsWith("K") ? 1024 : s.endsWith("M") ? 1024 * 1024 : 1;
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(digits) * unit;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
