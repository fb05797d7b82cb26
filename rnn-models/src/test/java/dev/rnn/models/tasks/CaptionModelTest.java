package dev.rnn.models.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.decoding.Decoding;
import dev.rnn.models.text.NumberWords;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation from a feature vector: numbers 0..999 (digits one-hot) written in words, tested on numbers never trained on. */
class CaptionModelTest {

    @TempDir
    Path dir;

    @Test
    void numberWords() {
        assertEquals("zero", NumberWords.words(0));
        assertEquals("thirteen", NumberWords.words(13));
        assertEquals("forty", NumberWords.words(40));
        assertEquals("one hundred five", NumberWords.words(105));
        assertEquals("three hundred forty two thousand seven", NumberWords.words(342_007));
        assertEquals("nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine",
                NumberWords.words(NumberWords.MAX));
        float[] digits = new float[20];
        digits[1] = 1;           // tens digit 1
        digits[10 + 9] = 1;      // units digit 9
        org.junit.jupiter.api.Assertions.assertArrayEquals(digits, NumberWords.digits(19, 2));
        org.junit.jupiter.api.Assertions.assertArrayEquals(NumberWords.digits(19, 2), NumberWords.digits(1019, 2), "the last digits only");
        assertThrows(IllegalArgumentException.class, () -> NumberWords.words(-1));
    }

    static List<CaptionModel.Example> examples(List<Integer> numbers) {
        List<CaptionModel.Example> out = new ArrayList<>();
        for (int n : numbers) {
            out.add(new CaptionModel.Example(NumberWords.digits(n, 3), NumberWords.words(n)));
        }
        return out;
    }

    @Test
    void writesHeldOutNumbersInWords() throws Exception {
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            all.add(i);
        }
        Collections.shuffle(all, new Random(1));
        List<CaptionModel.Example> train = examples(all.subList(0, 650)), val = examples(all.subList(650, 700)),
                test = examples(all.subList(700, 1000));
        Path file = dir.resolve("numbers.safetensors");
        CaptionModel.Config config = new CaptionModel.Config(CellKind.LSTM, 30, 16, 64, 1, true, 0, 8);
        try (CaptionModel m = CaptionModel.create(Kernels.preferred(), config, train, 2);
             CaptionTraining task = new CaptionTraining(m, train, val, 16, 2)) {
            Trainer.Result r = new Trainer(Kernels.preferred(), task, new TrainingSettings("adam", 5e-3, 5, 40, 0, Integer.MAX_VALUE, 0.7,
                    TrainingSettings.NonFinitePolicy.STOP), null).run(file, false);
            assertTrue(r.best().accuracy() >= 0.98, "validation exact match " + r.best().accuracy());
        }
        try (CaptionModel m = CaptionModel.load(Kernels.preferred(), file)) {
            double greedy = m.exactMatch(test, Decoding.greedy());
            assertTrue(greedy >= 0.99, "held-out exact match " + greedy);
            assertTrue(m.exactMatch(test, Decoding.beam(4)) >= 0.99);
            float[] f = NumberWords.digits(417, 3);
            String best = m.generate(f, Decoding.greedy());
            assertEquals(best, m.generate(f, Decoding.sampled(1.0, 1, 7)), "top-k 1 is greedy");
            assertEquals(best, m.generate(f, Decoding.sampled(1e-3, 0, 7)), "a tiny temperature is greedy here");
            String hot = m.generate(f, Decoding.sampled(5.0, 0, 7));
            assertEquals(hot, m.generate(f, Decoding.sampled(5.0, 0, 7)), "a seed repeats a sample");
            List<String> samples = new ArrayList<>();
            for (int s = 0; s < 20; s++) {
                samples.add(m.generate(f, Decoding.sampled(5.0, 0, s)));
            }
            assertNotEquals(1, samples.stream().distinct().count(), "a high temperature varies");
            assertTrue(m.generate(f, Decoding.sampled(5.0, 0, 3)).split(" ").length <= 8, "outputs stop at the length limit");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> m.generate(new float[29], Decoding.greedy())).getMessage()
                    .contains("29 values, the model reads 30"));
        }
    }
}
