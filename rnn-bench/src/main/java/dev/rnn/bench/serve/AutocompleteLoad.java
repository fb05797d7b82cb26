package dev.rnn.bench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rnn.bench.report.CurveChart;
import dev.rnn.bench.report.Harness;
import dev.rnn.bench.report.HarnessOptions;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.io.SafetensorsWriter;
import dev.rnn.models.streaming.StreamingModel;
import dev.rnn.models.streaming.TextStream;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.ModelFiles;
import dev.rnn.models.tasks.TaskModel;
import dev.rnn.models.text.Vocabulary;
import dev.rnn.serve.RnnServer;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Load generator for the reference service, workload "autocomplete": each user keeps a language-model
 * stream and types a text one character per request; each request appends the character and asks for
 * the top 5 next characters and 3 completions of 12 characters by a beam of 3
 * ({@code POST /v1/streams/{id}/append} with {@code completions}). Two transports: {@code http} (the
 * JDK's HttpClient, HTTP/1.1, a virtual thread per user, against a server started in this JVM or at
 * {@code --url}) and {@code in-process} (a virtual thread per user calling a batched {@link TextStream}
 * directly: the same work without HTTP or JSON).
 *
 * <p>Two loops. Closed (N users, {@code --users}): each user sends its next request when the last one
 * returns; latency is corrected for coordinated omission after the run with HdrHistogram's
 * {@code copyCorrectedForCoordinatedOmission}, the expected interval being the mean latency of the
 * warm-up (a user's pace when nothing stalls), which is what {@code recordValueWithExpectedInterval}
 * would do per value. Open (fixed rates, {@code --rates}): each of {@code --open-users} users sends at
 * its share of the rate on a fixed schedule, and latency runs from the intended send time, so a stall
 * counts against every request it delays. Both report raw percentiles too.
 *
 * <p>The model: {@code --model FILE} (a char-lm safetensors file), or by default the default 2×512 LM
 * (LSTM, embedding 64, hidden 512, 2 levels) over the characters of {@link #SAMPLE}, its weights drawn
 * from PyTorch's initialisation with seed 42: untrained, which costs the same per step.
 * {@code --write-model FILE} writes that model for {@code ./rnn serve} and exits.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp rnn-bench/target/benchmarks.jar \
 *   dev.rnn.bench.serve.AutocompleteLoad --users 1,16,64,256 --modes http,in-process --seconds 20 --warmup-seconds 10 \
 *   --json docs/serving-load.json --chart docs/serving-load
 * </pre>
 */
public final class AutocompleteLoad {

    /** What the users type, round and round; each user starts at its own place. */
    static final String SAMPLE = """
            the quick brown fox jumps over the lazy dog. a stream keeps the state of a text between requests, \
            so a client appends as the text grows and pays only for the new characters. she sells sea shells \
            by the sea shore; the shells she sells are surely sea shells. how much wood would a woodchuck chuck \
            if a woodchuck could chuck wood? pack my box with five dozen liquor jugs. """;

    static final String MODEL_NAME = "lm";
    static final int TOP = 5, COMPLETIONS = 3, LENGTH = 12, BEAM = 3;
    /** The in-process batcher's, as the server's (ServedModel): 256 users' beams keep up to 768 steps in flight. */
    static final int MAX_BATCH = 256;

    /** The command line. */
    record Options(int[] users, double[] rates, int openUsers, List<String> modes, double seconds, double warmupSeconds,
                   int workers, String url, Path model, Path writeModel, Path json, String chart) {

        static Options parse(String... args) {
            HarnessOptions o = HarnessOptions.parse(args, List.of("--users", "--rates", "--open-users", "--modes", "--seconds",
                    "--warmup-seconds", "--workers", "--url", "--model", "--write-model", "--json", "--chart"), List.of());
            int[] users = o.integers("--users", new int[] {1, 16, 64, 256});
            double[] rates = o.numbers("--rates", new double[0]);
            int openUsers = o.integer("--open-users", 64);
            List<String> modes = o.list("--modes", List.of("http", "in-process"));
            double seconds = o.number("--seconds", 20), warmup = o.number("--warmup-seconds", 10);
            int workers = o.integer("--workers", Runtime.getRuntime().availableProcessors());
            String url = o.string("--url", null), chart = o.string("--chart", null);
            if (url != null) {
                url = url.replaceFirst("/+$", "");
            }
            Path model = o.path("--model"), writeModel = o.path("--write-model"), json = o.path("--json");
            for (String m : modes) {
                if (!m.equals("http") && !m.equals("in-process")) {
                    throw new IllegalArgumentException("unknown mode " + m + " (http, in-process)");
                }
            }
            for (int n : users) {
                if (n < 1) {
                    throw new IllegalArgumentException("a user count must be positive, found " + n);
                }
            }
            for (double r : rates) {
                if (!(r > 0)) {
                    throw new IllegalArgumentException("a rate must be positive, found " + r);
                }
            }
            if (seconds <= 0 || warmup < 0 || workers < 1 || openUsers < 1) {
                throw new IllegalArgumentException("--seconds must be positive, --warmup-seconds not negative, --workers and --open-users at least 1");
            }
            return new Options(users, rates, openUsers, modes, seconds, warmup, workers, url, model, writeModel, json, chart);
        }
    }

    /** One point. targetRate is null for the closed loop; meanBatch only where the batcher is in reach (in-process). */
    record Result(String mode, String loop, int users, Double targetRate, double requestsPerSecond, double p50Millis,
                  double p99Millis, double p999Millis, double rawP50Millis, double rawP99Millis, double rawP999Millis,
                  long requests, long errors, Double meanBatch, double loadAverage) {
    }

    /** One user's keystrokes: {@link #type} sends the next character and returns whether the answer was right. */
    interface User extends AutoCloseable {
        boolean type() throws Exception;

        @Override
        void close() throws Exception;
    }

    /** Opens user {@code index} (its stream, at its own place in the text). */
    interface Users extends AutoCloseable {
        User open(int index) throws Exception;

        /** Batch steps run so far, or −1 when the batcher is out of reach. */
        long batchesRun();

        @Override
        void close() throws Exception;
    }

    private static final String HEADER = String.format("%-10s %-6s %6s %8s %10s %9s %9s %10s %9s %9s %7s %6s %5s",
            "mode", "loop", "users", "rate", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "raw p99", "requests", "errors", "batch", "load");

    private final Options options;

    AutocompleteLoad(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = Harness.optionsOrExit(Options::parse, args);
        try (CharLanguageModel lm = model(options.model())) {
            if (options.writeModel() != null) {
                SafetensorsWriter w = new SafetensorsWriter().metadata(lm.metadata());
                lm.parameters().writeTo(w, "");
                w.write(options.writeModel());
                System.out.println("wrote " + options.writeModel() + " (" + lm.config() + ", " + lm.vocabulary().size() + " characters)");
                return;
            }
            if (options.url() == null) {
                // compiles the step paths before the first run, for this JVM's server and in-process users alike (the
                // JIT's code is shared by every model with the same kernels): cold, the first requests take seconds
                try (StreamingModel warm = lm.streaming(PackedMatrix.Format.F32)) {
                    System.out.println("warmed up the step paths in " + warm.warmUp(MAX_BATCH).toMillis() + " ms");
                }
            }
            List<Result> results = new AutocompleteLoad(options).run(lm);
            System.out.println();
            System.out.println(HEADER);
            results.forEach(r -> System.out.println(row(r)));
            if (options.json() != null) {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValue(options.json().toFile(), results);   // a record's components, in order
                System.out.println("wrote " + options.json());
            }
            if (options.chart() != null) {
                for (Path p : charts(results, options.chart())) {
                    System.out.println("wrote " + p);
                }
            }
        }
    }

    /** The model file given, or the default 2×512 LM with seeded weights. */
    static CharLanguageModel model(Path file) throws Exception {
        if (file != null) {
            TaskModel m = ModelFiles.open(file);
            if (m instanceof CharLanguageModel lm) {
                return lm;
            }
            m.close();
            throw new IllegalArgumentException(file + " holds a " + m.task() + " model; the autocomplete workload needs a "
                    + CharLanguageModel.TASK + " model");
        }
        return CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(CellKind.LSTM, 64, 512, 2, 0),
                Vocabulary.ofCharacters(SAMPLE), 42);
    }

    /** Every mode × closed-loop user count, then every mode × open-loop rate; prints each point as it goes. */
    List<Result> run(CharLanguageModel lm) throws Exception {
        List<Result> results = new ArrayList<>();
        System.out.println(HEADER);
        for (String mode : options.modes()) {
            int most = Math.max(options.openUsers(), Arrays.stream(options.users()).max().orElse(1));
            try (Users users = mode.equals("http") ? httpUsers(lm, most) : inProcessUsers(lm)) {
                for (int n : options.users()) {
                    Result r = closedLoop(mode, users, n);
                    System.out.println(row(r));
                    results.add(r);
                }
                for (double rate : options.rates()) {
                    Result r = openLoop(mode, users, options.openUsers(), rate);
                    System.out.println(row(r));
                    results.add(r);
                }
            }
        }
        return results;
    }

    static String row(Result r) {
        return String.format("%-10s %-6s %6d %8s %10.1f %9.2f %9.2f %10.2f %9.2f %9d %7d %6s %5.1f", r.mode(), r.loop(), r.users(),
                r.targetRate() == null ? "" : String.format("%.0f", r.targetRate()), r.requestsPerSecond(), r.p50Millis(),
                r.p99Millis(), r.p999Millis(), r.rawP99Millis(), r.requests(), r.errors(),
                r.meanBatch() == null ? "" : String.format("%.1f", r.meanBatch()), r.loadAverage());
    }

    // ---- the two transports ----

    /** Users over HTTP, against --url or a server started here on a free port over {@code lm}. */
    private Users httpUsers(CharLanguageModel lm, int most) {
        RnnServer server;
        String base;
        if (options.url() != null) {
            server = null;
            base = options.url();
        } else {
            RnnServer.Limits d = RnnServer.Limits.defaults();
            server = RnnServer.builder().model(MODEL_NAME, lm)
                    .limits(new RnnServer.Limits(d.maxBodyBytes(), d.maxTextLength(), d.maxBeamWidth(), d.maxCompletionLength(),
                            Math.max(d.maxStreams(), 2 * most), d.streamIdleTimeout()))
                    .build().start();
            base = "http://127.0.0.1:" + server.port();
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).connectTimeout(Duration.ofSeconds(10)).build();
        ObjectMapper json = new ObjectMapper();
        // one body per character of the text, written once: the client spends its time on HTTP, not JSON
        byte[][] bodies = new byte[SAMPLE.length()][];
        for (int i = 0; i < bodies.length; i++) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("text", String.valueOf(SAMPLE.charAt(i)));
            body.put("top", TOP);
            body.put("completions", Map.of("count", COMPLETIONS, "length", LENGTH, "beam", BEAM));
            try {
                bodies[i] = json.writeValueAsBytes(body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        byte[] expect = "\"completions\"".getBytes(StandardCharsets.US_ASCII);
        return new Users() {
            @Override
            public User open(int index) throws Exception {
                HttpResponse<String> opened = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/models/" + MODEL_NAME + "/streams"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                if (opened.statusCode() != 201) {
                    throw new IllegalStateException("opening a stream answered " + opened.statusCode() + ": " + opened.body());
                }
                String id = json.readTree(opened.body()).get("id").asText();
                URI append = URI.create(base + "/v1/streams/" + id + "/append");
                int[] at = {start(index)};
                return new User() {
                    @Override
                    public boolean type() throws Exception {
                        HttpRequest request = HttpRequest.newBuilder(append).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[at[0]])).build();
                        at[0] = (at[0] + 1) % SAMPLE.length();
                        HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        return r.statusCode() == 200 && contains(r.body(), expect);
                    }

                    @Override
                    public void close() throws Exception {
                        client.send(HttpRequest.newBuilder(URI.create(base + "/v1/streams/" + id)).DELETE().build(),
                                HttpResponse.BodyHandlers.discarding());
                    }
                };
            }

            @Override
            public long batchesRun() {
                return -1;
            }

            @Override
            public void close() {
                client.close();
                if (server != null) {
                    server.close();
                }
            }
        };
    }

    /** Users calling a batched text stream directly, as the server's append route does, without HTTP or JSON. */
    private Users inProcessUsers(CharLanguageModel lm) {
        TextStreamingModel text = lm.batchedTextStreaming(PackedMatrix.Format.F32, options.workers(), MAX_BATCH);
        return new Users() {
            @Override
            public User open(int index) {
                TextStream s = text.newStream();
                int[] at = {start(index)};
                return new User() {
                    @Override
                    public boolean type() {
                        s.append(SAMPLE.charAt(at[0]));
                        at[0] = (at[0] + 1) % SAMPLE.length();
                        return s.mostLikelyNext(TOP).size() == TOP && s.beamSearch(BEAM, LENGTH).size() >= COMPLETIONS;
                    }

                    @Override
                    public void close() {
                        s.close();
                    }
                };
            }

            @Override
            public long batchesRun() {
                return text.batcher().batchesRun();
            }

            @Override
            public void close() {
                text.close();
            }
        };
    }

    /** Where user {@code index} starts typing: users spread over the text. */
    private static int start(int index) {
        return (int) ((index * 7919L) % SAMPLE.length());
    }

    private static boolean contains(byte[] body, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= body.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (body[i + j] != what[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    // ---- the two loops ----

    /** What the users of one run measured, added up. */
    private record Measured(Histogram latency, long requests, long errors, long warmupRequests, long warmupNanos, long batches,
                            long completedInWindow) {
    }

    /** A per-user schedule: the intended send time of its k-th request, or MIN_VALUE for back to back. */
    @FunctionalInterface
    private interface Schedule {
        long intended(long start, int user, long k);
    }

    private Result closedLoop(String mode, Users users, int n) throws Exception {
        double load = loadAverage();
        Measured m = drive(users, n, (start, user, k) -> Long.MIN_VALUE);
        // the expected interval: a user's mean latency over the warm-up, its pace when nothing stalls
        long expected = m.warmupRequests() == 0 ? 0 : m.warmupNanos() / m.warmupRequests();
        Histogram corrected = expected > 0 ? m.latency().copyCorrectedForCoordinatedOmission(expected) : m.latency();
        return result(mode, "closed", n, null, m, corrected, load);
    }

    private Result openLoop(String mode, Users users, int n, double rate) throws Exception {
        double load = loadAverage();
        double gap = 1e9 / rate;   // between consecutive requests of all users together
        Measured m = drive(users, n, (start, user, k) -> start + (long) ((k * n + user) * gap));
        return result(mode, "open", n, rate, m, m.latency(), load);
    }

    /**
     * Runs {@code n} users on virtual threads for the warm-up and the window; a user sends at its schedule's
     * intended times (or back to back), and a request intended (or sent) inside the window is timed from
     * that moment into the user's own histogram.
     */
    private Measured drive(Users users, int n, Schedule schedule) throws Exception {
        Histogram[] histograms = new Histogram[n];
        long[] requests = new long[n], errors = new long[n];
        LongAdder warmupRequests = new LongAdder(), warmupNanos = new LongAdder(), completed = new LongAdder();
        CountDownLatch ready = new CountDownLatch(n), go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] window = new long[3];   // start, measureFrom, end: written before go
        Thread[] threads = new Thread[n];
        for (int u = 0; u < n; u++) {
            int user = u;
            histograms[u] = new Histogram(3_600_000_000_000L, 3);   // up to an hour in ns, 3 significant digits
            threads[u] = Thread.ofVirtual().name("user-" + u).start(() -> {
                Histogram h = histograms[user];
                try (User typing = users.open(user)) {
                    ready.countDown();
                    go.await();
                    long start = window[0], from = window[1], end = window[2];
                    for (long k = 0; ; k++) {
                        long intended = schedule.intended(start, user, k);
                        long now = System.nanoTime();
                        if (intended == Long.MIN_VALUE) {
                            intended = now;
                        } else {
                            for (long left; (left = intended - now) > 0; now = System.nanoTime()) {
                                LockSupport.parkNanos(left);
                            }
                        }
                        if (intended >= end) {
                            break;
                        }
                        boolean ok;
                        try {
                            ok = typing.type();
                        } catch (Exception e) {
                            ok = false;
                        }
                        long done = System.nanoTime();
                        completed.increment();
                        if (intended >= from) {
                            h.recordValue(done - intended);
                            requests[user]++;
                            if (!ok) {
                                errors[user]++;
                            }
                        } else {
                            warmupRequests.increment();
                            warmupNanos.add(done - intended);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                }
            });
        }
        ready.await();
        long start = System.nanoTime();
        window[0] = start;
        window[1] = start + (long) (options.warmupSeconds() * 1e9);
        window[2] = window[1] + (long) (options.seconds() * 1e9);
        if (failure.get() != null) {
            window[2] = start;   // the users that did open leave at once
        }
        go.countDown();
        Harness.sleepUntil(window[1]);
        long batches0 = users.batchesRun(), completed0 = completed.sum();
        Harness.sleepUntil(window[2]);
        long batches1 = users.batchesRun(), completed1 = completed.sum();
        for (Thread t : threads) {
            t.join();
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("a user failed to start: " + t, t);
        }
        Histogram all = new Histogram(3_600_000_000_000L, 3);
        long total = 0, failed = 0;
        for (int u = 0; u < n; u++) {
            all.add(histograms[u]);
            total += requests[u];
            failed += errors[u];
        }
        return new Measured(all, total, failed, warmupRequests.sum(), warmupNanos.sum(),
                batches0 < 0 ? -1 : batches1 - batches0, completed1 - completed0);
    }

    private Result result(String mode, String loop, int users, Double rate, Measured m, Histogram h, double load) {
        Histogram raw = m.latency();
        // a request is 1 + (LENGTH − 1)·BEAM steps: the append, then the beam's hypotheses up to the last character
        Double meanBatch = m.batches() <= 0 ? null : m.completedInWindow() * (1.0 + (LENGTH - 1) * BEAM) / m.batches();
        return new Result(mode, loop, users, rate, m.requests() / options.seconds(), h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6, raw.getValueAtPercentile(50) / 1e6,
                raw.getValueAtPercentile(99) / 1e6, raw.getValueAtPercentile(99.9) / 1e6, m.requests(), m.errors(), meanBatch,
                Math.max(load, loadAverage()));
    }

    /** The one-minute load average, or −1 where the platform has none. */
    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    // ---- charts ----

    /** Throughput and p99 against users, one line per mode, from the closed-loop points. */
    static List<Path> charts(List<Result> results, String prefix) throws java.io.IOException {
        Map<String, TreeMap<Integer, Double>> throughput = new TreeMap<>(), p99 = new TreeMap<>();
        for (Result r : results) {
            if (r.loop().equals("closed")) {
                throughput.computeIfAbsent(r.mode(), k -> new TreeMap<>()).put(r.users(), r.requestsPerSecond());
                p99.computeIfAbsent(r.mode(), k -> new TreeMap<>()).put(r.users(), r.p99Millis());
            }
        }
        return List.of(
                CurveChart.write(prefix + "-throughput", "autocomplete requests per second (closed loop, higher is better)",
                        "users (log)", "requests per second", throughput, false),
                CurveChart.write(prefix + "-p99", "autocomplete p99 latency, corrected for coordinated omission (lower is better)",
                        "users (log)", "p99 ms (log)", p99, true));
    }
}
