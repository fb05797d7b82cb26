package dev.rnn.models.text;

import dev.rnn.core.Matrix;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Word vectors in the word2vec / GloVe text format: one word per line followed by its D floats,
 * separated by spaces (or tabs), with an optional first line {@code count D} (word2vec's header).
 * Every line must have D values; the first line of a word wins when a word repeats. Immutable.
 */
public final class WordVectors {

    private final List<String> words;
    private final Map<String, Integer> ids;
    private final float[] values;
    private final int dimension;
    private final int repeated;

    private WordVectors(List<String> words, Map<String, Integer> ids, float[] values, int dimension, int repeated) {
        this.words = List.copyOf(words);
        this.ids = ids;
        this.values = values;
        this.dimension = dimension;
        this.repeated = repeated;
    }

    /**
     * Reads {@code file}. With {@code dimension} > 0 every vector must have that many values (the
     * model's embedding size); 0 accepts the file's. Errors name the file and line.
     */
    public static WordVectors read(Path file, int dimension) {
        List<String> lines = TextFiles.lines(file);
        if (lines.isEmpty()) {
            throw new DataException(file, "no word vectors");
        }
        int first = 0, dim = dimension, declared = -1;
        String[] head = fields(lines.get(0));
        if (head.length == 2 && head[0].matches("\\d+") && head[1].matches("\\d+")) {
            declared = parseCount(file, head[0]);
            int d = parseCount(file, head[1]);
            if (d < 1) {
                throw new DataException(file, 1, "the header declares dimension " + d);
            }
            if (dim > 0 && d != dim) {
                throw new DataException(file, 1, "the header declares " + d + "-dimensional vectors, the model's embeddings have " + dim);
            }
            dim = d;
            first = 1;
        }
        List<String> words = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        float[] values = new float[1024];
        int count = 0, repeated = 0;
        for (int i = first; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = fields(line);
            if (dim <= 0) {
                dim = f.length - 1;
                if (dim < 1) {
                    throw new DataException(file, i + 1, "a word without a vector");
                }
            }
            if (f.length - 1 != dim) {
                throw new DataException(file, i + 1, "'" + f[0] + "' has " + (f.length - 1) + " values, expected " + dim
                        + (dimension > 0 ? " (the model's embedding size)" : " (as on the lines before)"));
            }
            if (ids.containsKey(f[0])) {
                repeated++;
                continue;
            }
            if ((long) (count + 1) * dim > values.length) {
                values = java.util.Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) (count + 1) * dim,
                        2L * values.length)));
            }
            for (int j = 0; j < dim; j++) {
                float v;
                try {
                    v = Float.parseFloat(f[j + 1]);
                } catch (NumberFormatException e) {
                    v = Float.NaN;
                }
                if (!Float.isFinite(v)) {
                    throw new DataException(file, i + 1, "value " + (j + 1) + " of '" + f[0] + "' is '" + f[j + 1] + "', not a finite number");
                }
                values[count * dim + j] = v;
            }
            ids.put(f[0], count++);
            words.add(f[0]);
        }
        if (count == 0) {
            throw new DataException(file, "no word vectors");
        }
        if (declared >= 0 && declared != count + repeated) {
            throw new DataException(file, 1, "the header declares " + declared + " vectors, the file has " + (count + repeated));
        }
        return new WordVectors(words, ids, java.util.Arrays.copyOf(values, count * dim), dim, repeated);
    }

    private static String[] fields(String line) {
        return line.strip().split("[ \\t]+");
    }

    private static int parseCount(Path file, String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new DataException(file, 1, "the header's '" + s + "' is too large");
        }
    }

    /** Writes {@code words} with the rows of {@code table} (words.size()×D), word2vec text with a header, atomically. */
    public static void write(Path file, List<String> words, Matrix table) throws IOException {
        if (words.size() != table.rows()) {
            throw new IllegalArgumentException(words.size() + " words for " + table.rows() + " vectors");
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                out.write(words.size() + " " + table.cols() + "\n");
                StringBuilder b = new StringBuilder();
                for (int r = 0; r < words.size(); r++) {
                    String w = words.get(r);
                    if (w.isEmpty() || w.chars().anyMatch(Character::isWhitespace)) {
                        throw new IllegalArgumentException("word " + r + " ('" + w + "') is empty or holds white space, which the format cannot store");
                    }
                    b.setLength(0);
                    b.append(w);
                    for (int c = 0; c < table.cols(); c++) {
                        b.append(' ').append(table.get(r, c));
                    }
                    out.write(b.append('\n').toString());
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public int dimension() {
        return dimension;
    }

    public int size() {
        return words.size();
    }

    /** The words, in file order. */
    public List<String> words() {
        return words;
    }

    /** Lines skipped because their word had appeared before. */
    public int repeated() {
        return repeated;
    }

    /** The index of {@code word}, or −1. */
    public int id(String word) {
        Integer i = ids.get(word);
        return i == null ? -1 : i;
    }

    /** Copies vector {@code id} into row {@code row} of {@code table} (its width must be the dimension). */
    public void copyTo(int id, Matrix table, int row) {
        if (table.cols() != dimension) {
            throw new IllegalArgumentException("a table of width " + table.cols() + " cannot take " + dimension + "-dimensional vectors");
        }
        for (int j = 0; j < dimension; j++) {
            table.set(row, j, values[id * dimension + j]);
        }
    }

    /** Value j of vector {@code id}. */
    public float get(int id, int j) {
        return values[id * dimension + j];
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%,d vectors of %d", words.size(), dimension);
    }
}
