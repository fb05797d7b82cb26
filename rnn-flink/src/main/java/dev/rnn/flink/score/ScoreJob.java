package dev.rnn.flink.score;

import dev.rnn.flink.JobOptions;
import dev.rnn.flink.UsageException;
import dev.rnn.models.tasks.TaskModel;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.operators.Order;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Batch scoring: reads a bounded input file in Flink's batch execution mode, scores its records with the
 * task's model on {@code parallelism} parallel instances (each opens the model once), and writes
 * {@value #PREDICTIONS} (the lines the CLI prints for the same input, in input order, whatever the
 * parallelism) and {@value #REJECTS} (one line per rejected record, {@code file:line: reason}) into the
 * output directory.
 *
 * <p>Order: each record carries its index from the (single) reader of the file; after scoring, one
 * instance sorts the scored records by index (Flink's external sort, so memory does not bound the input),
 * routes the rejected ones to a side output, and writes both files. The model path must be readable by
 * every TaskManager; it is opened once in the client first, so a missing, unreadable or wrong-task model
 * fails before the job starts, with one line.
 */
public final class ScoreJob {

    /** The output file of predictions, in the output directory. */
    public static final String PREDICTIONS = "predictions.txt";
    /** The output file of rejected records with their reasons, in the output directory. */
    public static final String REJECTS = "rejects.txt";

    private static final List<String> OPTIONS = List.of("--task", "--model", "--input", "--output", "--parallelism");

    /** What to score: paths as Flink reads them (a local path, or a URI of a file system every TaskManager reaches). */
    public record Settings(ScoreTask task, String model, String input, String output, int parallelism) {
    }

    /** What the job did: records scored and rejected, and its run time. */
    public record Summary(long scored, long rejected, long millis) {
    }

    private ScoreJob() {
    }

    /** The settings of a {@code score} command line; usage errors are {@link UsageException}s. */
    public static Settings settings(String[] args) {
        JobOptions o = JobOptions.parse("score", args, OPTIONS);
        ScoreTask task;
        try {
            task = ScoreTask.parse(o.required("--task"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("score: " + e.getMessage());
        }
        return new Settings(task, o.required("--model"), o.required("--input"), o.required("--output"),
                o.integer("--parallelism", 1, 1));
    }

    /** Runs {@code score} with {@code args} on the environment of this context (a local embedded cluster, or the cluster of {@code flink run}). */
    public static void run(String[] args, PrintStream out) throws Exception {
        Settings s = settings(args);
        Configuration config = new Configuration();
        Summary summary = execute(StreamExecutionEnvironment.getExecutionEnvironment(config), s);
        out.printf(Locale.ROOT, "%s: %,d records scored, %,d rejected, in %.1f s; output in %s (%s, %s)%n", s.input(), summary.scored(),
                summary.rejected(), summary.millis() / 1e3, s.output(), PREDICTIONS, REJECTS);
    }

    /** Builds the job on {@code env} and runs it to the end. */
    public static Summary execute(StreamExecutionEnvironment env, Settings s) throws Exception {
        build(env, s);
        JobExecutionResult r = env.execute("rnn score " + s.task().cliName() + " " + s.input());
        return new Summary(count(r, ScoreOperator.SCORED), count(r, ScoreOperator.REJECTED), r.getNetRuntime());
    }

    private static long count(JobExecutionResult r, String name) {
        Long n = r.getAccumulatorResult(name);
        return n == null ? 0 : n;
    }

    /** Adds the scoring pipeline to {@code env}, after checking the model (opened in this JVM once) and the input. */
    static void build(StreamExecutionEnvironment env, Settings s) throws IOException {
        ScoreInputFormat format;
        try (TaskModel model = s.task().open(java.nio.file.Path.of(s.model()))) {
            format = s.task().format(s.input(), model);
        }
        Path input = new Path(s.input());
        if (!input.getFileSystem().exists(input)) {
            throw new FileNotFoundException(s.input() + ": no such file");
        }
        Path output = new Path(s.output());
        output.getFileSystem().mkdirs(output);

        Configuration config = new Configuration();
        // records and sort keys have Flink serializers of their own (POJOs, Long): a Kryo fallback is a bug
        config.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(config);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        env.setParallelism(s.parallelism());

        FileSource<ScoreInput> source = FileSource.forRecordStreamFormat(format, input).build();
        // one file is one split, read in order by one reader: that is what numbers the records
        DataStream<ScoreInput> records = env.fromSource(source, WatermarkStrategy.noWatermarks(), "read " + s.input()).setParallelism(1);
        // the shuffle also gives the scoring operator records of their own to hold (see ScoreOperator)
        DataStream<ScoredRecord> scored = records.rebalance()
                .transform("score " + s.task().cliName(), TypeInformation.of(ScoredRecord.class),
                        new ScoreOperator(s.task(), s.model(), s.input()))
                .setParallelism(s.parallelism());
        // one external sort puts predictions and rejects in input order; the rejects are split off after it
        SingleOutputStreamOperator<ScoredRecord> inOrder = scored.fullWindowPartition()
                .sortPartition(new ByIndex(), Order.ASCENDING).name("sort by input order").setParallelism(1)
                .process(new RejectRouter()).name("route rejects").setParallelism(1);
        inOrder.sinkTo(new TextFileSink(new Path(output, PREDICTIONS).toString()))
                .name("write " + PREDICTIONS).setParallelism(1);
        inOrder.getSideOutput(RejectRouter.REJECTED).sinkTo(new TextFileSink(new Path(output, REJECTS).toString()))
                .name("write " + REJECTS).setParallelism(1);
    }

    /** The sort key of output: the input record's index. */
    static final class ByIndex implements KeySelector<ScoredRecord, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long getKey(ScoredRecord record) {
            return record.index;
        }
    }
}
