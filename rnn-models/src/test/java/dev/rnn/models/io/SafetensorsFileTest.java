package dev.rnn.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per validation rule of the reader, plus mapping, conversion and atomic writing. */
class SafetensorsFileTest {

    @TempDir
    Path dir;

    /** A file of 8 bytes of header length, the header and data bytes of the given length (value i & 0xFF). */
    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(h.length, h, dataBytes);
    }

    private Path raw(long declaredLength, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        Path p = dir.resolve("t.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private String refused(Path p) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.getFileName() + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf(p.getFileName().toString(), 1), "the file is named once: " + e.getMessage());
        return e.getMessage();
    }

    private static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void readsAValidFile() throws IOException {
        Path p = file("{\"__metadata__\":{\"mode\":\"LSTM\"}," + tensor("b", "F32", "[2]", 8, 16) + ","
                + tensor("a", "F32", "[2]", 0, 8) + "}   ", 16);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("mode", "LSTM"), f.metadata());
            assertEquals(List.of("a", "b"), f.names());
            assertEquals(new TensorInfo("b", Dtype.F32, new long[] {2}, 8, 16), f.info("b"));
        }
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        Path p = dir.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertTrue(refused(p).contains("too short"));
    }

    @Test
    void headerLongerThanTheLimit() throws IOException {
        assertTrue(refused(raw(100_000_001L, "{}".getBytes(StandardCharsets.UTF_8), 0)).contains("exceeds the limit"));
        assertTrue(refused(raw(-1L, "{}".getBytes(StandardCharsets.UTF_8), 0)).contains("18446744073709551615"));
    }

    @Test
    void headerRunningPastTheEndOfTheFile() throws IOException {
        assertTrue(refused(raw(50, "{}".getBytes(StandardCharsets.UTF_8), 0)).contains("runs past the end"));
    }

    @Test
    void headerNotStartingWithABrace() throws IOException {
        assertTrue(refused(file(" {}", 0)).contains("does not start with '{'"));
        assertTrue(refused(file("[]", 0)).contains("does not start with '{'"));
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        assertTrue(refused(raw(h.length, h, 0)).contains("not valid UTF-8"));
    }

    @Test
    void headerNotJson() throws IOException {
        assertTrue(refused(file("{\"a\":", 0)).contains("not valid JSON"));
        assertTrue(refused(file("{} x", 0)).contains("not valid JSON"));
        assertTrue(refused(file("{\"a\":[1]}", 0)).contains("tensor 'a' is an array, expected an object"));
    }

    @Test
    void duplicateNames() throws IOException {
        String m = refused(file("{" + tensor("w", "F32", "[1]", 0, 4) + "," + tensor("w", "F32", "[1]", 4, 8) + "}", 8));
        assertTrue(m.contains("'w' twice"), m);
    }

    @Test
    void unknownDtype() throws IOException {
        assertEquals("t.safetensors: tensor 'w' has unknown dtype 'F128'", refused(file("{" + tensor("w", "F128", "[1]", 0, 16) + "}", 16)));
    }

    @Test
    void shapeOfNegativeOrNonIntegerValues() throws IOException {
        assertTrue(refused(file("{" + tensor("w", "F32", "[-1]", 0, 0) + "}", 0)).contains("expected non-negative integers")
                || refused(file("{" + tensor("w", "F32", "[-1]", 0, 0) + "}", 0)).contains("outside"));
        assertTrue(refused(file("{" + tensor("w", "F32", "[1.5]", 0, 4) + "}", 4)).contains("expected non-negative integers"));
        assertTrue(refused(file("{" + tensor("w", "F32", "[\"2\"]", 0, 8) + "}", 8)).contains("expected non-negative integers"));
        assertTrue(refused(file("{" + tensor("w", "F32", "[99999999999999999999]", 0, 8) + "}", 8)).contains("outside"));
    }

    @Test
    void shapeWhoseSizeOverflows() throws IOException {
        String m = refused(file("{" + tensor("w", "F32", "[4294967296,4294967296]", 0, 4) + "}", 4));
        assertTrue(m.contains("overflows"), m);
        m = refused(file("{" + tensor("w", "F64", "[2305843009213693952]", 0, 4) + "}", 4));
        assertTrue(m.contains("overflows"), m);
    }

    @Test
    void missingFields() throws IOException {
        assertTrue(refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0)).contains("tensor 'w' has no data_offsets"));
        assertTrue(refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 0)).contains("expected 2"));
    }

    @Test
    void offsetsNotStartingAtZeroOrWithAGap() throws IOException {
        assertTrue(refused(file("{" + tensor("w", "F32", "[1]", 4, 8) + "}", 8)).contains("a gap precedes it"));
        String m = refused(file("{" + tensor("a", "F32", "[1]", 0, 4) + "," + tensor("b", "F32", "[1]", 8, 12) + "}", 12));
        assertTrue(m.contains("tensor 'b'") && m.contains("expected to begin at 4"), m);
    }

    @Test
    void overlappingOffsets() throws IOException {
        String m = refused(file("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[1]", 4, 8) + "}", 8));
        assertTrue(m.contains("overlaps"), m);
    }

    @Test
    void endBeforeBegin() throws IOException {
        String m = refused(file("{" + tensor("a", "F32", "[1]", 0, 4) + "," + tensor("b", "F32", "[0]", 4, 0) + "}", 4));
        assertTrue(m.contains("tensor 'b' has data_offsets [4, 0]"), m);
    }

    @Test
    void byteLengthNotMatchingShapeAndDtype() throws IOException {
        String m = refused(file("{" + tensor("w", "F32", "[3]", 0, 8) + "}", 8));
        assertTrue(m.contains("tensor 'w' has 8 bytes of data but its dtype F32 and shape [3] need 12"), m);
    }

    @Test
    void dataNotCoveringTheFileExactly() throws IOException {
        assertTrue(refused(file("{" + tensor("w", "F32", "[1]", 0, 4) + "}", 6)).contains("2 bytes after the last tensor"));
        assertTrue(refused(file("{" + tensor("w", "F32", "[2]", 0, 8) + "}", 4)).contains("past the end of the file"));
    }

    @Test
    void metadataValuesMustBeStrings() throws IOException {
        assertTrue(refused(file("{\"__metadata__\":{\"layers\":2}}", 0)).contains("not a string"));
    }

    @Test
    void missingFileIsOneLine() {
        assertTrue(refused(dir.resolve("nope.safetensors")).contains("no such file"));
    }

    @Test
    void f32TensorsAreMappedNotCopied() throws IOException {
        Path p = dir.resolve("m.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            new SafetensorsWriter().put("w", Matrix.of(arena, 2, 2, 1, 2, 3, 4)).write(p);
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            Matrix w = f.floats("w", 2, 2);
            assertTrue(w.segment().isMapped(), "an F32 tensor is a view of the mapping");
            assertTrue(w.segment().isReadOnly());
            assertArrayEquals(new float[] {1, 2, 3, 4}, w.toArray());
        }
    }

    @Test
    void halfPrecisionAndDoubleAreConvertedOnLoad() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2 * 2 + 2 * 2 + 2 * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putDouble(0.1).putDouble(-3.0);                                           // F64
        b.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-0.25f));  // F16
        b.putShort((short) (Float.floatToIntBits(2.5f) >>> 16)).putShort((short) (Float.floatToIntBits(-7f) >>> 16)); // BF16
        String h = "{" + tensor("d", "F64", "[2]", 0, 16) + "," + tensor("h", "F16", "[2]", 16, 20) + ","
                + tensor("b", "BF16", "[2]", 20, 24) + "}";
        byte[] hb = h.getBytes(StandardCharsets.UTF_8);
        ByteBuffer all = ByteBuffer.allocate(8 + hb.length + 24).order(ByteOrder.LITTLE_ENDIAN);
        all.putLong(hb.length).put(hb).put(b.array());
        Path p = dir.resolve("c.safetensors");
        Files.write(p, all.array());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {0.1f, -3f}, f.floats("d", 2).toArray());
            assertArrayEquals(new float[] {1.5f, -0.25f}, f.floats("h", 2).toArray());
            assertArrayEquals(new float[] {2.5f, -7f}, f.floats("b", 2).toArray());
            assertTrue(!f.floats("h", 2).segment().isMapped());
        }
    }

    @Test
    void otherDtypesAreRefusedByName() throws IOException {
        Path p = file("{" + tensor("q", "I8", "[4]", 0, 4) + "}", 4);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.floats("q", 4));
            assertTrue(e.getMessage().contains("tensor 'q' has dtype I8"), e.getMessage());
            assertArrayEquals(new long[] {0, 1, 2, 3}, f.integers("q", 4));
        }
    }

    @Test
    void wrongShapeAndMissingTensorNameTheTensor() throws IOException {
        Path p = file("{" + tensor("w", "F32", "[2,3]", 0, 24) + "}", 24);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals("t.safetensors: tensor 'w' has shape [2, 3], expected [3, 2]",
                    assertThrows(SafetensorsException.class, () -> f.floats("w", 3, 2)).getMessage());
            assertEquals("t.safetensors: missing tensor 'v'",
                    assertThrows(SafetensorsException.class, () -> f.floats("v", 1)).getMessage());
        }
    }

    @Test
    void writingIsAtomicAndLeavesNothingOnFailure() throws IOException {
        Path p = dir.resolve("a.safetensors");
        Files.writeString(p, "old");
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.allocate(arena, 1, 3);
            SafetensorsWriter w = new SafetensorsWriter().put("m", m);
            w.write(p);
            assertThrows(IllegalArgumentException.class, () -> w.put("m", m));
            // a tensor whose data cannot be read fails the write: the old file stays, no temporary is left
            Arena gone = Arena.ofConfined();
            Matrix dead = Matrix.allocate(gone, 1, 3);
            gone.close();
            SafetensorsWriter failing = new SafetensorsWriter().put("dead", dead);
            assertThrows(IllegalStateException.class, () -> failing.write(p));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("m"), f.names());
        }
        IOException e = assertThrows(IOException.class, () -> new SafetensorsWriter().write(dir.resolve("no/such/x.safetensors")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void dataStartsAt64ByteAlignment() throws IOException {
        Path p = dir.resolve("al.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            new SafetensorsWriter().metadata("k", "v").put("x", Matrix.allocate(arena, 3, 5)).write(p);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, (8 + b.getLong(0)) % 64);
    }
}
