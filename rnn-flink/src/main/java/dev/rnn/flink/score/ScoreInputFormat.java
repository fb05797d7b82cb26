package dev.rnn.flink.score;

import java.io.BufferedInputStream;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads one input file as numbered {@link ScoreInput} records, in file order; a subclass says how lines
 * make records. Not splittable: one reader reads the whole file, which is what numbers the records in
 * order (and what a CSV window needs). The reader keeps no position of its own: restarted after a
 * failure, it reads the file again from its start, so the numbering holds. Instances are immutable and serializable.
 */
abstract class ScoreInputFormat extends SimpleStreamFormat<ScoreInput> {

    private static final long serialVersionUID = 1L;

    /** The input's path as messages name it. */
    final String file;

    ScoreInputFormat(String file) {
        this.file = file;
    }

    /** Builds records from lines; one per reader, so it may keep state between records. */
    interface Records {
        /** The next record (its index not yet set), or null at the end of the file. */
        ScoreInput next(LineSource lines) throws IOException;
    }

    abstract Records records();

    @Override
    public StreamFormat.Reader<ScoreInput> createReader(Configuration config, FSDataInputStream stream) {
        // the line source reads byte by byte; the buffer keeps that off the file system's stream
        LineSource lines = new LineSource(new BufferedInputStream(stream, 1 << 16));
        Records records = records();
        return new StreamFormat.Reader<>() {
            private long index;

            @Override
            public ScoreInput read() throws IOException {
                ScoreInput r = records.next(lines);
                if (r != null) {
                    r.index = index++;
                }
                return r;
            }

            @Override
            public void close() throws IOException {
                stream.close();
            }
        };
    }

    @Override
    public TypeInformation<ScoreInput> getProducedType() {
        return TypeInformation.of(ScoreInput.class);
    }

    /** One record per line that is not blank: the classifier's, the plain-text tagger's and seq2seq's input. */
    static final class TextLines extends ScoreInputFormat {
        private static final long serialVersionUID = 1L;

        TextLines(String file) {
            super(file);
        }

        @Override
        Records records() {
            return lines -> {
                for (InputLine l; (l = lines.next()) != null; ) {
                    if (l.problem() != null || dev.rnn.models.tasks.PredictionLines.isText(l.text())) {
                        return new ScoreInput(file, l.number(), 0, l.text(), l.problem());
                    }
                }
                return null;
            };
        }
    }

    /** One record per CoNLL-U sentence block: the lines between blank lines. */
    static final class ConlluBlocks extends ScoreInputFormat {
        private static final long serialVersionUID = 1L;

        ConlluBlocks(String file) {
            super(file);
        }

        @Override
        Records records() {
            return lines -> {
                StringBuilder block = new StringBuilder();
                int first = 0;
                String problem = null;
                for (InputLine l; (l = lines.next()) != null; ) {
                    if (l.problem() == null && l.text().isBlank()) {
                        if (first > 0) {
                            break;
                        }
                        continue;
                    }
                    if (first == 0) {
                        first = l.number();
                    }
                    if (problem == null && l.problem() != null) {
                        problem = file + ":" + l.number() + ": " + l.problem();
                    }
                    block.append(block.isEmpty() ? "" : "\n").append(l.text());
                }
                return first == 0 ? null : new ScoreInput(file, first, 0, block.toString(), problem);
            };
        }
    }

    /**
     * One record per CSV row from the W-th on: the header and the window of W rows that ends at it (with
     * any blank lines among them, so the rows keep their file lines), what {@code rnn forecast predict}
     * reads from a CSV cut after that row.
     */
    static final class CsvWindows extends ScoreInputFormat {
        private static final long serialVersionUID = 1L;
        private final int window;

        CsvWindows(String file, int window) {
            super(file);
            this.window = window;
        }

        @Override
        Records records() {
            return new Records() {
                private InputLine header;
                // the window's lines, from its first row to its last, blank lines among them included
                private final java.util.ArrayDeque<InputLine> rows = new java.util.ArrayDeque<>();
                private int rowCount;

                @Override
                public ScoreInput next(LineSource lines) throws IOException {
                    for (InputLine l; (l = lines.next()) != null; ) {
                        boolean blank = l.problem() == null && l.text().isBlank();
                        if (header == null) {
                            if (!blank) {
                                header = l;
                            }
                            continue;
                        }
                        if (blank) {
                            if (rowCount > 0) {
                                rows.addLast(l);
                            }
                            continue;
                        }
                        rows.addLast(l);
                        if (++rowCount > window) {
                            rows.removeFirst();
                            rowCount--;
                            while (isBlank(rows.peekFirst())) {
                                rows.removeFirst();
                            }
                        }
                        if (rowCount == window) {
                            return windowRecord();
                        }
                    }
                    return null;
                }

                private ScoreInput windowRecord() {
                    StringBuilder text = new StringBuilder(header.text());
                    String problem = header.problem() == null ? null : file + ":" + header.number() + ": " + header.problem();
                    for (InputLine r : rows) {
                        text.append('\n').append(r.text());
                        if (problem == null && r.problem() != null) {
                            problem = file + ":" + r.number() + ": " + r.problem();
                        }
                    }
                    return new ScoreInput(file, rows.peekFirst().number(), header.number(), text.toString(), problem);
                }
            };
        }

        private static boolean isBlank(InputLine l) {
            return l != null && l.problem() == null && l.text().isBlank();
        }
    }
}
