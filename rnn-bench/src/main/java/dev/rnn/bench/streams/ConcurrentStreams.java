package dev.rnn.bench.streams;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rnn.bench.onnx.OrtSharedLanguageModel;
import dev.rnn.bench.onnx.OrtSharedStep;
import dev.rnn.bench.report.Harness;
import dev.rnn.bench.report.HarnessOptions;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.StepOutput;
import dev.rnn.models.streaming.StreamBatcher;
import dev.rnn.models.streaming.StreamSession;
import dev.rnn.models.streaming.StreamingModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Load harness: N concurrent streams of one recurrent model, closed loop (each stream sends its next
 * step when the previous one returns), for a fixed time after a warm-up, per engine and stream count.
 * Reports steps per second, p50/p99/p99.9 step latency (HdrHistogram, per stream then added up) and
 * bytes allocated per step; {@code --json} writes the results for {@link StreamsChart}.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp rnn-bench/target/benchmarks.jar \
 *   dev.rnn.bench.streams.ConcurrentStreams --model lm-2x512 --streams 1,16,64,256,1024 \
 *   --engines rnn-batched,rnn-unbatched,ort-per-stream,ort-batched --seconds 20 --warmup-seconds 10 --workers 2 --json out.json
 * </pre>
 */
public final class ConcurrentStreams {

    /** The engines; see rnn-bench/README.md for what each one is. */
    enum Engine {
        RNN_BATCHED("rnn-batched"), RNN_UNBATCHED("rnn-unbatched"), ORT_PER_STREAM("ort-per-stream"), ORT_BATCHED("ort-batched");

        final String id;

        Engine(String id) {
            this.id = id;
        }

        static Engine of(String id) {
            for (Engine e : values()) {
                if (e.id.equals(id)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("unknown engine " + id + " (rnn-batched, rnn-unbatched, ort-per-stream, ort-batched)");
        }

        boolean onnx() {
            return this == ORT_PER_STREAM || this == ORT_BATCHED;
        }
    }

    /** The command line. */
    record Options(List<String> models, int[] streams, List<Engine> engines, double seconds, double warmupSeconds,
                   int workers, Path json) {

        static Options parse(String... args) {
            HarnessOptions o = HarnessOptions.parse(args, List.of("--model", "--streams", "--engines", "--seconds",
                    "--warmup-seconds", "--workers", "--json"), List.of());
            List<String> models = o.list("--model", List.of("lm-2x512"));
            int[] streams = o.integers("--streams", new int[] {1, 16, 64, 256, 1024});
            List<String> engineIds = o.list("--engines", null);
            List<Engine> engines = engineIds == null ? List.of(Engine.values()) : engineIds.stream().map(Engine::of).toList();
            double seconds = o.number("--seconds", 20), warmup = o.number("--warmup-seconds", 5);
            // one batching worker per core, as docs/benchmarks.md measures
            int workers = o.integer("--workers", Runtime.getRuntime().availableProcessors());
            Path json = o.path("--json");
            for (int n : streams) {
                if (n < 1) {
                    throw new IllegalArgumentException("a stream count must be positive, found " + n);
                }
            }
            if (seconds <= 0 || warmup < 0 || workers < 1) {
                throw new IllegalArgumentException("--seconds must be positive, --warmup-seconds not negative, --workers at least 1");
            }
            return new Options(models, streams, engines, seconds, warmup, workers, json);
        }
    }

    /** One point: an engine and model at a stream count. meanBatch and meanBatchMicros are null except for rnn-batched. */
    record Result(String engine, String model, int streams, double stepsPerSecond, double p50Micros, double p99Micros,
                  double p999Micros, double bytesPerStep, Double meanBatch, Double meanBatchMicros) {

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("engine", engine);
            m.put("model", model);
            m.put("streams", streams);
            m.put("stepsPerSecond", stepsPerSecond);
            m.put("p50Micros", p50Micros);
            m.put("p99Micros", p99Micros);
            m.put("p999Micros", p999Micros);
            m.put("bytesPerStep", bytesPerStep);
            if (meanBatch != null) {
                m.put("meanBatch", meanBatch);
            }
            if (meanBatchMicros != null) {
                m.put("meanBatchMicros", meanBatchMicros);
            }
            return m;
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String HEADER = String.format("%-15s %-10s %7s %13s %10s %10s %10s %12s %9s %13s",
            "engine", "model", "streams", "steps/s", "p50 µs", "p99 µs", "p99.9 µs", "bytes/step", "batch", "batch µs");

    private final Options options;
    private final Kernels kernels = Kernels.preferred();

    ConcurrentStreams(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = Harness.optionsOrExit(Options::parse, args);
        List<Result> results = new ConcurrentStreams(options).run();
        System.out.println();
        System.out.println(HEADER);
        results.forEach(r -> System.out.println(row(r)));
        if (options.json() != null) {
            writeJson(results, options.json());
            System.out.println("wrote " + options.json());
        }
    }

    static void writeJson(List<Result> results, Path json) throws java.io.IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(json.toFile(), results.stream().map(Result::toJson).toList());
    }

    /** Every model × engine × stream count, in that order; prints each run's table as it goes. */
    List<Result> run() throws Exception {
        List<Result> results = new ArrayList<>();
        for (String name : options.models()) {
            try (StreamsModel shape = StreamsModel.named(name); StreamingModel model = shape.streaming(kernels)) {
                for (Engine engine : options.engines()) {
                    if (engine.onnx() && !shape.onnxReady()) {
                        System.out.println(engine.id + " skipped for " + name + ": the ONNX graph builder "
                                + "(OnnxRecurrentModel) makes one level on feature vectors or a token model with a head");
                        continue;
                    }
                    System.out.println(HEADER);
                    for (int n : options.streams()) {
                        Result r = switch (engine) {
                            case RNN_BATCHED -> rnnBatched(shape, model, n);
                            case RNN_UNBATCHED -> rnnUnbatched(shape, model, n);
                            case ORT_PER_STREAM -> ortPerStream(shape, n);
                            case ORT_BATCHED -> ortBatched(shape, n);
                        };
                        System.out.println(row(r));
                        results.add(r);
                    }
                    System.out.println();
                }
            }
        }
        return results;
    }

    static String row(Result r) {
        return String.format("%-15s %-10s %7d %13.0f %10.1f %10.1f %10.1f %12.1f %9s %13s", r.engine(), r.model(), r.streams(),
                r.stepsPerSecond(), r.p50Micros(), r.p99Micros(), r.p999Micros(), r.bytesPerStep(),
                r.meanBatch() == null ? "" : String.format("%.1f", r.meanBatch()),
                r.meanBatchMicros() == null ? "" : String.format("%.1f", r.meanBatchMicros()));
    }

    // ---- closed-loop streams on virtual threads ----

    /** One stream's step, given its seeded random inputs; returns nothing, writes into its own buffers. */
    @FunctionalInterface
    interface Stepper extends AutoCloseable {
        void step() throws Exception;

        @Override
        default void close() throws Exception {
        }
    }

    @FunctionalInterface
    interface StepperFactory {
        Stepper open(int stream) throws Exception;
    }

    /** The timing window shared by the streams of one run: warm-up until measureFrom, measurement until end. */
    private static final class Window {
        volatile long measureFrom = Long.MAX_VALUE, end = Long.MAX_VALUE;
    }

    /** What the streams of one run measured, added up. */
    /** completedInWindow and batches: steps completed and batches run between the same two reads (for meanBatch). */
    private record Measured(Histogram latency, long steps, double seconds, long allocated, long completedInWindow,
                            long batches, long batchNanos) {
    }

    /**
     * Runs {@code streams} virtual threads, each opening its stepper then stepping in a closed loop; steps
     * that start inside the measurement window are timed into the stream's own histogram. Allocation is
     * counted over the window on the given platform threads, or on all threads when {@code threads} is null;
     * batches, when given, is read at the window's edges too.
     */
    private Measured closedLoop(int streams, StepperFactory factory, List<Thread> threads, LongSupplier batches,
                                LongSupplier batchNanos) throws Exception {
        Window w = new Window();
        Histogram[] histograms = new Histogram[streams];
        long[] steps = new long[streams];
        CountDownLatch ready = new CountDownLatch(streams), go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LongAdder completed = new LongAdder();   // read with the batch count, at the same moments
        Thread[] vts = new Thread[streams];
        for (int s = 0; s < streams; s++) {
            int stream = s;
            histograms[s] = new Histogram(3_600_000_000L, 3);   // up to an hour in ns, 3 significant digits
            vts[s] = Thread.ofVirtual().name("stream-" + s).start(() -> {
                Histogram h = histograms[stream];
                long n = 0;
                try (Stepper stepper = factory.open(stream)) {
                    ready.countDown();
                    go.await();
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= w.end) {
                            break;
                        }
                        stepper.step();
                        long t1 = System.nanoTime();
                        completed.increment();
                        if (t0 >= w.measureFrom) {
                            h.recordValue(t1 - t0);
                            n++;
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                } finally {
                    steps[stream] = n;
                }
            });
        }
        ready.await();
        if (failure.get() != null) {
            w.end = 0;   // let the streams that did open leave at once
            go.countDown();
            for (Thread t : vts) {
                t.join();
            }
            throwIfFailed(failure);
        }
        long start = System.nanoTime();
        w.measureFrom = start + (long) (options.warmupSeconds() * 1e9);
        w.end = w.measureFrom + (long) (options.seconds() * 1e9);
        go.countDown();
        Harness.sleepUntil(w.measureFrom);
        long alloc0 = allocated(threads), batches0 = batches == null ? 0 : batches.getAsLong(), completed0 = completed.sum();
        long nanos0 = batchNanos == null ? 0 : batchNanos.getAsLong();
        Harness.sleepUntil(w.end);
        long alloc1 = allocated(threads), batches1 = batches == null ? 0 : batches.getAsLong(), completed1 = completed.sum();
        long nanos1 = batchNanos == null ? 0 : batchNanos.getAsLong();
        for (Thread t : vts) {
            t.join();
        }
        throwIfFailed(failure);
        Histogram all = new Histogram(3_600_000_000L, 3);
        long total = 0;
        for (int s = 0; s < streams; s++) {
            all.add(histograms[s]);
            total += steps[s];
        }
        return new Measured(all, total, options.seconds(), alloc1 - alloc0, completed1 - completed0, batches1 - batches0,
                nanos1 - nanos0);
    }

    private Result rnnBatched(StreamsModel shape, StreamingModel model, int streams) throws Exception {
        List<Thread> workers = new CopyOnWriteArrayList<>();
        AtomicInteger named = new AtomicInteger();
        try (StreamBatcher batcher = StreamBatcher.builder(model).workers(options.workers()).maxBatch(256)
                .queueCapacity(Math.max(streams, 1)).threadFactory(r -> {
                    Thread t = new Thread(r, "rnn-batcher-" + named.incrementAndGet());
                    t.setDaemon(true);
                    workers.add(t);
                    return t;
                }).build()) {
            Measured m = closedLoop(streams, stream -> {
                StreamBatcher.BatchedStream bs = batcher.open();
                float[] out = new float[batcher.outputSize()];
                Random rnd = new Random(StreamsModel.SEED + stream);
                if (shape.takesTokens()) {
                    return closing(() -> bs.step(rnd.nextInt(shape.vocabulary), out), bs);
                }
                float[] x = new float[shape.input];
                return closing(() -> {
                    fill(rnd, x);
                    bs.step(x, out);
                }, bs);
            }, workers, batcher::batchesRun, batcher::batchNanos);
            // exact but for the batches in flight at the two reads (at most one per worker at each edge)
            double meanBatch = m.completedInWindow() / (double) Math.max(1, m.batches());
            double meanBatchMicros = m.batchNanos() / 1e3 / Math.max(1, m.batches());
            return result(Engine.RNN_BATCHED, shape, streams, m, meanBatch, meanBatchMicros);
        }
    }

    private Result rnnUnbatched(StreamsModel shape, StreamingModel model, int streams) throws Exception {
        StepOutput output = shape.head ? StepOutput.LOGITS : StepOutput.HIDDEN;
        Measured m = closedLoop(streams, stream -> {
            StreamSession session = model.newSession(output);
            float[] out = new float[shape.outputSize()];
            Random rnd = new Random(StreamsModel.SEED + stream);
            if (shape.takesTokens()) {
                return closing(() -> session.step(rnd.nextInt(shape.vocabulary), out), session);
            }
            float[] x = new float[shape.input];
            return closing(() -> {
                fill(rnd, x);
                session.step(x, out);
            }, session);
        }, null, null, null);
        return result(Engine.RNN_UNBATCHED, shape, streams, m, null, null);
    }

    private Result ortPerStream(StreamsModel shape, int streams) throws Exception {
        if (shape.takesTokens()) {
            try (OrtSharedLanguageModel ort = new OrtSharedLanguageModel(shape.embedding, shape.levels, shape.headWeight,
                    shape.headBias, 1)) {
                Measured m = closedLoop(streams, stream -> {
                    OrtSharedLanguageModel.State state = ort.newState();
                    int[] token = new int[1];
                    float[] logits = new float[shape.vocabulary];
                    Random rnd = new Random(StreamsModel.SEED + stream);
                    return closing(() -> {
                        token[0] = rnd.nextInt(shape.vocabulary);
                        state.step(token, logits);
                    }, state);
                }, null, null, null);
                return result(Engine.ORT_PER_STREAM, shape, streams, m, null, null);
            }
        }
        try (OrtSharedStep ort = new OrtSharedStep(shape.levels.get(0), 1)) {
            Measured m = closedLoop(streams, stream -> {
                OrtSharedStep.State state = ort.newState();
                float[] x = new float[shape.input], h = new float[shape.hidden];
                Random rnd = new Random(StreamsModel.SEED + stream);
                return closing(() -> {
                    fill(rnd, x);
                    state.step(x, h);
                }, state);
            }, null, null, null);
            return result(Engine.ORT_PER_STREAM, shape, streams, m, null, null);
        }
    }

    /** ort-batched: the streams' inputs drawn from their own generators, stepped by {@link #driveBatches}. */
    private Result ortBatched(StreamsModel shape, int streams) throws Exception {
        Random[] rnd = new Random[streams];
        for (int s = 0; s < streams; s++) {
            rnd[s] = new Random(StreamsModel.SEED + s);
        }
        if (shape.takesTokens()) {
            try (OrtSharedLanguageModel ort = new OrtSharedLanguageModel(shape.embedding, shape.levels, shape.headWeight,
                    shape.headBias, streams);
                 OrtSharedLanguageModel.State state = ort.newState()) {
                int[] tokens = new int[streams];
                float[] logits = new float[streams * shape.vocabulary];
                return driveBatches(shape, streams, () -> {
                    for (int s = 0; s < streams; s++) {
                        tokens[s] = rnd[s].nextInt(shape.vocabulary);
                    }
                }, () -> state.step(tokens, logits));
            }
        }
        try (OrtSharedStep ort = new OrtSharedStep(shape.levels.get(0), streams);
             OrtSharedStep.State state = ort.newState()) {
            float[] x = new float[streams * shape.input], h = new float[streams * shape.hidden];
            float[] row = new float[shape.input];
            return driveBatches(shape, streams, () -> {
                for (int s = 0; s < streams; s++) {
                    fill(rnd[s], row);
                    System.arraycopy(row, 0, x, s * shape.input, shape.input);
                }
            }, () -> state.step(x, h));
        }
    }

    /**
     * A user batching by hand: one driver platform thread steps all streams as one ORT batch, B = streams,
     * drawing the next inputs (untimed) before each step; every stream's step takes the batch step's time,
     * so each batch step is recorded B times.
     */
    private Result driveBatches(StreamsModel shape, int streams, Runnable nextInputs, Stepper step) throws Exception {
        Histogram hist = new Histogram(3_600_000_000L, 3);
        long[] steps = new long[1], alloc = new long[2];   // the driver reads its own allocation at the window's edges
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long measureFrom = start + (long) (options.warmupSeconds() * 1e9), end = measureFrom + (long) (options.seconds() * 1e9);
        Thread driver = new Thread(() -> {
            boolean measuring = false;
            try {
                while (true) {
                    nextInputs.run();
                    long t0 = System.nanoTime();
                    if (t0 >= end) {
                        break;
                    }
                    if (!measuring && t0 >= measureFrom) {
                        measuring = true;
                        alloc[0] = THREADS.getCurrentThreadAllocatedBytes();
                    }
                    step.step();
                    long t1 = System.nanoTime();
                    if (measuring) {
                        hist.recordValueWithCount(t1 - t0, streams);
                        steps[0] += streams;
                    }
                }
                alloc[1] = measuring ? THREADS.getCurrentThreadAllocatedBytes() : 0;
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "ort-driver");
        driver.start();
        driver.join();
        throwIfFailed(failure);
        return result(Engine.ORT_BATCHED, shape, streams, new Measured(hist, steps[0], options.seconds(), alloc[1] - alloc[0], steps[0], 0, 0), null, null);
    }

    // ---- helpers ----

    private static Result result(Engine engine, StreamsModel shape, int streams, Measured m, Double meanBatch, Double meanBatchMicros) {
        Histogram h = m.latency();
        return new Result(engine.id, shape.name, streams, m.steps() / m.seconds(),
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
                m.steps() == 0 ? 0 : m.allocated() / (double) m.steps(), meanBatch, meanBatchMicros);
    }

    private static Stepper closing(Stepper step, AutoCloseable resource) {
        return new Stepper() {
            @Override
            public void step() throws Exception {
                step.step();
            }

            @Override
            public void close() throws Exception {
                resource.close();
            }
        };
    }

    private static void fill(Random rnd, float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
    }

    /**
     * Bytes allocated so far on {@code threads}, or by every thread of the JVM when null (virtual threads
     * allocate in their carriers' buffers, so this total includes them, and every other thread too).
     */
    private static long allocated(List<Thread> threads) {
        if (threads == null) {
            return THREADS.getTotalThreadAllocatedBytes();
        }
        long[] ids = threads.stream().mapToLong(Thread::threadId).toArray();
        long sum = 0;
        for (long b : THREADS.getThreadAllocatedBytes(ids)) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    private static void throwIfFailed(AtomicReference<Throwable> failure) throws Exception {
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }
}
