package dev.rnn.cli;

import dev.rnn.core.PackedMatrix;
import dev.rnn.core.cells.CellKind;
import dev.rnn.core.kernels.Kernels;
import dev.rnn.models.streaming.TextStreamingModel;
import dev.rnn.models.tasks.CharLanguageModel;
import dev.rnn.models.tasks.CharLanguageModelTraining;
import dev.rnn.models.tasks.Seq2SeqModel;
import dev.rnn.models.text.TextPair;
import dev.rnn.models.text.Vocabulary;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code rnn demo}: the job a new user runs first. Generates date-normalisation pairs (dates written
 * in many human formats → ISO 8601), trains the attention encoder-decoder on them with the
 * {@code seq2seq} defaults, shows a few translations, and scores freshly generated dates, ending with
 * {@code exact-match: X}. Then a small character language model learns the dates as written, for
 * {@code rnn serve}'s autocomplete. The models, their training curves, an attention heatmap and the
 * test pairs go into a folder it names.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Teach an encoder-decoder with attention to normalise dates ('Tue, 3 Mar 2021' → 2021-03-03), in a few minutes.",
                "Writes the model, its curve, an attention heatmap and test pairs into --dir."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "rnn-demo", paramLabel = "DIR", description = "output folder (default: ${DEFAULT-VALUE})")
    Path dir;

    @Option(names = "--pairs", defaultValue = "20000", paramLabel = "N", description = "generated training pairs (default: ${DEFAULT-VALUE})")
    int pairs;

    @Option(names = "--minutes", defaultValue = "3", paramLabel = "M", description = "training budget (default: ${DEFAULT-VALUE})")
    double minutes;

    @Option(names = "--epochs", defaultValue = "4", paramLabel = "N", description = "at most this many epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--lm-seconds", defaultValue = "15", paramLabel = "S",
            description = "training budget of the autocomplete language model (default: ${DEFAULT-VALUE})")
    double lmSeconds;

    /** The autocomplete model: a 1×64 LSTM learns the dates' forms in seconds, and steps fast enough to answer as one types. */
    static final CharLanguageModel.Config LM = new CharLanguageModel.Config(CellKind.LSTM, 16, 64, 1, 0);
    /** Enough epochs that the time budget, not the count, ends training on a laptop; each is about 2 s there. */
    static final int LM_EPOCHS = 20;
    /** Twice the lm command's rate: a model this small over a text this regular learns faster at it in a few seconds. */
    static final double LM_LEARNING_RATE = 4e-3;

    @Override
    public Integer call() throws Exception {
        if (pairs < 100) {
            throw new IllegalArgumentException("--pairs must be at least 100, found " + pairs);
        }
        if (!(minutes > 0) || epochs < 1) {
            throw new IllegalArgumentException("--minutes must be > 0 and --epochs ≥ 1, found " + minutes + " and " + epochs);
        }
        if (!(lmSeconds > 0)) {
            throw new IllegalArgumentException("--lm-seconds must be > 0, found " + lmSeconds);
        }
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(dir);
        List<TextPair> train = DatePairs.generate(pairs, seed);
        List<TextPair> validation = DatePairs.generate(Math.max(200, pairs / 10), seed + 1);
        List<TextPair> test = DatePairs.generate(1000, seed + 2);
        out.println("rnn demo: an LSTM encoder-decoder with attention learns to normalise dates written "
                + DatePairs.FORMATS.size() + " ways, for example:");
        for (int i = 0; i < 4; i++) {
            out.printf("  %-28s → %s%n", train.get(i).source(), train.get(i).target());
        }
        out.printf(Locale.ROOT, "%d generated training pairs, at most %s minutes (kernels: %s)%n", pairs, minutes, Kernels.preferred().name());
        TrainingOptions t = new TrainingOptions();
        t.minutes = minutes;
        t.epochs = epochs;
        t.seed = seed;
        t.onNonFinite = "stop";
        Path model = dir.resolve("dates.safetensors");
        Seq2SeqCommand.train(train, validation, new Seq2SeqCommand.ModelOptions(), t, model, "date normalisation", out);
        Path testFile = dir.resolve("test-pairs.txt");
        StringBuilder lines = new StringBuilder();
        for (TextPair p : test) {
            lines.append(p.source()).append('\t').append(p.target()).append('\n');
        }
        Files.writeString(testFile, lines);
        try (Seq2SeqModel m = Seq2SeqModel.open(Kernels.preferred(), model)) {
            out.println("translations of dates it has not seen:");
            List<TextPair> shown = test.subList(0, 8);
            List<String> got = m.translateAll(shown.stream().map(TextPair::source).toList(), 1);
            for (int i = 0; i < shown.size(); i++) {
                out.printf("  %-28s → %s %s%n", shown.get(i).source(), got.get(i), got.get(i).equals(shown.get(i).target()) ? "✓" : "✗ (" + shown.get(i).target() + ")");
            }
            Path heatmap = dir.resolve("attention.png");
            Seq2SeqModel.Attended a = m.translateWithAttention(shown.get(0).source());
            AttentionPlot.write(heatmap, a.sourceTokens(), a.outputTokens(), a.weights());
            double exact = m.exactMatch(test, 1);
            out.println("wrote " + model + " (model), " + dir.resolve("dates.png") + " (training curve), " + heatmap
                    + " (attention of the first example), " + testFile + " (the 1000 test pairs)");
            out.println("try: ./rnn seq2seq translate --model " + model + " \"July 4th, 1976\" \"12/25/99\" --attention-png " + dir.resolve("july.png"));
            out.println("     ./rnn seq2seq eval --model " + model + " --pairs " + testFile + " --beam 4");
            Path lm = dir.resolve("dates-lm.safetensors");
            trainLanguageModel(train, validation, lm, out);
            out.println("try: ./rnn serve" + (dir.equals(Path.of("rnn-demo")) ? "" : " --models-dir " + dir) + "   (serves " + model
                    + " as 'dates' and " + lm + " as 'dates-lm', the autocomplete)");
            out.printf(Locale.ROOT, "exact-match: %.4f%n", exact);
        }
        return 0;
    }

    /**
     * Trains a small character language model on the dates' written forms (the pairs' sources, one per
     * line), what {@code rnn serve} then offers as autocomplete, and shows a few completions.
     */
    private void trainLanguageModel(List<TextPair> train, List<TextPair> validation, Path file, PrintWriter out) throws Exception {
        String trainText = sources(train), validationText = sources(validation);
        TrainingOptions t = new TrainingOptions();
        t.minutes = lmSeconds / 60;
        t.epochs = LM_EPOCHS;
        t.seed = seed;
        t.onNonFinite = "stop";
        t.learningRate = LM_LEARNING_RATE;
        out.printf(Locale.ROOT, "autocomplete: a character LSTM (1×%d) learns the same dates as written, for at most %s s%n",
                LM.hidden(), lmSeconds);
        try (CharLanguageModel lm = CharLanguageModel.create(Kernels.preferred(), LM, Vocabulary.ofCharacters(trainText + validationText), seed);
             CharLanguageModelTraining task = new CharLanguageModelTraining(lm, lm.encode(trainText), lm.encode(validationText), 32, 50,
                     seed)) {
            TrainingRun.run(task, t.settings(LmCommand.DEFAULTS), file, false, "date autocomplete", out);
        }
        try (CharLanguageModel lm = CharLanguageModel.open(Kernels.preferred(), file);
             TextStreamingModel text = lm.textStreaming(PackedMatrix.Format.F32)) {
            for (String prefix : new String[] {"July ", "Tue, 1", "the 3"}) {
                List<TextStreamingModel.Completion> best = text.beamSearch(prefix, 3, 16, '\n');
                StringBuilder shown = new StringBuilder();
                for (TextStreamingModel.Completion c : best) {
                    shown.append(shown.isEmpty() ? "" : " | ").append(prefix).append(c.text().strip());
                }
                out.printf("  %-8s → %s%n", prefix, shown);
            }
        }
    }

    /** The pairs' source sides, one per line. */
    private static String sources(List<TextPair> pairs) {
        StringBuilder s = new StringBuilder();
        for (TextPair p : pairs) {
            s.append(p.source()).append('\n');
        }
        return s.toString();
    }
}
