package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Decoding;
import dev.rnn.models.series.CsvTable;
import dev.rnn.models.series.EncodedSeries;
import dev.rnn.models.series.ForecastWindows;
import dev.rnn.models.series.SeriesSchema;
import dev.rnn.models.series.SyntheticSeries;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.text.TaggedSentence;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.text.Vocabulary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One task model shared by many threads: for each of the six tasks, 64 threads calling its inference
 * methods at once over shuffled inputs get every result bit for bit as a sequential run does. A lone
 * input costs a batch of one, and gets the bits it gets inside a batch (within a stated tolerance
 * where a product of one row sums in another order); a closed model says so, also to calls that were
 * running when it closed.
 */
class SharedTaskModelsTest {

    private static final int THREADS = 64;
    /** Passes over the calls that each thread makes, each in its own shuffled order. */
    private static final int ROUNDS = 2;

    private static final Kernels KERNELS = Kernels.preferred();

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeModels() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T keep(T model) {
        open.add(model);
        return model;
    }

    /** An inference call whose result is written out exactly: floats as their bits, texts as they are. */
    record Call(String name, Supplier<String> run) {
    }

    static String bits(double v) {
        return Long.toHexString(Double.doubleToLongBits(v));
    }

    static String bits(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(bits(x)).append(',');
        }
        return b.toString();
    }

    static String bits(float[] v) {
        StringBuilder b = new StringBuilder();
        for (float x : v) {
            b.append(Integer.toHexString(Float.floatToIntBits(x))).append(',');
        }
        return b.toString();
    }

    // ---- the six models, small enough that each test runs in seconds ----

    private CharLanguageModel languageModel(String text) {
        return keep(CharLanguageModel.create(KERNELS, new CharLanguageModel.Config(CellKind.LSTM, 8, 16, 2, 0.3),
                Vocabulary.ofCharacters(text), 3));
    }

    private SentenceClassifier classifier(List<LabelledSentence> examples) {
        return keep(SentenceClassifier.create(KERNELS, new SentenceClassifier.Config(CellKind.GRU, 8, 4, 64, 8, 1, true, 0.2, 0.25),
                examples, 2));
    }

    private SequenceTagger tagger(List<TaggedSentence> sentences) {
        return keep(SequenceTagger.create(KERNELS, new SequenceTagger.Config(CellKind.LSTM, 8, 4, 64, 8, 1, 0.2, 0.25), sentences, 4));
    }

    private Seq2SeqModel translator(List<TextPair> pairs) {
        return keep(Seq2SeqModel.create(KERNELS, Seq2SeqTest.config(CellKind.LSTM, Seq2SeqModel.Attention.DOT, true, true, 8, 1), pairs, 6));
    }

    private record Series(SeriesSchema schema, EncodedSeries series, int[] ends) {
    }

    private Series series() {
        CsvTable t = CsvTable.read(SyntheticSeries.autoregressive(dir.resolve("ar.csv"), 600, 0.6, 0.3, 1));
        int split = ForecastWindows.splitRow(t.rows(), 0.3);
        SeriesSchema schema = SeriesSchema.fit(t, "y", List.of(), split);
        EncodedSeries s = schema.encode(t);
        return new Series(schema, s, ForecastWindows.split(s, 8, 2, split, 0).test());
    }

    private Forecaster forecaster(Series s) {
        // not autoregressive: the recurrent branch then carries the forecast (an autoregressive one starts silent)
        return keep(Forecaster.create(KERNELS, new Forecaster.Config(CellKind.LSTM, 16, 2, 8, 2, 0.2, false, Forecaster.Loss.MSE),
                s.schema(), 0.3, 9));
    }

    private static List<CaptionModel.Example> captionExamples() {
        List<Integer> numbers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            numbers.add(i);
        }
        Collections.shuffle(numbers, new Random(1));
        return CaptionModelTest.examples(numbers);
    }

    private CaptionModel captioner(List<CaptionModel.Example> examples) {
        return keep(CaptionModel.create(KERNELS, new CaptionModel.Config(CellKind.LSTM, 30, 8, 16, 2, true, 0.2, 8), examples, 2));
    }

    // ---- many threads on one model ----

    @Test
    void languageModelScoresFromManyThreads() throws Exception {
        String text = TaskData.text(6000, 1);
        CharLanguageModel lm = languageModel(text);
        List<Call> calls = new ArrayList<>();
        // 1 stream up to 1024 characters, then one per 512: runners of several batches at once
        int[][] spans = {{0, 2}, {10, 60}, {100, 800}, {300, 1800}, {1000, 4000}, {2500, 2520}};
        for (int[] s : spans) {
            String part = text.substring(s[0], s[1]);
            calls.add(new Call("loss " + s[0] + ".." + s[1], () -> bits(lm.loss(part))));
        }
        assertSharedRunsMatchSequential(calls);
    }

    @Test
    void classifierPredictsFromManyThreads() throws Exception {
        List<LabelledSentence> examples = TaskData.sentiment(36, 1);
        SentenceClassifier c = classifier(examples);
        List<String> texts = examples.stream().map(LabelledSentence::text).toList();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String t = texts.get(i);
            calls.add(new Call("predict " + t, () -> prediction(c.predict(t))));
        }
        calls.add(new Call("predict 36 (32 + 4)", () -> predictions(c.predict(texts))));
        calls.add(new Call("predict 5", () -> predictions(c.predict(texts.subList(20, 25)))));
        calls.add(new Call("accuracy", () -> bits(c.accuracy(examples.subList(0, 12)))));
        assertSharedRunsMatchSequential(calls);
    }

    private static String prediction(SentenceClassifier.Prediction p) {
        return p.label() + ":" + bits(p.probability());
    }

    private static String predictions(List<SentenceClassifier.Prediction> ps) {
        StringBuilder b = new StringBuilder();
        for (SentenceClassifier.Prediction p : ps) {
            b.append(prediction(p)).append(' ');
        }
        return b.toString();
    }

    @Test
    void taggerTagsFromManyThreads() throws Exception {
        List<TaggedSentence> sentences = TaskData.tagged(36, 3);
        SequenceTagger t = tagger(sentences);
        List<List<String>> words = sentences.stream().map(TaggedSentence::words).toList();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            List<String> w = words.get(i);
            calls.add(new Call("tag " + w, () -> t.tag(w).toString()));
        }
        calls.add(new Call("tagAll 36 (32 + 4)", () -> t.tagAll(words).toString()));
        calls.add(new Call("tagAll 3", () -> t.tagAll(words.subList(10, 13)).toString()));
        calls.add(new Call("accuracy", () -> bits(t.accuracy(sentences.subList(0, 12)))));
        assertSharedRunsMatchSequential(calls);
    }

    @Test
    void translatorTranslatesFromManyThreads() throws Exception {
        List<TextPair> pairs = Seq2SeqTest.reversals(40, 5);
        Seq2SeqModel m = translator(pairs);
        List<String> sources = pairs.stream().map(TextPair::source).toList();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String s = sources.get(i);
            calls.add(new Call("greedy " + s, () -> m.translate(s, 1)));
        }
        for (int i = 6; i < 9; i++) {
            String s = sources.get(i);
            calls.add(new Call("beam 3 " + s, () -> m.translate(s, 3)));
        }
        calls.add(new Call("greedy all", () -> m.translateAll(sources, 1).toString()));
        calls.add(new Call("sampled", () -> m.translateAll(sources.subList(0, 5), Decoding.sampled(1.0, 0, 7)).toString()));
        calls.add(new Call("attention", () -> {
            Seq2SeqModel.Attended a = m.translateWithAttention(sources.get(3));
            StringBuilder b = new StringBuilder(a.outputTokens().toString());
            for (float[] w : a.weights()) {
                b.append(bits(w));
            }
            return b.toString();
        }));
        calls.add(new Call("exact match", () -> bits(m.exactMatch(pairs.subList(0, 12), 1))));
        assertSharedRunsMatchSequential(calls);
    }

    @Test
    void forecasterPredictsFromManyThreads() throws Exception {
        Series s = series();
        Forecaster f = forecaster(s);
        int[] ends = s.ends();
        assertTrue(ends.length > 64, "the test windows span more than one batch: " + ends.length);
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int[] one = {ends[i * 7]};
            calls.add(new Call("predict " + one[0], () -> bits(f.predict(s.series(), one)[0])));
        }
        calls.add(new Call("predict all", () -> {
            StringBuilder b = new StringBuilder();
            for (double[] p : f.predict(s.series(), ends)) {
                b.append(bits(p));
            }
            return b.toString();
        }));
        calls.add(new Call("predictNext", () -> bits(f.predictNext(s.series()))));
        assertSharedRunsMatchSequential(calls);
    }

    @Test
    void captionerGeneratesFromManyThreads() throws Exception {
        List<CaptionModel.Example> examples = captionExamples().subList(0, 70);
        CaptionModel m = captioner(examples);
        List<float[]> features = examples.stream().map(CaptionModel.Example::features).toList();
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            float[] f = features.get(i);
            calls.add(new Call("greedy " + i, () -> m.generate(f, Decoding.greedy())));
        }
        for (int i = 6; i < 9; i++) {
            float[] f = features.get(i);
            calls.add(new Call("beam 3 " + i, () -> m.generate(f, Decoding.beam(3))));
        }
        calls.add(new Call("sampled", () -> m.generate(features.get(9), Decoding.sampled(1.0, 0, 7))));
        calls.add(new Call("greedy all (64 + 6)", () -> m.generateAll(features, Decoding.greedy()).toString()));
        calls.add(new Call("exact match", () -> bits(m.exactMatch(examples.subList(0, 12), Decoding.greedy()))));
        assertSharedRunsMatchSequential(calls);
    }

    /**
     * Runs the calls one after another, then lets 64 threads, started together, each make every call
     * {@link #ROUNDS} times in an order of its own: every result must equal the sequential one exactly.
     */
    private static void assertSharedRunsMatchSequential(List<Call> calls) throws Exception {
        List<String> expected = new ArrayList<>();
        for (Call c : calls) {
            expected.add(c.run().get());
        }
        CountDownLatch ready = new CountDownLatch(THREADS), go = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> mismatches = new ConcurrentLinkedQueue<>();
        AtomicInteger made = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                List<Integer> order = new ArrayList<>();
                for (int r = 0; r < ROUNDS; r++) {
                    for (int i = 0; i < calls.size(); i++) {
                        order.add(i);
                    }
                }
                Collections.shuffle(order, new Random(t));
                done.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    for (int i : order) {
                        String got = calls.get(i).run().get();
                        made.incrementAndGet();
                        if (!got.equals(expected.get(i))) {
                            mismatches.add(calls.get(i).name() + ": " + got + " instead of " + expected.get(i));
                        }
                    }
                    return null;
                }));
            }
            ready.await();
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
        }
        assertEquals(THREADS * ROUNDS * calls.size(), made.get());
        assertEquals(List.of(), new ArrayList<>(mismatches).subList(0, Math.min(5, mismatches.size())),
                mismatches.size() + " results differ from the sequential run");
    }

    // ---- a lone input runs at batch 1 ----

    /**
     * How values computed alone differ from the same values computed in a batch: the largest
     * difference relative to the largest magnitude among them (a relative ∞-norm), and how many differ
     * at all. Printed, since it is a measurement.
     */
    private record Difference(double relative, int differing, int values) {

        static Difference of(String what, double[] alone, double[] inBatch) {
            double worst = 0, scale = 0;
            int differing = 0;
            for (int i = 0; i < alone.length; i++) {
                scale = Math.max(scale, Math.abs(inBatch[i]));
                if (Double.doubleToLongBits(alone[i]) != Double.doubleToLongBits(inBatch[i])) {
                    differing++;
                    worst = Math.max(worst, Math.abs(alone[i] - inBatch[i]));
                }
            }
            Difference d = new Difference(worst / scale, differing, alone.length);
            System.out.printf("%s: batch 1 against batch 32: %d of %d values differ, largest difference %.3g of the largest value%n",
                    what, differing, alone.length, d.relative());
            return d;
        }
    }

    /**
     * The tolerance for values computed alone against the same values inside a batch, relative to the
     * largest of them. The SIMD backend multiplies a single row as a matrix-vector product, which sums
     * each dot product in another order than the blocked product of many rows does (see
     * Kernels#gemmBatchInvariant), so a batch of one may differ from a batch of many by float rounding:
     * about k·2⁻²⁴ relative per product of depth k ≤ 64 here, carried through a few layers.
     */
    private static final double ALONE_TOLERANCE = 1e-5;

    private static void assertAloneMatchesBatch(Difference d) {
        assertTrue(d.relative() <= ALONE_TOLERANCE, "relative difference " + d.relative() + " above " + ALONE_TOLERANCE);
    }

    @Test
    void aLoneSentenceIsClassifiedAsInABatch() {
        List<LabelledSentence> examples = TaskData.sentiment(40, 1);
        SentenceClassifier c = classifier(examples);
        List<String> texts = examples.stream().map(LabelledSentence::text).toList().subList(0, 32);
        List<SentenceClassifier.Prediction> batch = c.predict(texts), five = c.predict(texts.subList(0, 5));
        double[] alone = new double[32], inBatch = new double[32];
        for (int i = 0; i < 32; i++) {
            SentenceClassifier.Prediction p = c.predict(texts.get(i));
            assertEquals(batch.get(i).label(), p.label(), texts.get(i));
            alone[i] = p.probability();
            inBatch[i] = batch.get(i).probability();
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(batch.get(i), five.get(i), "a batch of 5 gives the bits of a batch of 32: rows are independent");
        }
        assertAloneMatchesBatch(Difference.of("classifier probabilities", alone, inBatch));
    }

    @Test
    void aLoneSentenceIsTaggedAsInABatch() {
        List<TaggedSentence> sentences = TaskData.tagged(32, 3);
        SequenceTagger t = tagger(sentences);
        List<List<String>> words = sentences.stream().map(TaggedSentence::words).toList();
        List<List<String>> batch = t.tagAll(words);
        assertEquals(batch.subList(0, 5), t.tagAll(words.subList(0, 5)));
        for (int i = 0; i < 32; i++) {
            assertEquals(batch.get(i), t.tag(words.get(i)), words.get(i).toString());
        }
    }

    @Test
    void aLoneWindowIsForecastAsInABatch() {
        Series s = series();
        Forecaster f = forecaster(s);
        int[] ends = Arrays.copyOf(s.ends(), 32);
        double[][] batch = f.predict(s.series(), ends), five = f.predict(s.series(), Arrays.copyOf(ends, 5));
        double[] alone = new double[64], inBatch = new double[64];
        for (int i = 0; i < 32; i++) {
            double[] one = f.predict(s.series(), new int[] {ends[i]})[0];
            System.arraycopy(one, 0, alone, 2 * i, 2);
            System.arraycopy(batch[i], 0, inBatch, 2 * i, 2);
            if (i < 5) {
                assertEquals(bits(batch[i]), bits(five[i]), "a batch of 5 gives the bits of a batch of 32: rows are independent");
            }
        }
        assertAloneMatchesBatch(Difference.of("forecasts", alone, inBatch));
    }

    @Test
    void aLoneSourceIsTranslatedAsInABatch() {
        List<TextPair> pairs = Seq2SeqTest.reversals(32, 5);
        Seq2SeqModel m = translator(pairs);
        List<String> sources = pairs.stream().map(TextPair::source).toList();
        List<String> batch = m.translateAll(sources, 1);
        assertEquals(batch.subList(0, 5), m.translateAll(sources.subList(0, 5), 1));
        for (int i = 0; i < 32; i++) {
            assertEquals(batch.get(i), m.translate(sources.get(i), 1), sources.get(i));
        }
    }

    @Test
    void aLoneFeatureVectorIsCaptionedAsInABatch() {
        List<CaptionModel.Example> examples = captionExamples().subList(0, 32);
        CaptionModel m = captioner(examples);
        List<float[]> features = examples.stream().map(CaptionModel.Example::features).toList();
        List<String> batch = m.generateAll(features, Decoding.greedy());
        assertEquals(batch.subList(0, 5), m.generateAll(features.subList(0, 5), Decoding.greedy()));
        for (int i = 0; i < 32; i++) {
            assertEquals(batch.get(i), m.generate(features.get(i), Decoding.greedy()));
        }
        // the first step's logits, alone and in a batch of 32
        int[] start = new int[32];
        Arrays.fill(start, CaptionModel.START);
        double[] alone, inBatch;
        try (CaptionDecoder one = new CaptionDecoder(m, 1); CaptionDecoder all = new CaptionDecoder(m, 32)) {
            all.start(features);
            Matrix lg = all.step(start);
            int v = lg.cols();
            inBatch = new double[32 * v];
            alone = new double[32 * v];
            for (int i = 0; i < 32; i++) {
                for (int j = 0; j < v; j++) {
                    inBatch[i * v + j] = lg.get(i, j);
                }
            }
            for (int i = 0; i < 32; i++) {
                one.start(List.of(features.get(i)));
                Matrix l1 = one.step(new int[] {CaptionModel.START});
                for (int j = 0; j < v; j++) {
                    alone[i * v + j] = l1.get(0, j);
                }
            }
        }
        assertAloneMatchesBatch(Difference.of("caption logits", alone, inBatch));
    }

    // ---- closing ----

    /** One call per inference method of each model, for the closing tests. */
    private List<Call> everyMethod(String text, List<LabelledSentence> examples, List<TaggedSentence> sentences,
                                   List<TextPair> pairs, Series s, List<CaptionModel.Example> captions) {
        CharLanguageModel lm = languageModel(text);
        SentenceClassifier c = classifier(examples);
        SequenceTagger t = tagger(sentences);
        Seq2SeqModel m = translator(pairs);
        Forecaster f = forecaster(s);
        CaptionModel cm = captioner(captions);
        String src = pairs.get(0).source();
        float[] features = captions.get(0).features();
        return List.of(
                new Call("CharLanguageModel", () -> bits(lm.loss(text))),
                new Call("SentenceClassifier", () -> prediction(c.predict(examples.get(0).text()))),
                new Call("SentenceClassifier", () -> bits(c.accuracy(examples.subList(0, 3)))),
                new Call("SequenceTagger", () -> t.tag(sentences.get(0).words()).toString()),
                new Call("SequenceTagger", () -> bits(t.accuracy(sentences.subList(0, 3)))),
                new Call("Seq2SeqModel", () -> m.translate(src, 1)),
                new Call("Seq2SeqModel", () -> m.translate(src, 3)),
                new Call("Seq2SeqModel", () -> m.translateAll(List.of(src, src), Decoding.sampled(1, 0, 1)).toString()),
                new Call("Seq2SeqModel", () -> m.translateWithAttention(src).outputTokens().toString()),
                new Call("Seq2SeqModel", () -> bits(m.exactMatch(pairs.subList(0, 3), 1))),
                new Call("Forecaster", () -> bits(f.predict(s.series(), Arrays.copyOf(s.ends(), 3))[0])),
                new Call("Forecaster", () -> bits(f.predictNext(s.series()))),
                new Call("CaptionModel", () -> cm.generate(features, Decoding.greedy())),
                new Call("CaptionModel", () -> cm.generateAll(List.of(features, features), Decoding.beam(2)).toString()));
    }

    private List<Call> everyMethod() {
        return everyMethod(TaskData.text(300, 2), TaskData.sentiment(20, 1), TaskData.tagged(20, 3), Seq2SeqTest.reversals(10, 5),
                series(), captionExamples().subList(0, 10));
    }

    @Test
    void aClosedModelSaysSoAndClosesOnce() throws Exception {
        List<Call> calls = everyMethod();
        for (Call c : calls) {
            c.run().get();
        }
        for (AutoCloseable model : open) {
            model.close();
            model.close();                     // a second close does nothing
        }
        for (Call c : calls) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.run().get(), c.name());
            assertEquals("this " + c.name() + " is closed", e.getMessage());
        }
    }

    /**
     * Closing a model while threads call it: every call either completes or fails with an
     * IllegalStateException (the JVM survives the memory going away under a running call), and once
     * closed, every new call fails so.
     */
    @Test
    void closingWhileCallsRunFailsOnlyThoseCalls() throws Exception {
        List<Call> calls = everyMethod();
        for (Call c : calls) {
            c.run().get();                    // compiled code from the start: the interpreter runs vector code slowly
        }
        int perModel = 2;
        CountDownLatch running = new CountDownLatch(calls.size() * perModel);
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicInteger failedInFlight = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(calls.size() * perModel);
        try {
            for (Call c : calls) {
                for (int k = 0; k < perModel; k++) {
                    pool.submit(() -> {
                        boolean first = true;
                        while (true) {
                            try {
                                c.run().get();
                            } catch (IllegalStateException e) {
                                if (!e.getMessage().equals("this " + c.name() + " is closed")) {
                                    failedInFlight.incrementAndGet();
                                    if (!e.getMessage().startsWith("this " + c.name() + " was closed during the call")) {
                                        unexpected.add(e);
                                    }
                                }
                                break;
                            } catch (Throwable t) {
                                unexpected.add(t);
                                break;
                            } finally {
                                if (first) {
                                    first = false;
                                    running.countDown();
                                }
                            }
                        }
                    });
                }
            }
            running.await();                  // every thread has made a call; most are inside another
            for (AutoCloseable model : open) {
                model.close();
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
        }
        System.out.println("calls that were running when their model closed and failed: " + failedInFlight.get());
        assertEquals(List.of(), List.copyOf(unexpected));
    }

    @Test
    void idleRunnersAreBoundedAndClosedAtShutDown() {
        RunnerPool<Lent> pool = new RunnerPool<>("Test", 2, Lent::new);
        Lent a = pool.borrow(1, 5), b = pool.borrow(1, 5), d = pool.borrow(2, 5);
        pool.giveBack(a);
        pool.giveBack(b);
        pool.giveBack(d);                      // the oldest idle one, a, goes
        assertEquals(2, pool.idle());
        assertTrue(a.closed && !b.closed && !d.closed);
        assertEquals(d, pool.borrow(2, 3), "an idle runner with enough steps is lent again");
        Lent longer = pool.borrow(1, 6);
        assertTrue(longer != b, "one with too few steps is not");
        pool.giveBack(d);
        assertTrue(pool.shutDown());
        assertTrue(!pool.shutDown(), "shut down once");
        assertTrue(b.closed && d.closed && !longer.closed);
        pool.giveBack(longer);                 // a runner lent before the shut-down is closed when it comes back
        assertTrue(longer.closed);
        assertEquals("this Test is closed", assertThrows(IllegalStateException.class, () -> pool.borrow(1, 1)).getMessage());
    }

    private static final class Lent implements RunnerPool.Lendable {
        final int batch, steps;
        boolean closed;

        Lent(int batch, int steps) {
            this.batch = batch;
            this.steps = steps;
        }

        @Override
        public int batch() {
            return batch;
        }

        @Override
        public int steps() {
            return steps;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
