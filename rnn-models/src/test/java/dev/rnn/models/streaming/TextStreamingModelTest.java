package dev.rnn.models.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.Matrix;
import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Sampler;
import dev.rnn.models.streaming.TextStream.NextCharacter;
import dev.rnn.models.streaming.TextStreamingModel.Completion;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.text.Vocabulary;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class TextStreamingModelTest {

    static final String TEXT = text(600, 1);
    static final Vocabulary VOCABULARY = Vocabulary.ofCharacters(TEXT);
    static final String[] PREFIXES = {"the cat ", "a dog finds", "my", "the king eats the crown.\n", "x"};

    /** Words from a small lexicon in a fixed grammar. */
    static String text(int chars, long seed) {
        Random r = new Random(seed);
        String[] subjects = {"the cat", "a dog", "my friend", "the king"};
        String[] verbs = {"sees", "likes", "finds", "eats"};
        String[] objects = {"the fish.", "a bone.", "the crown.", "my hat."};
        StringBuilder s = new StringBuilder("xyz\n");
        while (s.length() < chars) {
            s.append(subjects[r.nextInt(4)]).append(' ').append(verbs[r.nextInt(4)]).append(' ').append(objects[r.nextInt(4)]).append('\n');
        }
        return s.substring(0, chars);
    }

    /** A small LM with seeded random weights. */
    static CharLanguageModel lm(CellKind kind) {
        return CharLanguageModel.create(Kernels.preferred(), new CharLanguageModel.Config(kind, 8, 24, 2, 0), VOCABULARY, 5);
    }

    static TextStreamingModel textModel(CellKind kind) {
        try (CharLanguageModel lm = lm(kind)) {
            return lm.textStreaming(PackedMatrix.Format.F32);
        }
    }

    static int id(String c) {
        return VOCABULARY.id(c);
    }

    /** Tolerance of Σ log p over n characters when p is the float softmax: exp, a sum of V terms, a reciprocal and a product, each within a few units of 2⁻²⁴ relative. */
    static double logProbabilityTolerance(int n) {
        return n * (VOCABULARY.size() + 8) * 0x1p-24;
    }

    /** Σ log p of each character of {@code continuation} after {@code prefix}, from a fresh stream's float distribution. */
    static double recomputedLogProbability(TextStreamingModel model, String prefix, String continuation) {
        try (TextStream s = model.newStream()) {
            s.append(prefix);
            double sum = 0;
            float[] p = new float[model.size()];
            for (int i = 0; i < continuation.length(); ) {
                int cp = continuation.codePointAt(i);
                s.nextProbabilities(p);
                sum += Math.log(p[model.id(cp)]);
                s.append(cp);
                i += Character.charCount(cp);
            }
            return sum;
        }
    }

    /** Greedy text by an arg-max loop over a bare session; stops after {@code stop} (−1: never). */
    static String argmaxLoop(TextStreamingModel model, String prefix, int length, int stop) {
        try (StreamSession session = model.streamingModel().newSession(StepOutput.LOGITS)) {
            float[] logits = new float[model.size()];
            for (char c : prefix.toCharArray()) {
                session.step(id(String.valueOf(c)), logits);
            }
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < length; i++) {
                int next = Sampler.argmax(logits, logits.length);
                out.append(VOCABULARY.token(next));
                if (model.codePoint(next) == stop) {
                    break;
                }
                session.step(next, logits);
            }
            return out.toString();
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU", "RNN_TANH"})
    void distributionIsTheKernelSoftmaxOfTheSessionLogitsBitForBit(CellKind kind) {
        try (TextStreamingModel model = textModel(kind);
             TextStream stream = model.newStream();
             StreamSession logitSession = model.streamingModel().newSession(StepOutput.LOGITS);
             StreamSession probabilitySession = model.streamingModel().newSession(StepOutput.PROBABILITIES);
             Arena arena = Arena.ofConfined()) {
            int v = model.size();
            float[] logits = new float[v], probabilities = new float[v], streamLogits = new float[v], streamProbabilities = new float[v];
            Matrix softmax = Matrix.allocate(arena, 1, v);
            String text = TEXT.substring(0, 120);
            for (int i = 0; i < text.length(); i++) {
                int id = id(text.substring(i, i + 1));
                stream.append(text.charAt(i));
                logitSession.step(id, logits);
                probabilitySession.step(id, probabilities);
                stream.nextLogits(streamLogits);
                stream.nextProbabilities(streamProbabilities);
                softmax.copyFrom(logits);
                Kernels.preferred().softmax(softmax, softmax);
                assertArrayEquals(logits, streamLogits, "logits after " + i);
                assertArrayEquals(softmax.toArray(), streamProbabilities, "softmax after " + i);
                assertArrayEquals(probabilities, streamProbabilities, "PROBABILITIES session after " + i);
                assertArrayEquals(streamProbabilities, stream.nextDistribution());
            }
        }
    }

    @Test
    void mostLikelyNextIsTheDistributionSorted() {
        try (TextStreamingModel model = textModel(CellKind.LSTM); TextStream stream = model.newStream()) {
            stream.append("the ");
            float[] p = stream.nextDistribution();
            List<NextCharacter> top = stream.mostLikelyNext(5);
            assertEquals(5, top.size());
            for (int i = 0; i < top.size(); i++) {
                NextCharacter c = top.get(i);
                assertEquals(p[model.id(c.codePoint())], c.probability());
                assertEquals(Character.toString(c.codePoint()), c.character());
                if (i > 0) {
                    assertTrue(top.get(i - 1).probability() >= c.probability());
                }
            }
            int best = Sampler.argmax(p, p.length);
            assertEquals(model.codePoint(best), top.get(0).codePoint());
            List<NextCharacter> all = stream.mostLikelyNext(1000);
            assertEquals(model.size(), all.size());
            double sum = 0;
            for (NextCharacter c : all) {
                sum += c.probability();
            }
            assertEquals(1, sum, model.size() * 0x1p-23);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void greedyCompletionIsAnArgmaxLoop(CellKind kind) {
        try (TextStreamingModel model = textModel(kind)) {
            for (String prefix : PREFIXES) {
                assertEquals(argmaxLoop(model, prefix, 40, -1), model.complete(prefix, 40, Sampler.greedy()), prefix);
                assertEquals(argmaxLoop(model, prefix, 40, ' '), model.complete(prefix, 40, Sampler.greedy(), ' '), prefix);
                try (TextStream s = model.newStream()) {
                    s.append(prefix);
                    StringBuilder oneByOne = new StringBuilder();
                    for (int i = 0; i < 40; i++) {
                        oneByOne.appendCodePoint(s.appendNext(Sampler.greedy()));
                    }
                    assertEquals(argmaxLoop(model, prefix, 40, -1), oneByOne.toString());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void beamOfWidthOneIsGreedy(CellKind kind) {
        try (TextStreamingModel model = textModel(kind)) {
            for (String prefix : PREFIXES) {
                List<Completion> one = model.beamSearch(prefix, 1, 30, TextStreamingModel.NO_STOP);
                assertEquals(1, one.size());
                assertEquals(model.complete(prefix, 30, Sampler.greedy()), one.get(0).text(), prefix);
                List<Completion> stopped = model.beamSearch(prefix, 1, 30, ' ');
                assertEquals(model.complete(prefix, 30, Sampler.greedy(), ' '), stopped.get(0).text(), prefix);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void beamResultsAreSortedScoredAndAtLeastAsLikelyAsGreedy(CellKind kind) {
        try (TextStreamingModel model = textModel(kind)) {
            for (String prefix : PREFIXES) {
                for (int width : new int[] {2, 3, 5, 8}) {
                    for (int stop : new int[] {TextStreamingModel.NO_STOP, ' ', '.'}) {
                        int length = 20;
                        String where = prefix + " width " + width + " stop " + stop;
                        List<Completion> beams = model.beamSearch(prefix, width, length, stop);
                        assertTrue(!beams.isEmpty() && beams.size() <= width, where);
                        Set<String> texts = new HashSet<>();
                        for (int i = 0; i < beams.size(); i++) {
                            Completion c = beams.get(i);
                            assertTrue(texts.add(c.text()), "repeated " + c.text() + " for " + where);
                            if (i > 0) {
                                assertTrue(beams.get(i - 1).logProbability() >= c.logProbability(), where);
                            }
                            int n = c.text().codePointCount(0, c.text().length());
                            assertTrue(n == length || n >= 1 && n < length && c.text().codePointAt(c.text().length() - 1) == stop,
                                    "'" + c.text() + "' for " + where);
                            for (int j = 0; j < c.text().length() - 1; j++) {
                                assertNotEquals(stop, (int) c.text().charAt(j), "stop inside '" + c.text() + "' for " + where);
                            }
                            assertEquals(recomputedLogProbability(model, prefix, c.text()), c.logProbability(),
                                    logProbabilityTolerance(n), "'" + c.text() + "' for " + where);
                        }
                        String greedy = model.complete(prefix, length, Sampler.greedy(), stop);
                        double greedyLogProbability = recomputedLogProbability(model, prefix, greedy);
                        assertTrue(beams.get(0).logProbability() >= greedyLogProbability - logProbabilityTolerance(length),
                                "beam " + beams.get(0) + " below greedy '" + greedy + "' " + greedyLogProbability + " for " + where);
                    }
                }
            }
        }
    }

    @Test
    void beamSearchLeavesTheStreamAsItWasAndReusesItsSessions() {
        try (TextStreamingModel model = textModel(CellKind.LSTM); TextStream s = model.newStream()) {
            s.append("the cat");
            float[] before = new float[s.stateSize()], after = new float[s.stateSize()];
            s.saveState(before);
            List<Completion> first = s.beamSearch(4, 15);
            s.saveState(after);
            assertArrayEquals(before, after);
            assertEquals(first, s.beamSearch(4, 15));
            assertEquals(first, model.beamSearch("the cat", 4, 15, TextStreamingModel.NO_STOP));
            assertEquals(List.of(new Completion("", 0)), s.beamSearch(3, 0));
            List<Completion> wide = s.beamSearch(2 * model.size(), 3);   // wider than the vocabulary
            assertEquals(2 * model.size(), wide.size());
            for (int i = 1; i < wide.size(); i++) {
                assertTrue(wide.get(i - 1).logProbability() >= wide.get(i).logProbability());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.beamSearch("", 2, 5, ' '));
            assertEquals("the prefix is empty: the next character needs at least one before it", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.beamSearch(0, 5));
            assertEquals("beam width must be ≥ 1, found 0", e.getMessage());
        }
    }

    @Test
    void sampledCompletionRepeatsForASeedAndFollowsTheSamplerOverTheLogits() {
        try (TextStreamingModel model = textModel(CellKind.GRU)) {
            String a = model.complete("the ", 80, new Sampler(0.9, 8, 0.95, 7));
            assertEquals(a, model.complete("the ", 80, new Sampler(0.9, 8, 0.95, 7)));
            assertNotEquals(a, model.complete("the ", 80, new Sampler(0.9, 8, 0.95, 8)));
            // what 'rnn lm sample' did before this API: the sampler over a bare session's logits
            try (StreamSession session = model.streamingModel().newSession(StepOutput.LOGITS)) {
                Sampler sampler = new Sampler(0.9, 8, 0.95, 7);
                float[] logits = new float[model.size()];
                for (char c : "the ".toCharArray()) {
                    session.step(id(String.valueOf(c)), logits);
                }
                StringBuilder expected = new StringBuilder();
                for (int i = 0; i < 80; i++) {
                    int next = sampler.next(logits, logits.length);
                    expected.append(VOCABULARY.token(next));
                    session.step(next, logits);
                }
                assertEquals(expected.toString(), a);
            }
        }
    }

    @Test
    void unknownCharactersAreRejectedWithNothingStepped() {
        try (TextStreamingModel model = textModel(CellKind.LSTM); TextStream s = model.newStream()) {
            s.append("the c");
            float[] before = new float[s.stateSize()], after = new float[s.stateSize()];
            s.saveState(before);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.append("at€s"));
            assertEquals("character '€' (U+20AC) at position 2 is not in the model's vocabulary", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.append("a\uD83D\uDE00Q"));
            assertEquals("character '\uD83D\uDE00' (U+1F600) at position 1 is not in the model's vocabulary", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.append('Q'));
            assertEquals("character 'Q' (U+0051) is not in the model's vocabulary", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.append(-5));
            assertEquals("character -5 is not a Unicode code point", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.complete(5, Sampler.greedy(), '!'));
            assertEquals("stop character '!' (U+0021) is not in the model's vocabulary", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.beamSearch(2, 5, '!'));
            assertEquals("stop character '!' (U+0021) is not in the model's vocabulary", e.getMessage());
            s.saveState(after);
            assertArrayEquals(before, after);
        }
    }

    @Test
    void stateSavesRestoresAndForks() {
        try (TextStreamingModel model = textModel(CellKind.LSTM);
             TextStream a = model.newStream(); TextStream b = model.newStream(); TextStream c = model.newStream()) {
            IllegalStateException empty = assertThrows(IllegalStateException.class, a::nextDistribution);
            assertTrue(empty.getMessage().contains("nothing appended"), empty.getMessage());
            a.append("a dog ");
            float[] saved = new float[a.stateSize()];
            a.saveState(saved);
            b.copyStateFrom(a);
            c.restoreState(saved);
            float[] pa = a.nextDistribution();
            assertArrayEquals(pa, b.nextDistribution());
            assertArrayEquals(pa, c.nextDistribution());
            String fromA = a.complete(30, Sampler.greedy());
            assertEquals(fromA, b.complete(30, Sampler.greedy()));
            assertEquals(fromA, c.complete(30, Sampler.greedy()));
            assertEquals("a dog " + fromA, "a dog " + model.complete("a dog ", 30, Sampler.greedy()));
            a.restoreState(saved);
            assertArrayEquals(pa, a.nextDistribution());
            a.reset();
            assertThrows(IllegalStateException.class, a::nextDistribution);
            a.saveState(saved);
            b.restoreState(saved);
            assertThrows(IllegalStateException.class, b::nextDistribution);
            a.append("a dog ");
            assertArrayEquals(pa, a.nextDistribution());
            try (TextStreamingModel other = textModel(CellKind.LSTM); TextStream d = other.newStream()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.copyStateFrom(a));
                assertTrue(e.getMessage().contains("different text streaming models"), e.getMessage());
            }
        }
    }

    /** What one thread computes with its own stream: distributions, greedy, sampled and beam completions. */
    static List<Object> work(TextStreamingModel model, int i) {
        List<Object> out = new ArrayList<>();
        try (TextStream s = model.newStream()) {
            String prefix = PREFIXES[i % PREFIXES.length] + TEXT.substring(i * 7, i * 7 + i % 11);
            s.append(prefix);
            out.add(s.nextDistribution());
            out.add(s.beamSearch(1 + i % 4, 12, i % 2 == 0 ? TextStreamingModel.NO_STOP : ' '));
            out.add(s.complete(25, new Sampler(0.8, 0, 0.9, i)));
            out.add(s.nextDistribution());
            s.reset();
            s.append(prefix);
            out.add(s.complete(25, Sampler.greedy()));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = CellKind.class, names = {"LSTM", "GRU"})
    void manyThreadsOverOneModelMatchASequentialRunBitForBit(CellKind kind) throws Exception {
        int threads = 32;
        try (TextStreamingModel model = textModel(kind)) {
            List<List<Object>> sequential = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                sequential.add(work(model, i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<List<Object>>> futures = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    int n = i;
                    futures.add(pool.submit(() -> {
                        start.await();
                        return work(model, n);
                    }));
                }
                start.countDown();
                for (int i = 0; i < threads; i++) {
                    List<Object> got = futures.get(i).get(), want = sequential.get(i);
                    for (int j = 0; j < want.size(); j++) {
                        if (want.get(j) instanceof float[] f) {
                            assertArrayEquals(f, (float[]) got.get(j), "thread " + i + " item " + j);
                        } else {
                            assertEquals(want.get(j), got.get(j), "thread " + i + " item " + j);
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The text layer allocates nothing of its own: appending, reading the distribution and sampling
     * allocate exactly what the same session steps, kernel softmax and sampler draws allocate bare
     * (a session step's own allocation, if any, belongs to the session).
     */
    @Test
    void appendingReadingAndSamplingAllocateNoMoreThanTheBareSession() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (TextStreamingModel model = textModel(CellKind.LSTM); TextStream s = model.newStream();
             StreamSession bare = model.streamingModel().newSession(StepOutput.LOGITS); Arena arena = Arena.ofConfined()) {
            int v = model.size();
            float[] p = new float[v], logits = new float[v];
            Matrix softmax = Matrix.allocate(arena, 1, v);
            Kernels kernels = Kernels.preferred();
            Sampler sampler = new Sampler(0.8, 5, 0.9, 3), greedy = Sampler.greedy();
            Sampler bareSampler = new Sampler(0.8, 5, 0.9, 3);
            String chunk = "the cat sees the fish.\n";
            int[] chunkIds = new int[chunk.length()];
            for (int i = 0; i < chunkIds.length; i++) {
                chunkIds[i] = id(chunk.substring(i, i + 1));
            }
            long text = -1, session = -1;
            for (int w = 0; w < 60; w++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 200; i++) {
                    s.append(chunk);
                    s.nextProbabilities(p);
                    s.appendNext(sampler);
                    s.appendNext(greedy);
                    s.nextLogits(p);
                }
                long middle = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 200; i++) {
                    for (int id : chunkIds) {
                        bare.step(id, logits);
                    }
                    softmax.copyFrom(logits);
                    kernels.softmax(softmax, softmax);
                    softmax.copyTo(p);
                    bare.step(bareSampler.next(logits, v), logits);
                    bare.step(greedy.next(logits, v), logits);
                }
                long after = threads.getCurrentThreadAllocatedBytes();
                text = middle - before;
                session = after - middle;
                if (w >= 10 && text == session) {   // compiled code by then: the steady state, not the interpreter's
                    System.out.println("200 × (append 23 characters, distribution, 2 sampled characters) allocated " + text
                            + " bytes, as many as the bare session steps, in window " + w);
                    return;
                }
            }
            throw new AssertionError("the text stream allocated " + text + " bytes where the bare session allocated " + session);
        }
    }

    @Test
    void closedModelsAndStreamsSayWhichIsClosed() {
        TextStreamingModel model = textModel(CellKind.LSTM);
        TextStream stream = model.newStream();
        TextStream other = model.newStream();
        stream.append("the");
        other.append("a");
        stream.close();
        stream.close();   // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> stream.append("x"));
        assertEquals("the text stream is closed", e.getMessage());
        e = assertThrows(IllegalStateException.class, stream::nextDistribution);
        assertEquals("the text stream is closed", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> stream.beamSearch(2, 3));
        assertEquals("the text stream is closed", e.getMessage());
        model.close();
        model.close();    // idempotent
        e = assertThrows(IllegalStateException.class, () -> other.append("x"));
        assertEquals("the text streaming model of this stream is closed", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> other.complete(3, Sampler.greedy()));
        assertEquals("the text streaming model of this stream is closed", e.getMessage());
        e = assertThrows(IllegalStateException.class, model::newStream);
        assertEquals("the text streaming model is closed", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> model.complete("the", 3, Sampler.greedy()));
        assertEquals("the text streaming model is closed", e.getMessage());
        other.close();
    }

    @Test
    void ofChecksThatTheVocabularyFitsTheModel() {
        try (CharLanguageModel lm = lm(CellKind.GRU)) {
            try (StreamingModel m = lm.streaming(PackedMatrix.Format.F32)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> TextStreamingModel.of(m, Vocabulary.ofCharacters("abc")));
                assertEquals("vocabulary of 3 characters does not match a model of " + VOCABULARY.size() + " token inputs and "
                        + VOCABULARY.size() + " output classes", e.getMessage());
                List<String> tokens = new ArrayList<>(VOCABULARY.tokens());
                tokens.set(3, "ab");
                e = assertThrows(IllegalArgumentException.class, () -> TextStreamingModel.of(m, Vocabulary.of(tokens)));
                assertTrue(e.getMessage().startsWith("vocabulary token 3 ('ab') is not one character"), e.getMessage());
            }
            StreamingModel closed = lm.streaming(PackedMatrix.Format.F32);
            closed.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TextStreamingModel.of(closed, VOCABULARY));
            assertEquals("the streaming model is closed", e.getMessage());
            // BF16 weights work the same way
            try (TextStreamingModel bf16 = lm.textStreaming(PackedMatrix.Format.BF16)) {
                assertEquals(PackedMatrix.Format.BF16, bf16.streamingModel().format());
                assertEquals(argmaxLoop(bf16, "the ", 10, -1), bf16.complete("the ", 10, Sampler.greedy()));
            }
        }
    }
}
