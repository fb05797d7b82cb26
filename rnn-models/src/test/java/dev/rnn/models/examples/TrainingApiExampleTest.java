package dev.rnn.models.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.tasks.SentenceClassifier;
import dev.rnn.models.tasks.SentenceClassifierTraining;
import dev.rnn.models.text.LabelledSentence;
import dev.rnn.models.training.OptimizerFactory;
import dev.rnn.models.training.Trainer;
import dev.rnn.models.training.TrainingListener;
import dev.rnn.models.training.TrainingSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/training-api.md, line for line between the markers, from outside the library's
 * packages: it compiles against the public API, runs, and prints what the document says it prints.
 */
class TrainingApiExampleTest {

    @Test
    void trainsASentenceClassifierInMemoryAndPredicts() throws IOException {
        PrintStream console = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            example();
        } finally {
            System.setOut(console);
        }
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        console.println(String.join("\n", lines));
        assertEquals(5, lines.size(), "a line per epoch, then the prediction");
        assertTrue(lines.get(0).startsWith("epoch 1: validation accuracy "), lines.get(0));
        assertTrue(lines.get(4).matches("best validation accuracy (1\\.000|0\\.9[5-9]\\d); 'the soup was lovely': pos"), lines.get(4));
    }

    private static void example() throws IOException {
        // example begins
        List<LabelledSentence> examples = new ArrayList<>();          // labelled sentences, in memory
        String[] things = {"food", "service", "soup", "wine", "room", "staff"};
        String[] good = {"great", "lovely", "superb", "fine"}, bad = {"awful", "bland", "rude", "cold"};
        Random random = new Random(1);
        for (int i = 0; i < 400; i++) {
            boolean positive = random.nextBoolean();
            String[] words = positive ? good : bad;
            examples.add(new LabelledSentence("the " + things[random.nextInt(things.length)] + " was "
                    + words[random.nextInt(words.length)], positive ? "pos" : "neg"));
        }
        List<LabelledSentence> train = examples.subList(0, 320), validation = examples.subList(320, 400);

        Kernels kernels = Kernels.preferred();
        SentenceClassifier.Config config = new SentenceClassifier.Config(CellKind.LSTM, 16, 8, 512, 16, 1, true, 0.2, 0.25);
        // learning rate 1e-2, clip 5, 4 epochs, no time limit, validate every 1000 batches and after each epoch
        TrainingSettings settings = new TrainingSettings("adam", 1e-2, 5, 4, 0, 1000, 1, TrainingSettings.NonFinitePolicy.STOP);
        TrainingListener progress = new TrainingListener() {
            @Override
            public void validated(Point point, List<Point> history) {
                System.out.printf("epoch %d: validation accuracy %.3f%n", point.epoch(), point.validationAccuracy());
            }
        };
        try (SentenceClassifier classifier = SentenceClassifier.create(kernels, config, train, 42)) {
            SentenceClassifierTraining task = new SentenceClassifierTraining(classifier, train, validation, 16, 42);
            Trainer.Result result = new Trainer(kernels, task, settings, OptimizerFactory.named("adam"), progress).run();   // writes no file
            SentenceClassifier.Prediction prediction = classifier.predict("the soup was lovely");    // the best epoch's weights
            System.out.printf("best validation accuracy %.3f; 'the soup was lovely': %s%n", result.best().accuracy(),
                    prediction.label());
        }
        // example ends
    }
}
