package dev.rnn.models.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rnn.core.Matrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The word2vec / GloVe text format: both variants read, writing round-trips exactly, every malformed file a one-line error. */
class WordVectorsTest {

    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private String error(String text, int dimension) throws IOException {
        Path f = file("bad.txt", text);
        return assertThrows(DataException.class, () -> WordVectors.read(f, dimension)).getMessage().substring(f.toString().length());
    }

    @Test
    void readsGloveAndWord2vecText() throws IOException {
        WordVectors glove = WordVectors.read(file("g.txt", "the 0.1 -0.2 3e-1\nof 1 2 3\n\nthe 9 9 9\n"), 0);
        assertEquals(3, glove.dimension());
        assertEquals(List.of("the", "of"), glove.words());
        assertEquals(1, glove.repeated());
        assertEquals(-0.2f, glove.get(glove.id("the"), 1));
        WordVectors w2v = WordVectors.read(file("w.txt", "2 3\nthe\t0.1 -0.2 0.3 \nof 1 2 3\n"), 3);
        assertEquals(2, w2v.size());
        assertEquals(3f, w2v.get(w2v.id("of"), 2));
        assertEquals(-1, w2v.id("and"));
    }

    @Test
    void writingThenReadingGivesTheSameFloats() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Matrix table = Matrix.of(arena, 3, 2, 1e-7f, -3.4028235e38f, 0.1f, Float.MIN_VALUE, -0f, 12345.678f);
            Path f = dir.resolve("out.txt");
            WordVectors.write(f, List.of("a", "é", "x-y"), table);
            WordVectors back = WordVectors.read(f, 2);
            assertEquals(List.of("a", "é", "x-y"), back.words());
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 2; c++) {
                    assertEquals(Float.floatToIntBits(table.get(r, c)), Float.floatToIntBits(back.get(r, c)));
                }
            }
            assertEquals("3 2", Files.readAllLines(f).get(0));
            assertThrows(IllegalArgumentException.class, () -> WordVectors.write(dir.resolve("s.txt"), List.of("a b", "c", "d"), table));
            assertEquals(List.of(), Files.list(dir).filter(p -> p.getFileName().toString().startsWith(".")).toList());
        }
    }

    @Test
    void malformedFilesNameTheLine() throws IOException {
        assertEquals(":3: 'b' has 2 values, expected 3 (as on the lines before)", error("a 1 2 3\n\nb 1 2\n", 0));
        assertEquals(":2: value 2 of 'b' is 'x', not a finite number", error("a 1 2\nb 1 x\n", 0));
        assertEquals(":2: value 1 of 'b' is 'NaN', not a finite number", error("a 1 2\nb NaN 2\n", 0));
        assertEquals(":1: 'a' has 2 values, expected 4 (the model's embedding size)", error("a 1 2\n", 4));
        assertEquals(":1: the header declares 3-dimensional vectors, the model's embeddings have 4", error("1 3\na 1 2 3\n", 4));
        assertEquals(":1: the header declares 5 vectors, the file has 1", error("5 2\na 1 2\n", 0));
        assertEquals(":1: a word without a vector", error("lonely\n", 0));
        assertEquals(": no word vectors", error("3 2\n", 0));
        assertEquals(": the file is empty", error("", 0));
    }
}
