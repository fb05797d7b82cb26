package dev.rnn.models.series;

import dev.rnn.models.text.DataException;
import dev.rnn.models.text.TextFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A CSV file with a header line, read whole: comma-separated fields, optionally in double quotes
 * (a doubled quote inside is one quote; a quoted field cannot span lines). Blank lines are skipped;
 * every other line must have as many fields as the header. Rows keep their file line numbers for
 * error messages. Immutable.
 */
public final class CsvTable {

    private final Path file;
    private final List<String> columns;
    private final Map<String, Integer> index = new HashMap<>();
    private final List<String[]> rows;
    private final int[] lines;

    private CsvTable(Path file, List<String> columns, List<String[]> rows, int[] lines) {
        this.file = file;
        this.columns = List.copyOf(columns);
        this.rows = rows;
        this.lines = lines;
        for (int i = 0; i < columns.size(); i++) {
            index.put(columns.get(i), i);
        }
    }

    /** Reads {@code file}; a missing header, a duplicate or empty column name, or a ragged row is an error naming the line. */
    public static CsvTable read(Path file) {
        return parse(file, TextFiles.lines(file));
    }

    /**
     * Parses a CSV held in memory (a request's body, say), as {@link #read} parses a file; errors name
     * {@code source} where they would name the file, with line numbers counted from 1 at the text's start.
     */
    public static CsvTable parse(Path source, String csv) {
        return parse(source, TextFiles.lines(csv));
    }

    private static CsvTable parse(Path file, List<String> text) {
        int first = 0;
        while (first < text.size() && text.get(first).isBlank()) {
            first++;
        }
        if (first == text.size()) {
            throw new DataException(file, "no header line");
        }
        return parse(file, text.get(first), first + 1, text.subList(first + 1, text.size()), first + 2);
    }

    /**
     * A table from a header and the lines after it, for a part of a file read elsewhere (one window of
     * a long series, say): {@code headerLine} and {@code firstBodyLine} are the file lines of the header
     * and of {@code body.get(0)}, so errors name the file's own lines. The rules are those of {@link #read}.
     */
    public static CsvTable parse(Path file, String headerText, int headerLine, List<String> body, int firstBodyLine) {
        List<String> header = split(file, headerLine, headerText);
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String name = header.get(i).strip();
            header.set(i, name);
            if (name.isEmpty()) {
                throw new DataException(file, headerLine, "column " + (i + 1) + " of the header has no name");
            }
            if (seen.put(name, i) != null) {
                throw new DataException(file, headerLine, "column '" + name + "' appears twice in the header");
            }
        }
        List<String[]> rows = new ArrayList<>();
        int[] lines = new int[body.size()];
        for (int i = 0; i < body.size(); i++) {
            if (body.get(i).isBlank()) {
                continue;
            }
            int line = firstBodyLine + i;
            List<String> fields = split(file, line, body.get(i));
            if (fields.size() != header.size()) {
                throw new DataException(file, line, "expected " + header.size() + " fields as in the header, found " + fields.size());
            }
            lines[rows.size()] = line;
            rows.add(fields.toArray(new String[0]));
        }
        if (rows.isEmpty()) {
            throw new DataException(file, "no data rows after the header");
        }
        return new CsvTable(file, header, rows, java.util.Arrays.copyOf(lines, rows.size()));
    }

    /** The fields of one CSV record (quoted fields as in a file); bad quoting is an error naming {@code source}. */
    public static List<String> fields(Path source, String record) {
        return split(source, 1, record);
    }

    /**
     * A table of one data row, {@code fields} under {@code columns} (as many): for records that arrive one at a
     * time rather than in a file; {@code source} names the row in errors, as line 1.
     */
    public static CsvTable ofRow(Path source, List<String> columns, List<String> fields) {
        if (fields.size() != columns.size()) {
            throw new DataException(source, 1, "expected " + columns.size() + " fields (" + String.join(", ", columns) + "), found "
                    + fields.size());
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(fields.toArray(new String[0]));
        return new CsvTable(source, columns, rows, new int[] {1});
    }

    /** The fields of one line. */
    static List<String> split(Path file, int line, String text) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0, n = text.length();
        while (true) {
            field.setLength(0);
            int start = i;
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
            if (i < n && text.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new DataException(file, line, "a quoted field is not closed (fields cannot span lines)");
                    }
                    char c = text.charAt(i++);
                    if (c == '"') {
                        if (i < n && text.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                while (i < n && text.charAt(i) == ' ') {
                    i++;
                }
                if (i < n && text.charAt(i) != ',') {
                    throw new DataException(file, line, "unexpected text after the quoted field " + (fields.size() + 1));
                }
            } else {
                i = start;
                while (i < n && text.charAt(i) != ',') {
                    if (text.charAt(i) == '"') {
                        throw new DataException(file, line, "a quote inside unquoted field " + (fields.size() + 1));
                    }
                    field.append(text.charAt(i++));
                }
            }
            fields.add(field.toString());
            if (i >= n) {
                return fields;
            }
            i++;    // the comma
        }
    }

    public Path file() {
        return file;
    }

    /** Column names, in file order. */
    public List<String> columns() {
        return columns;
    }

    /** Number of data rows. */
    public int rows() {
        return rows.size();
    }

    /** The index of column {@code name}, or an error listing the columns there are. */
    public int column(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new DataException(file, "no column '" + name + "' (columns: " + String.join(", ", columns) + ")");
        }
        return i;
    }

    /** The raw text of row {@code row}, column {@code column}. */
    public String value(int row, int column) {
        return rows.get(row)[column];
    }

    /** The file line of data row {@code row}. */
    public int line(int row) {
        return lines[row];
    }

    private static final java.util.regex.Pattern DECIMAL = java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** Whether a value is missing: empty, {@code NA} or {@code NaN} (any case), after trimming spaces. */
    public static boolean missing(String value) {
        String v = value.strip();
        return v.isEmpty() || v.equalsIgnoreCase("NA") || v.equalsIgnoreCase("NaN");
    }

    /** A number, or NaN when missing; null when the text is neither (the caller decides whether that is an error). */
    static Double number(String value) {
        if (missing(value)) {
            return Double.NaN;
        }
        String v = value.strip();
        if (!DECIMAL.matcher(v).matches()) {
            return null;
        }
        double d = Double.parseDouble(v);
        return Double.isFinite(d) ? d : null;
    }
}
