package dev.rnn.flink;

import dev.rnn.flink.score.ScoreJob;
import dev.rnn.flink.stream.StreamJob;
import dev.rnn.models.io.SafetensorsException;
import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The job jar's main class: {@code score} (batch scoring of a file) and {@code stream} (keyed streaming
 * inference). Run with {@code java -jar} it starts an embedded local cluster; submitted with
 * {@code flink run} it runs on that cluster. A usage error is one line on standard error and status 2;
 * a model or input that cannot be used is one line and status 1.
 */
public final class RnnFlinkJob {

    static final String USAGE = "usage: rnn-flink-job.jar score --task classify|tag|forecast|seq2seq --model M --input FILE --output DIR"
            + " [--parallelism N] | stream --task lm|forecast --model M (--input FILE | --socket HOST:PORT) --output DIR [...]";

    private RnnFlinkJob() {
    }

    public static void main(String[] args) throws Exception {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the subcommand in {@code args}; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "score" -> ScoreJob.run(rest, out);
                case "stream" -> runStream(rest);
                default -> throw new UsageException("unknown subcommand '" + args[0] + "'; " + USAGE);
            }
            return 0;
        } catch (UsageException e) {
            err.println(e.getMessage());
            return 2;
        } catch (SafetensorsException e) {
            err.println("cannot use the model: " + e.getMessage());
            return 1;
        } catch (FileNotFoundException e) {
            err.println("cannot read the input: " + e.getMessage());
            return 1;
        }
    }

    /** The streaming job's problems (bad options, a missing or wrong-task model) are usage errors of one line. */
    private static void runStream(String[] args) throws Exception {
        try {
            StreamJob.run(args);
        } catch (IllegalArgumentException e) {
            throw new UsageException("stream: " + e.getMessage());
        }
    }
}
