package dev.rnn.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/** Writes PNG files atomically: into a temporary file beside the target, renamed over it when complete. */
final class PngFiles {

    /** Writes the image bytes. */
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private PngFiles() {
    }

    static void write(Path png, Writer writer) throws IOException {
        Path dir = png.toAbsolutePath().getParent();
        // a plain new file (not createTempFile, whose owner-only permissions the rename would keep)
        Path tmp = dir.resolve("." + png.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(out);
            }
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void write(Path png, Chart<?, ?> chart) throws IOException {
        write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
