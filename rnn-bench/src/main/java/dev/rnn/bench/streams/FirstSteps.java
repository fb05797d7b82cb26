package dev.rnn.bench.streams;

import dev.rnn.bench.report.Harness;
import dev.rnn.bench.report.HarnessOptions;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamBatcher;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.HdrHistogram.Histogram;

/**
 * The first steps of a fresh JVM against its steady state, with and without
 * {@link StreamingModel#warmUp(int)}: per case a new JVM builds the model, optionally warms it up, then
 * times every step of one stream from the first to {@code --steady-after + --steps}; it reports p50, p99,
 * max and mean of the first {@code --steps} steps and of as many from step {@code --steady-after} on,
 * and the warm-up's own time.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp rnn-bench/target/benchmarks.jar \
 *   dev.rnn.bench.streams.FirstSteps --model lm-2x512 --steps 1000 --steady-after 100000 --repeat 2
 * </pre>
 *
 * Without {@code --case} it runs each case in a JVM of its own, started with this JVM's command and
 * options; {@code --case session/full} runs one case in this JVM (to add {@code -XX:+PrintCompilation}
 * or a JFR recording). Cases are {@code path/warm-up}: path {@code session} (a {@link StreamSession},
 * logits out, on the main thread) or {@code batcher} (a {@link StreamBatcher} of default settings, one
 * stream, blocking steps); warm-up {@code none}, {@code sessions} ({@code warmUp(0)}) or {@code full}
 * ({@code warmUp()}).
 */
public final class FirstSteps {

    private static final String RESULT = "RESULT";
    private static final String TRACE = "TRACE";
    private static final List<String> DEFAULT_CASES = List.of("session/none", "session/sessions", "session/full",
            "batcher/none", "batcher/full");
    /** Ends of the stretches whose mean --trace prints, step numbers counted from 1. */
    private static final int[] TRACE_ENDS = {1, 10, 100, 300, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000,
            15_000, 20_000, 30_000, 50_000, 100_000, 200_000, 500_000};

    /** The command line. */
    record Options(String model, List<String> cases, int steps, int steadyAfter, int repeat, boolean trace, String child) {

        static Options parse(String... args) {
            HarnessOptions o = HarnessOptions.parse(args, List.of("--model", "--cases", "--case", "--steps", "--steady-after",
                    "--repeat"), List.of("--trace"));
            String model = o.string("--model", "lm-2x512"), child = o.string("--case", null);
            List<String> cases = o.list("--cases", DEFAULT_CASES);
            int steps = o.integer("--steps", 1_000), steadyAfter = o.integer("--steady-after", 100_000);
            int repeat = o.integer("--repeat", 1);
            boolean trace = o.flag("--trace");
            for (String c : child == null ? cases : List.of(child)) {
                Case.of(c);
            }
            if (steps < 1 || steadyAfter < steps || repeat < 1) {
                throw new IllegalArgumentException("--steps must be positive, --steady-after at least --steps, --repeat positive");
            }
            return new Options(model, cases, steps, steadyAfter, repeat, trace, child);
        }
    }

    /** A stream path and a warm-up. */
    record Case(boolean batcher, String warmUp) {

        static Case of(String id) {
            String[] parts = id.split("/");
            if (parts.length != 2 || !List.of("session", "batcher").contains(parts[0])
                    || !List.of("none", "sessions", "full").contains(parts[1])) {
                throw new IllegalArgumentException("unknown case " + id + " (session or batcher, then /none, /sessions or /full)");
            }
            return new Case(parts[0].equals("batcher"), parts[1]);
        }

        String id() {
            return (batcher ? "batcher/" : "session/") + warmUp;
        }
    }

    /** One case's figures, in µs; warmUpMillis 0 when there was none. */
    record Result(String caseId, double warmUpMillis, Summary first, Summary steady) {

        String line() {
            return String.join(" ", RESULT, caseId, Double.toString(warmUpMillis), first.fields(), steady.fields());
        }

        static Result parse(String line) {
            String[] f = line.trim().split(" ");
            double[] v = new double[8];
            for (int i = 0; i < 8; i++) {
                v[i] = Double.parseDouble(f[3 + i]);
            }
            return new Result(f[1], Double.parseDouble(f[2]), new Summary(v[0], v[1], v[2], v[3]), new Summary(v[4], v[5], v[6], v[7]));
        }
    }

    /** p50, p99, max and mean of a stretch of steps, in µs. */
    record Summary(double p50, double p99, double max, double mean) {

        static Summary of(long[] nanos, int from, int to) {
            Histogram h = new Histogram(3_600_000_000_000L, 3);
            long sum = 0;
            for (int i = from; i < to; i++) {
                h.recordValue(nanos[i]);
                sum += nanos[i];
            }
            return new Summary(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3,
                    sum / 1e3 / (to - from));
        }

        String fields() {
            return p50 + " " + p99 + " " + max + " " + mean;
        }
    }

    private FirstSteps() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Harness.optionsOrExit(Options::parse, args);
        if (options.child() != null) {
            Result r = runCase(options, Case.of(options.child()));
            System.out.println(r.line());
            return;
        }
        List<Result> results = new ArrayList<>();
        for (int rep = 0; rep < options.repeat(); rep++) {
            for (String c : options.cases()) {
                Result r = fork(options, c, args);
                System.out.println(row(options, r));
                results.add(r);
            }
        }
        System.out.println();
        System.out.println(header(options));
        for (Result r : results) {
            System.out.println(row(options, r));
        }
    }

    static String header(Options o) {
        return String.format("| case | warm-up ms | first %,d: p50 µs | p99 µs | max µs | mean µs | steady (from step %,d): p50 µs | p99 µs | max µs | mean µs |%n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|", o.steps(), o.steadyAfter());
    }

    static String row(Options o, Result r) {
        return String.format("| %s | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f |", r.caseId(),
                r.warmUpMillis(), r.first().p50(), r.first().p99(), r.first().max(), r.first().mean(),
                r.steady().p50(), r.steady().p99(), r.steady().max(), r.steady().mean());
    }

    /** Runs one case in a new JVM with this one's command and options; echoes its other lines. */
    private static Result fork(Options options, String caseId, String[] args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FirstSteps.class.getName());
        command.addAll(Arrays.asList(args));
        command.add("--case");
        command.add(caseId);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Result result = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith(RESULT + " ")) {
                    result = Result.parse(line);
                } else {
                    System.out.println(line);
                }
            }
        }
        int exit = p.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException("case " + caseId + " exited with " + exit + (result == null ? " and no result" : ""));
        }
        return result;
    }

    /** A stream's step on a token. */
    interface TokenStep {
        void step(int token, float[] out) throws Exception;
    }

    /** A stream's step on a feature vector. */
    interface FeatureStep {
        void step(float[] x, float[] out) throws Exception;
    }

    /** Times nanos.length steps of one stream, on seeded tokens, or features in x when the model takes them. */
    private static void time(TokenStep tokens, FeatureStep features, StreamsModel shape, Random rnd, float[] x, float[] out,
                             long[] nanos) throws Exception {
        for (int i = 0; i < nanos.length; i++) {
            int token = x == null ? rnd.nextInt(shape.vocabulary) : fill(rnd, x);
            long t0 = System.nanoTime();
            if (x == null) {
                tokens.step(token, out);
            } else {
                features.step(x, out);
            }
            nanos[i] = System.nanoTime() - t0;
        }
    }

    /** Builds the model, warms it up as the case says, then times every step of one stream. */
    static Result runCase(Options options, Case c) throws Exception {
        int total = options.steadyAfter() + options.steps();
        long[] nanos = new long[total];
        double warmUpMillis = 0;
        try (StreamsModel shape = StreamsModel.named(options.model());
             StreamingModel model = shape.streaming(Kernels.preferred())) {
            long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            Duration warm = switch (c.warmUp()) {
                case "sessions" -> model.warmUp(0);
                case "full" -> model.warmUp();
                default -> Duration.ZERO;
            };
            long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0;
            warmUpMillis = warm.toNanos() / 1e6;
            // a mark in the output, to tell what -XX:+PrintCompilation shows after the warm-up from what it shows before
            System.out.printf("%s: model built, warm-up %s took %,.0f ms (%,.0f ms of CPU on its thread); stepping%n", c.id(),
                    c.warmUp(), warmUpMillis, cpu / 1e6);
            StepOutput output = shape.head ? StepOutput.LOGITS : StepOutput.HIDDEN;
            Random rnd = new Random(StreamsModel.SEED);
            float[] out = new float[shape.outputSize()];
            float[] x = shape.takesTokens() ? null : new float[shape.input];
            if (c.batcher()) {
                try (StreamBatcher batcher = StreamBatcher.builder(model).output(output).build();
                     StreamBatcher.BatchedStream s = batcher.open()) {
                    time(s::step, s::step, shape, rnd, x, out, nanos);
                }
            } else {
                try (StreamSession s = model.newSession(output)) {
                    time(s::step, s::step, shape, rnd, x, out, nanos);
                }
            }
        }
        if (options.trace()) {
            trace(c, nanos);
        }
        return new Result(c.id(), warmUpMillis, Summary.of(nanos, 0, options.steps()),
                Summary.of(nanos, options.steadyAfter(), total));
    }

    private static int fill(Random rnd, float[] x) {
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) rnd.nextGaussian();
        }
        return 0;
    }

    /** The mean step time over stretches of growing length: where the steps reach steady state. */
    private static void trace(Case c, long[] nanos) {
        int from = 0;
        for (int end : TRACE_ENDS) {
            int to = Math.min(end, nanos.length);
            if (to <= from) {
                break;
            }
            long sum = 0;
            for (int i = from; i < to; i++) {
                sum += nanos[i];
            }
            System.out.printf("%s %s steps %,d–%,d: mean %,.1f µs%n", TRACE, c.id(), from + 1, to, sum / 1e3 / (to - from));
            from = to;
        }
    }
}
