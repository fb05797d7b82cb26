package dev.rnn.flink.score;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Writes the text of each record, in arrival order, as lines of one UTF-8 file on any Flink file system;
 * the file is replaced when the writer starts, so a restarted batch task writes it whole again. Runs with
 * parallelism 1 only (one file, one writer). Immutable and serializable.
 */
final class TextFileSink implements Sink<ScoredRecord> {

    private static final long serialVersionUID = 1L;

    private final String file;

    TextFileSink(String file) {
        this.file = file;
    }

    @Override
    public SinkWriter<ScoredRecord> createWriter(WriterInitContext context) throws IOException {
        if (context.getTaskInfo().getNumberOfParallelSubtasks() != 1) {
            throw new IllegalStateException(file + " is written by one writer, but the sink runs with parallelism "
                    + context.getTaskInfo().getNumberOfParallelSubtasks());
        }
        Path path = new Path(file);
        Writer out = new BufferedWriter(new OutputStreamWriter(path.getFileSystem().create(path, FileSystem.WriteMode.OVERWRITE),
                StandardCharsets.UTF_8), 1 << 16);
        return new SinkWriter<>() {
            @Override
            public void write(ScoredRecord record, Context c) throws IOException {
                out.write(record.text);
                out.write('\n');
            }

            @Override
            public void flush(boolean endOfInput) throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }
}
